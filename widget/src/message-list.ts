// Renders one room's timeline: date separators between days, join/leave/rename notices, and messages
// grouped under one author line while the same person keeps writing, with their quotes, reactions,
// thread links and actions. Text only ever goes through Lit text bindings (rich text included: it is
// built from templates), so message bodies can never become markup.
import { html, nothing, type TemplateResult } from 'lit';
import type { MessageView as Message, RoomEvent } from '@parley/sdk';
import { dayKey, dayLabel, fullLabel, timeLabel } from './format.js';
import type { Catalog } from './i18n.js';
import { renderActions, renderBody, renderConfirm, renderEditor, renderFooter, renderMenu, renderQuote, type MessageUi, type RichRenderer } from './message-actions.js';
import { renderReceipt, type ReceiptContext } from './receipt-line.js';
import type { PendingMessage, Timeline } from './timeline.js';

/** Consecutive messages by one author closer than this share a header. */
const GROUP_MS = 5 * 60_000;

export interface ListContext {
  self: string | undefined;
  t: Catalog;
  lang: string;
  retry(entry: PendingMessage): void;
  /** The message actions; without them messages are shown as they are, with no controls. */
  ui?: MessageUi;
  /** Read receipts (direct and small rooms): shown under the last stored message. */
  receipts?: ReceiptContext;
  /** Renders bodies as rich text once its chunk has loaded; until then (or when off) they are plain text. */
  rich?: RichRenderer;
  /** The preview card of a message's link (feature `link_previews`), if it has one. */
  linkCard?: (msg: Message) => TemplateResult | typeof nothing;
  /** A bot message's buttons and selects (feature `interactive`), if it has some. */
  botActions?: (msg: Message) => TemplateResult | typeof nothing;
  /** The player of a voice message (feature `voice`): a stored one, or one's own still on its way. */
  voice?: (msg: Message | undefined, pending: PendingMessage | undefined) => TemplateResult | typeof nothing;
  /** The files of a message (feature `files`), if it has some. */
  attachments?: (msg: Message) => TemplateResult | typeof nothing;
}

interface Row {
  by: string;
  name: string;
  ts: number;
  body: string;
  seq?: number;
  status: 'sent' | 'pending' | 'failed';
  pending?: PendingMessage;
  msg?: Message;
}

export function renderTimeline(tl: Pick<Timeline, 'events' | 'pending'>, ctx: ListContext): TemplateResult[] {
  const out: TemplateResult[] = [];
  let lastDay = '';
  let prev: Row | undefined;
  const push = (row: Row | undefined, ts: number, tpl: (grouped: boolean) => TemplateResult) => {
    const day = dayKey(ts);
    if (day !== lastDay) {
      lastDay = day;
      prev = undefined;
      out.push(html`<div part="date-separator" class="sep" role="separator"><span>${dayLabel(ts, ctx.lang, ctx.t)}</span></div>`);
    }
    const grouped = !!row && !!prev && prev.by === row.by && ts - prev.ts < GROUP_MS && prev.status !== 'failed';
    out.push(tpl(grouped));
    prev = row;
  };
  let last: Message | undefined;
  for (const e of tl.events) if (e.kind === 'msg' && !e.deleted) last = e;
  for (const e of tl.events) {
    if (e.kind === 'msg') {
      const row: Row = { by: e.by, name: e.name, ts: e.ts, body: e.body ?? '', seq: e.seq, status: 'sent', msg: e };
      push(row, e.ts, (g) => message(row, g, ctx));
      if (e === last && ctx.receipts) {
        const receipt = renderReceipt(e.seq, e.by, ctx.self, ctx.receipts, ctx.t);
        if (receipt !== nothing) out.push(receipt);
      }
    } else {
      push(undefined, e.ts, () => html`<div part="notice" class="notice" dir="auto">${noticeText(e, ctx.t)}</div>`);
    }
  }
  for (const p of tl.pending) {
    const row: Row = { by: ctx.self ?? '', name: ctx.t.you, ts: p.ts, body: p.body, status: p.status, pending: p };
    push(row, p.ts, (g) => message(row, g, ctx));
  }
  return out;
}

function noticeText(e: RoomEvent, t: Catalog): string {
  const who = e.name || e.by;
  if (e.kind === 'join') return t.joined(who);
  if (e.kind === 'leave') return t.left(who);
  if (e.kind === 'call') {
    const d = e.data ?? {};
    if (d.action === 'ended') return t.calls.ended(typeof d.duration === 'number' ? d.duration : 0);
    if (d.action === 'missed') return t.calls.missed(who);
    return t.calls.started(who, d.video === true);
  }
  return t.renamedRoom(who, String(e.data?.name ?? ''));
}

function message(row: Row, grouped: boolean, ctx: ListContext): TemplateResult {
  const own = row.by === ctx.self;
  const { t } = ctx;
  const author = own ? t.you : row.name || row.by;
  const refused = row.pending?.refused;
  const { msg } = row;
  const ui = msg && !msg.deleted ? ctx.ui : undefined;
  // A stored message is focusable (arrow keys move between messages; a quote's jump lands here).
  return html`<div
    part="message${msg?.deleted ? ' tombstone' : ''}"
    class="msg ${own ? 'own' : ''} ${grouped ? 'grouped' : ''} ${msg?.data?.replyTo !== undefined ? 'has-quote' : ''}"
    data-seq=${row.seq ?? nothing}
    data-author=${row.by}
    data-status=${row.status}
    ?data-own=${own}
    ?data-deleted=${msg?.deleted}
    tabindex=${msg && ctx.ui ? '-1' : nothing}
    aria-label=${msg && ctx.ui ? t.messageFrom(author, timeLabel(row.ts, ctx.lang)) : nothing}
  >
    ${grouped
      ? nothing
      : html`<div class="meta">
          <span class="author" dir="auto" title=${author}>${author}</span>
          ${renderAuthorBadge(row.by, t)}
          <time datetime=${new Date(row.ts).toISOString()} title=${fullLabel(row.ts, ctx.lang)}>${timeLabel(row.ts, ctx.lang)}</time>
        </div>`}
    ${ui && msg ? renderQuote(msg, ui, t) : nothing}
    ${msg?.deleted
      ? html`<div part="message-body deleted" class="body deleted">${t.deletedMessage}</div>`
      : ui && msg && ui.editing === msg.seq
        ? renderEditor(msg, ui, t)
        : row.body === ''
          ? html`${ctx.voice ? ctx.voice(msg, row.pending) : nothing}${msg?.attachments?.length && ctx.attachments ? ctx.attachments(msg) : nothing}`
        : html`<div part="message-body" class="body" dir="auto">${renderBody(row.body, msg?.mentions ?? row.pending?.options.mentions, ctx.self, ctx.rich)}${msg?.edited
            ? html` <span part="edited" class="edited" title=${fullLabel(msg.edited, ctx.lang)}>${t.edited}</span>`
            : nothing}</div>${msg?.attachments?.length && ctx.attachments ? ctx.attachments(msg) : nothing}${msg && ctx.linkCard && !(ui && ui.editing === msg.seq) ? ctx.linkCard(msg) : nothing}${msg?.actions?.length && ctx.botActions ? ctx.botActions(msg) : nothing}`}
    ${ui && msg ? renderFooter(msg, ui, t, ctx.self) : nothing}
    ${ui && msg && ui.confirming === msg.seq ? renderConfirm(msg, ui, t) : nothing}
    ${ui && msg ? html`<div class="actions">${renderActions(msg, ui, t)}</div>${renderMenu(msg, ui, t, own)}` : nothing}
    ${row.status === 'pending'
      ? html`<div class="state">${t.sending}</div>`
      : refused
        ? html`<div class="state failed">${t.notSent(refused)}</div>`
        : row.status === 'failed'
          ? html`<div class="state failed">${t.failed} ·
              <button part="retry" type="button" @click=${() => row.pending && ctx.retry(row.pending)}>${t.retry}</button></div>`
          : nothing}
  </div>`;
}

/** The badge beside an author's name: a verified bot (`bot:`), or an integration posting through an incoming webhook (`hook:`). */
export function renderAuthorBadge(by: string, t: Catalog): TemplateResult | typeof nothing {
  if (by.startsWith('bot:')) return html`<span part="bot-badge" class="bot-badge" title=${t.verifiedBot}>✓ ${t.botBadge}</span>`;
  if (by.startsWith('hook:')) return html`<span part="hook-badge" class="bot-badge hook-badge" title=${t.hookTitle}>${t.hookBadge}</span>`;
  return nothing;
}
