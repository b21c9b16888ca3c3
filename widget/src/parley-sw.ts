// The service worker that shows Parley's Web Push notifications and brings the chat back on a click.
// Served as /parley-sw.js; a site hosts this file on its own origin (a worker's scope is its origin).
import { clock } from './format.js';
import { LAUNCHER, resolveLang } from './lang.js';

/** What the server puts in a push (server/src/core/notifications.ts; docs/protocol.md section 18). */
interface PushPayload {
  v?: number;
  kind?: string;
  room?: string;
  roomName?: string;
  seq?: number;
  from?: string;
  text?: string;
  /** A voice message's length, ms (its `text` is empty). */
  voice?: number;
}

// The few parts of the ServiceWorkerGlobalScope used here (the widget compiles with the DOM library).
interface ExtendableEvent extends Event {
  waitUntil(p: Promise<unknown>): void;
}
interface PushEvent extends ExtendableEvent {
  readonly data: { json(): unknown; text(): string } | null;
}
interface NotificationEvent extends ExtendableEvent {
  readonly notification: Notification;
}
interface WindowClient {
  readonly url: string;
  focus(): Promise<WindowClient>;
  postMessage(message: unknown): void;
}
interface WorkerScope {
  readonly registration: ServiceWorkerRegistration;
  readonly clients: {
    matchAll(options: { type: 'window'; includeUncontrolled: boolean }): Promise<WindowClient[]>;
    openWindow(url: string): Promise<WindowClient | null>;
  };
  addEventListener(type: 'push', listener: (e: PushEvent) => void): void;
  addEventListener(type: 'notificationclick', listener: (e: NotificationEvent) => void): void;
  addEventListener(type: 'install' | 'activate', listener: (e: ExtendableEvent) => void): void;
  skipWaiting(): Promise<void>;
}

const sw = self as unknown as WorkerScope;

/** Text only; bounded, since a push service delivers whatever was encrypted for this browser. */
const clip = (s: unknown, n: number): string => (typeof s === 'string' ? s.slice(0, n) : '');

sw.addEventListener('install', (e) => e.waitUntil(sw.skipWaiting()));

sw.addEventListener('push', (event) => {
  let data: PushPayload = {};
  try {
    data = (event.data?.json() ?? {}) as PushPayload;
  } catch {
    // Not JSON: still show that something arrived (browsers require a notification for a push).
  }
  const from = clip(data.from, 64) || 'Parley';
  const title = data.kind === 'mention' && data.roomName ? `${from} · ${clip(data.roomName, 64)}` : from;
  const room = clip(data.room, 64);
  event.waitUntil(
    sw.registration.showNotification(title, {
      body: clip(data.text, 200) || (typeof data.voice === 'number' ? LAUNCHER[resolveLang(undefined)].voiceMessage(clock(data.voice)) : ''),
      // One notification per room: a newer message replaces the older one instead of piling up.
      tag: room ? `parley:${room}` : 'parley',
      data: { room, seq: typeof data.seq === 'number' ? data.seq : undefined },
    }),
  );
});

sw.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const { room, seq } = (event.notification.data ?? {}) as { room?: string; seq?: number };
  const scope = sw.registration.scope;
  event.waitUntil(
    sw.clients.matchAll({ type: 'window', includeUncontrolled: true }).then(async (windows) => {
      // A page of this site already open: bring it forward and tell its widget which room to show.
      const open = windows.find((w) => w.url.startsWith(scope));
      if (open) {
        open.postMessage({ type: 'parley:open', room, seq });
        await open.focus();
        return;
      }
      await sw.clients.openWindow(scope);
    }),
  );
});
