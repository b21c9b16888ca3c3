// Turns Web Push on or off for this browser: the service worker at the site's URL, the permission
// (asked only from the click that calls `enablePush`) and the subscription the server keeps.
import type { PushSubscriptionKeys } from '@parley/sdk';

export type PushState = 'on' | 'off' | 'denied' | 'unsupported';

function supported(): boolean {
  return typeof navigator !== 'undefined' && 'serviceWorker' in navigator && typeof PushManager !== 'undefined' && typeof Notification !== 'undefined';
}

/** Whether this browser is subscribed through the worker at `workerUrl` (without asking anything). */
export async function pushState(workerUrl: string): Promise<PushState> {
  if (!supported()) return 'unsupported';
  if (Notification.permission === 'denied') return 'denied';
  const reg = await navigator.serviceWorker.getRegistration(new URL(workerUrl, location.href).href).catch(() => undefined);
  return (await reg?.pushManager.getSubscription()) ? 'on' : 'off';
}

/** Asks for permission, registers the worker, subscribes with the server's key and hands the subscription to `save`. */
export async function enablePush(workerUrl: string, key: string, save: (s: PushSubscriptionKeys) => Promise<void>): Promise<PushState> {
  if (!supported()) return 'unsupported';
  if ((await Notification.requestPermission()) !== 'granted') return 'denied';
  const reg = await navigator.serviceWorker.register(workerUrl);
  await navigator.serviceWorker.ready;
  const applicationServerKey = fromBase64url(key);
  let sub = await reg.pushManager.getSubscription();
  // A subscription made with another server's key cannot carry this server's pushes.
  if (sub && !sameKey(sub.options.applicationServerKey, applicationServerKey)) {
    await sub.unsubscribe();
    sub = null;
  }
  sub ??= await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey });
  await save(sub.toJSON() as PushSubscriptionKeys);
  return 'on';
}

/** Unsubscribes this browser and tells the server (`remove`) to forget it. */
export async function disablePush(workerUrl: string, remove: (s: PushSubscriptionKeys) => Promise<void>): Promise<PushState> {
  if (!supported()) return 'unsupported';
  const reg = await navigator.serviceWorker.getRegistration(new URL(workerUrl, location.href).href);
  const sub = await reg?.pushManager.getSubscription();
  if (sub) {
    await remove(sub.toJSON() as PushSubscriptionKeys);
    await sub.unsubscribe();
  }
  return 'off';
}

function fromBase64url(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function sameKey(a: ArrayBuffer | null, b: Uint8Array): boolean {
  if (!a || a.byteLength !== b.length) return false;
  const x = new Uint8Array(a);
  return x.every((v, i) => v === b[i]);
}
