// The embed script (dist/widget.js, a classic script): reads its own data-* attributes, appends one
// <chat-widget> to the page and loads the component module from the same directory as itself.

const ATTRIBUTES = ['room', 'server', 'token', 'theme', 'lang', 'mode', 'density', 'sound', 'notifications', 'title-badge', 'markdown', 'emoji', 'push-worker'] as const;
/** Where the first embed on a page leaves its widget, so a second include of this script can tell. */
const EMBEDDED = Symbol.for('parley.embed');
/** The brand of Parley's own <chat-widget> class (see chat-widget.ts). */
const BRAND = Symbol.for('parley.chat-widget');

function ownScript(): HTMLScriptElement | undefined {
  if (document.currentScript instanceof HTMLScriptElement) return document.currentScript;
  // `async` scripts may run without currentScript in some engines: take the last tag that loads us.
  const tags = [...document.querySelectorAll<HTMLScriptElement>('script[src]')].filter((s) => /\/widget\.js(\?|#|$)/.test(s.src));
  return tags[tags.length - 1];
}

/** Tells the page's author (console) and its scripts (`chat-error`) why the embed did nothing. */
function refuse(target: EventTarget, code: string, message: string): void {
  console.error(`[parley] ${message}`);
  target.dispatchEvent(new CustomEvent('chat-error', { detail: { code, message }, bubbles: true, composed: true }));
}

const page = window as unknown as Record<symbol, HTMLElement | undefined>;
const first = page[EMBEDDED];
const taken = customElements.get('chat-widget');
const script = ownScript();
if (first) {
  // Included twice: one widget and one connection are what the page wants.
  refuse(first.isConnected ? first : document, 'duplicate_embed', 'widget.js is included more than once on this page; only the first include is used');
} else if (taken && !(BRAND in taken)) {
  refuse(document, 'tag_taken', 'the <chat-widget> tag is already defined by another script on this page; the Parley chat cannot start');
} else if (script) {
  const base = new URL('.', script.src);
  const widget = (page[EMBEDDED] = document.createElement('chat-widget'));
  for (const name of ATTRIBUTES) {
    const key = name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    const value = script.dataset[key];
    if (value !== undefined) widget.setAttribute(name, value);
  }
  if (!widget.hasAttribute('server')) widget.setAttribute('server', base.origin);
  const mount = () => document.body.appendChild(widget);
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount, { once: true });
  import(new URL('chat-widget.js', base).href).catch((err: unknown) => console.error('[parley] could not load the chat widget', err));
}
