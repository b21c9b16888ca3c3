// Browser-side test support: the real Parley node started by the wtr config, SDK "bots" talking to it
// from the page, lookups through the widget's nested shadow roots, and condition waits.
import { ChatClient } from '@parley/sdk';
import type { ChatWidget } from '../../src/index.js';

export interface ParleyEnv {
  http: string;
  ws: string;
}

let env: Promise<ParleyEnv> | undefined;

export function parley(): Promise<ParleyEnv> {
  return (env ??= fetch('/__parley/server').then((r) => r.json() as Promise<ParleyEnv>));
}

export async function tokenFor(sub: string, name = sub): Promise<string> {
  const res = await fetch(`/__parley/token?sub=${encodeURIComponent(sub)}&name=${encodeURIComponent(name)}`);
  return ((await res.json()) as { token: string }).token;
}

/** A connected SDK client acting as another person. */
export async function bot(sub: string, name = sub): Promise<ChatClient> {
  const { ws } = await parley();
  const client = new ChatClient({ url: ws, token: await tokenFor(sub, name) });
  await client.connect();
  return client;
}

let counter = 0;
/** A fresh id, so tests never see each other's rooms or users. */
export function unique(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${++counter}`;
}

/** Every element with `part~=name` in the widget's shadow root and the shadow roots nested in it. */
export function parts(widget: Element, name: string): HTMLElement[] {
  const found: HTMLElement[] = [];
  const walk = (root: ShadowRoot | null | undefined) => {
    if (!root) return;
    found.push(...root.querySelectorAll<HTMLElement>(`[part~="${name}"]`));
    for (const el of root.querySelectorAll('*')) walk(el.shadowRoot);
  };
  walk(widget.shadowRoot);
  return found;
}

export function part(widget: Element, name: string): HTMLElement | undefined {
  return parts(widget, name)[0];
}

/** Waits until `check` returns a truthy value (polling), or fails with `what`. */
export async function until<T>(check: () => T | Promise<T>, what: string, timeoutMs = 8000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Mounts a widget with `attrs` (token for `sub` unless `token: null`) and waits for it to render. */
export async function mount(attrs: Record<string, string | null>): Promise<ChatWidget> {
  const el = document.createElement('chat-widget');
  for (const [k, v] of Object.entries(attrs)) if (v !== null) el.setAttribute(k, v);
  document.body.append(el);
  await el.updateComplete;
  return el;
}

/** The visible text of a message body list. */
export function bodies(widget: Element): string[] {
  return parts(widget, 'message-body').map((b) => b.textContent ?? '');
}

/** The element that has focus, looking through shadow roots. */
export function deepActive(): Element | null {
  let el: Element | null = document.activeElement;
  while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
  return el;
}
