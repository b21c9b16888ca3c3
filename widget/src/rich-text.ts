// Message bodies as rich text, a lazy chunk: the markdown tree becomes Lit templates, so user text only
// ever lands in text bindings and the only elements that can appear are the ones written below.
import { html, nothing, type TemplateResult } from 'lit';
import type { Mention } from '@parley/sdk';
import { parseMarkdown, type Block, type Inline } from './markdown.js';

/** Parsed bodies kept, so a re-render does not parse every message again. */
const CACHE_SIZE = 2000;
const cache = new Map<string, Block[] | undefined>();

/** Every element the rich body may contain, for tests and for anyone auditing it. */
export const ALLOWED_ELEMENTS = ['p', 'strong', 'em', 's', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li', 'a', 'span'] as const;

/** `body` as rich text, with its mentions marked; undefined when it is to be shown as plain text. */
export function renderRich(body: string, mentions: readonly Mention[] | undefined, self: string | undefined): TemplateResult | undefined {
  const key = mentions?.length ? `${JSON.stringify(mentions)}\u0000${body}` : body;
  let tree: Block[] | undefined;
  if (cache.has(key)) {
    tree = cache.get(key);
    // Least recently used goes first: a long timeline re-rendered in order keeps all it shows.
    cache.delete(key);
  } else {
    tree = parseMarkdown(body, mentions);
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  }
  cache.set(key, tree);
  if (!tree) return undefined;
  // A one-line message stays a run of text (no paragraph box), so it sits like plain text in its bubble.
  const only = tree.length === 1 && tree[0]!.t === 'p' ? tree[0] : undefined;
  return only ? lines(only.lines, self) : html`${tree.map((b) => block(b, self))}`;
}

function block(b: Block, self: string | undefined): TemplateResult {
  switch (b.t) {
    case 'p':
      return html`<p>${lines(b.lines, self)}</p>`;
    case 'pre':
      return html`<pre part="code-block"><code>${b.s}</code></pre>`;
    case 'quote':
      return html`<blockquote part="blockquote">${b.c.map((c) => block(c, self))}</blockquote>`;
    case 'list': {
      const items = b.items.map((item) => html`<li>${item.length === 1 && item[0]!.t === 'p' ? lines(item[0]!.lines, self) : item.map((c) => block(c, self))}</li>`);
      return b.ordered ? html`<ol start=${b.start === 1 ? nothing : b.start}>${items}</ol>` : html`<ul>${items}</ul>`;
    }
  }
}

/** Lines joined by the newline itself: the body keeps `white-space: pre-wrap`, and a copy keeps the breaks. */
function lines(ls: Inline[][], self: string | undefined): TemplateResult {
  return html`${ls.map((l, i) => html`${i ? '\n' : nothing}${l.map((n) => inline(n, self))}`)}`;
}

function inline(n: Inline, self: string | undefined): TemplateResult | string {
  switch (n.t) {
    case 'text':
      return n.s;
    case 'code':
      return html`<code part="code">${n.s}</code>`;
    case 'b':
      return html`<strong>${n.c.map((c) => inline(c, self))}</strong>`;
    case 'i':
      return html`<em>${n.c.map((c) => inline(c, self))}</em>`;
    case 's':
      return html`<s>${n.c.map((c) => inline(c, self))}</s>`;
    case 'mention':
      return html`<span part="mention${n.user === self ? ' mention-me' : ''}" class="mention ${n.user === self ? 'me' : ''}" data-user=${n.user}>${n.s}</span>`;
    case 'a':
      return link(n.href, n.c, self);
  }
}

/** A link opens in a new tab without a referrer or an opener; a host in punycode is shown beside it. */
function link(href: string, content: Inline[], self: string | undefined): TemplateResult {
  const host = href.startsWith('mailto:') ? '' : new URL(href).hostname;
  // An internationalized host reads like a familiar one (homoglyphs): say where the link really goes.
  const shown = /(^|\.)xn--/.test(host) ? host : '';
  return html`<a part="link" href=${href} title=${href} target="_blank" rel="noopener noreferrer nofollow">${content.map((c) => inline(c, self))}</a>${shown
    ? html` <span part="link-host" class="link-host">(${shown})</span>`
    : nothing}`;
}
