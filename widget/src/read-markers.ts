// The last seq the user has seen per room, remembered in localStorage so unread counts survive reloads.
// The protocol has no read receipts; unread is derived here from events after this marker.
import { readStored, writeStored } from './identity.js';

export class ReadMarkers {
  constructor(private readonly scope: string) {}

  private key(room: string): string {
    return `parley:read:${this.scope}:${room}`;
  }

  /** The marker for `room`, or undefined the first time the user sees it. */
  get(room: string): number | undefined {
    const raw = readStored(this.key(room));
    const n = raw === null ? NaN : Number(raw);
    return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
  }

  /** Moves the marker forward (never back: another tab may have read further). */
  set(room: string, seq: number): void {
    if (seq > (this.get(room) ?? -1)) writeStored(this.key(room), String(seq));
  }
}
