// `read` (29): a member's read and delivered positions (ADR 0013). Positions are not room events: they
// are written in batches to the membership row and told only to those who may see them, the member's
// own connections (with the new counts) and, in a direct or small room, the other members.
import { Op, RoomKind, type ReadFrame, type ReadStateFrame, type ResultData } from '@parley/sdk/protocol';
import type { ReadView } from '../store/store.js';
import { badRequest, forbidden } from './errors.js';
import { noRoom } from './room-state.js';
import type { Session } from './session.js';

export async function read(s: Session, f: ReadFrame): Promise<ResultData[typeof Op.Read]> {
  const { hub } = s;
  const out = await hub.store.markRead({ room: f.room, user: s.userId, seq: f.seq, delivered: f.delivered === true }, hub.config.receiptRoomSize);
  if (out.status === 'no_room') throw noRoom(f.room);
  if (out.status === 'not_member') {
    // A private or direct room the caller is not in is answered like a missing one (ADR 0007).
    if (out.kind !== RoomKind.Public) throw noRoom(f.room);
    throw forbidden(`you are not a member of "${f.room}": join it first`);
  }
  if (out.status === 'beyond_head') throw badRequest(`seq ${f.seq} is past the latest event of "${f.room}" (${out.head}): nothing was marked`);
  const { view } = out;
  if (out.changed) {
    const position = { t: Op.ReadState, room: f.room, user: s.userId, seq: view.read, delivered: view.delivered };
    hub.publishToUser(s.userId, { ...position, unread: view.unread, mentions: view.mentions } satisfies ReadStateFrame);
    if (out.kind === RoomKind.Direct || out.small) hub.publishRoom(f.room, position satisfies ReadStateFrame);
  }
  return answer(f.room, view);
}

function answer(room: string, view: ReadView): ResultData[typeof Op.Read] {
  return { room, seq: view.read, delivered: view.delivered, unread: view.unread, mentions: view.mentions };
}
