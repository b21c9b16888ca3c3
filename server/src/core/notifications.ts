// Tells users about direct messages and mentions by Web Push while they have no open connection on
// any node (ADR 0016): after a msg is published, on the node that stored it, off the send path.
import { AttachmentKind, EventKind, RoomKind, type RoomEvent } from '@parley/sdk/protocol';
import type { Logger } from '../log.js';
import type { LinkPreviews } from '../outbound/link-previews.js';
import type { PushSender } from '../outbound/web-push.js';
import type { Store } from '../store/store.js';
import type { PresenceAnnouncer } from './presence-announcer.js';

/** Characters of the message that go into the push payload (see the ADR on what leaves the server). */
const EXCERPT = 140;

export interface NotificationsDeps {
  store: Store;
  announcer: PresenceAnnouncer;
  sender: PushSender;
  /** Whether the user has a session on this node (answered without asking the directory). */
  connectedHere(user: string): boolean;
  previews: LinkPreviews | undefined;
  log: Logger;
}

/** What the service worker receives, JSON in the encrypted push message. */
export interface PushPayload {
  v: 1;
  kind: 'dm' | 'mention';
  room: string;
  /** The room's name (absent for direct rooms, whose name is the other person). */
  roomName?: string;
  seq: number;
  from: string;
  text: string;
  /** A voice message's length, ms: the service worker shows a stand-in in the reader's language when `text` is empty. */
  voice?: number;
}

export class Notifications {
  readonly sender: PushSender;
  readonly previews: LinkPreviews | undefined;
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly deps: NotificationsDeps) {
    this.sender = deps.sender;
    this.previews = deps.previews;
  }

  /** A message was stored and published: push it to the people it is for who are not connected. */
  messagePublished(event: RoomEvent): void {
    if (event.kind !== EventKind.Message) return;
    const direct = event.room.startsWith('dm:');
    if (!direct && !event.mentions?.length) return;
    const p = this.notify(event, direct).catch((err: unknown) => this.deps.log.warn('push notifications not sent', { room: event.room, seq: event.seq, err }));
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  /** Resolves when the pushes under way are done (drain, tests). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  close(): void {
    this.sender.close();
  }

  private async notify(event: RoomEvent, direct: boolean): Promise<void> {
    const { store } = this.deps;
    const room = await store.getRoom(event.room);
    if (!room) return;
    let users: string[];
    if (direct && room.kind === RoomKind.Direct) {
      users = (await store.listMembers(event.room)).map((m) => m.user).filter((u) => u !== event.by);
    } else {
      users = [...new Set((event.mentions ?? []).map((m) => m.user))].filter((u) => u !== event.by);
      // Who cannot read the room is not told what was said in it.
      if (room.kind !== RoomKind.Public) {
        const members = await Promise.all(users.map((u) => store.getMember(event.room, u)));
        users = users.filter((_, i) => members[i] !== null);
      }
    }
    users = users.filter((u) => !this.deps.connectedHere(u));
    if (users.length === 0) return;
    const states = await this.deps.announcer.states(users);
    const away = users.filter((u) => states.get(u) === 'offline');
    if (away.length === 0) return;
    const targets = await store.notify.pushTargets(away, event.room);
    if (targets.length === 0) return;
    const payload: PushPayload = {
      v: 1,
      kind: room.kind === RoomKind.Direct ? 'dm' : 'mention',
      room: event.room,
      seq: event.seq,
      from: event.name,
      text: excerpt(event.body ?? ''),
    };
    if (room.kind !== RoomKind.Direct) payload.roomName = room.name;
    const voice = event.attachments?.find((a) => a.kind === AttachmentKind.Voice);
    if (voice?.duration !== undefined) payload.voice = voice.duration;
    const body = JSON.stringify(payload);
    await Promise.all(
      targets.map(async (t) => {
        const outcome = await this.sender.send(t, body);
        if (outcome === 'gone') {
          await store.notify.unsubscribe(t.endpoint);
          this.deps.log.info('push subscription removed: the push service no longer knows it', { user: t.user });
        } else if (outcome === 'failed') this.deps.log.warn('push not delivered to the push service', { user: t.user });
      }),
    );
  }
}

function excerpt(body: string): string {
  const text = body.replace(/\s+/g, ' ').trim();
  return text.length > EXCERPT ? `${text.slice(0, EXCERPT - 1)}…` : text;
}
