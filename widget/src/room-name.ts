// A room's display name, shared by the launcher's notifications (first load) and the panel (lazy),
// without pulling the chat session into the first load.
import type { RoomView } from './chat-session.js';

/** A room's display name: its name, else its id (dm rooms often have no name). */
export function roomName(view: Pick<RoomView, 'id' | 'summary'>): string {
  return view.summary?.name || view.id;
}
