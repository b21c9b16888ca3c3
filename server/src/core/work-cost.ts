// What each request costs against a connection's work budget (`workRate`, docs/protocol.md §11.1):
// one unit per room-log event it appends or per room it announces something to. Messages have their
// own budget (`sendRate`), reactions included; reads are bounded by the frame rate and by `maxPending`.
import { Op, type ClientFrame } from '@parley/sdk/protocol';

/** Units a `link_preview` costs (docs/protocol.md §11.1). */
export const LINK_PREVIEW_WORK = 5;

/** Units charged before a request runs. `set_profile` is charged once more per room it reaches, after. */
export function workCost(frame: ClientFrame, userId: string): number {
  switch (frame.t) {
    case Op.RoomCreate: {
      // A `room` event, then one `join` per member, the creator included.
      const members = new Set(frame.members ?? []);
      members.add(userId);
      return 1 + members.size;
    }
    case Op.Join:
    case Op.Leave:
    case Op.Invite:
    case Op.RoomUpdate:
    case Op.SetProfile:
    case Op.Typing:
    case Op.SetPresence:
    case Op.Edit:
    case Op.Delete:
    case Op.Read:
    case Op.PushSubscribe:
    case Op.PushUnsubscribe:
    case Op.NotifySettings:
    // A bot's manifest is a room event; an ephemeral reply is a frame to someone's every connection.
    case Op.CommandsPublish:
    case Op.Ephemeral:
    // A click is a frame to the bot; a stream's start and end are frames to the room (and one event).
    case Op.Act:
    case Op.StreamStart:
    case Op.StreamEnd:
    // A call's start appends a `call` event (its rings are charged after, one per person rung); the
    // others change a call's state, which every node hears and passes on to everyone in the call.
    case Op.CallStart:
    case Op.CallJoin:
    case Op.CallDecline:
    case Op.CallLeave:
    case Op.CallMedia:
      return 1;
    case Op.LinkPreview:
      // It may fetch a page from the Internet: dearer than a read of the store.
      return LINK_PREVIEW_WORK;
    default:
      return 0;
  }
}

/**
 * Requests answered at once, without storage: they never wait, so they do not count against
 * `maxPending` (and a client can always ping).
 */
export function answeredAtOnce(op: number): boolean {
  return op === Op.Ping || op === Op.Unsubscribe || op === Op.Typing || op === Op.SetPresence || op === Op.CallSignal || op === Op.CallMedia || op === Op.CallLeave;
}
