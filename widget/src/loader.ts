// The embed script (dist/widget.js, a classic script): reads its own data-* attributes, appends one
// <chat-widget> to the page and loads the component module from the same directory as itself.

const ATTRIBUTES = ['room', 'server', 'token', 'theme', 'lang', 'mode', 'density', 'sound', 'notifications', 'title-badge'] as const;

function ownScript(): HTMLScriptElement | undefined {
  if (document.currentScript instanceof HTMLScriptElement) return document.currentScript;
  // `async` scripts may run without currentScript in some engines: take the last tag that loads us.
  const tags = [...document.querySelectorAll<HTMLScriptElement>('script[src]')].filter((s) => /\/widget\.js(\?|#|$)/.test(s.src));
  return tags[tags.length - 1];
}

const script = ownScript();
if (script) {
  const base = new URL('.', script.src);
  const widget = document.createElement('chat-widget');
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
