// Renders one room's timeline: date separators between days, join/leave/rename notices, and messages
// grouped under one author line while the same person keeps writing. Text only ever goes through
// Lit text bindings, so message bodies can never become markup.
import { html, nothing, type TemplateResult } from 'lit';
import type { RoomEvent } from '@parley/sdk';
import { dayKey, dayLabel, fullLabel, timeLabel } from './format.js';
import type { Catalog } from './i18n.js';
import type { PendingMessage, Timeline } from './timeline.js';

/** Consecutive messages by one author closer than this share a header. */
const GROUP_MS = 5 * 60_000;

export interface ListContext {
  self: string | undefined;
  t: Catalog;
  lang: string;
  retry(entry: PendingMessage): void;
}

interface Row {
  by: string;
  name: string;
  ts: number;
  body: string;
  seq?: number;
  status: 'sent' | 'pending' | 'failed';
  pending?: PendingMessage;
}

export function renderTimeline(tl: Timeline, ctx: ListContext): TemplateResult[] {
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
  for (const e of tl.events) {
    if (e.kind === 'msg') {
      const row: Row = { by: e.by, name: e.name, ts: e.ts, body: e.body ?? '', seq: e.seq, status: 'sent' };
      push(row, e.ts, (g) => message(row, g, ctx));
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
  return t.renamedRoom(who, String(e.data?.name ?? ''));
}

function message(row: Row, grouped: boolean, ctx: ListContext): TemplateResult {
  const own = row.by === ctx.self;
  const { t } = ctx;
  const author = own ? t.you : row.name || row.by;
  const refused = row.pending?.refused;
  return html`<div
    part="message"
    class="msg ${own ? 'own' : ''} ${grouped ? 'grouped' : ''}"
    data-seq=${row.seq ?? nothing}
    data-author=${row.by}
    data-status=${row.status}
    ?data-own=${own}
  >
    ${grouped
      ? nothing
      : html`<div class="meta">
          <span class="author" dir="auto" title=${author}>${author}</span>
          <time datetime=${new Date(row.ts).toISOString()} title=${fullLabel(row.ts, ctx.lang)}>${timeLabel(row.ts, ctx.lang)}</time>
        </div>`}
    <div part="message-body" class="body" dir="auto">${row.body}</div>
    ${row.status === 'pending'
      ? html`<div class="state">${t.sending}</div>`
      : refused
        ? html`<div class="state failed">${t.notSent(refused.code, refused.message)}</div>`
        : row.status === 'failed'
          ? html`<div class="state failed">${t.failed} ·
              <button part="retry" type="button" @click=${() => row.pending && ctx.retry(row.pending)}>${t.retry}</button></div>`
          : nothing}
  </div>`;
}
