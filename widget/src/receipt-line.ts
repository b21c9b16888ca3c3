// The read receipt under the last message of a room (ADR 0013): in a direct room, whether the user's
// own last message was stored, reached the other person or was seen; in a small room, who has read
// the last message, as initials with the names in words for screen readers.
import { html, nothing, type TemplateResult } from 'lit';
import type { Receipt } from '@parley/sdk';
import type { Catalog } from './i18n.js';

/** What the receipt of a room's last message is made from. */
export interface ReceiptContext {
  /** Direct rooms show Sent / Delivered / Seen; other rooms, who has read the message. */
  direct: boolean;
  /** The other members' positions, as the server shares them (none in large rooms). */
  receipts: ReadonlyMap<string, Receipt>;
  /** A member's display name. */
  name(user: string): string;
}

/** The receipt line for message `seq` by `by`, the last message of the room, or nothing. */
export function renderReceipt(seq: number, by: string, self: string | undefined, ctx: ReceiptContext, t: Catalog): TemplateResult | typeof nothing {
  if (ctx.direct) {
    if (by !== self) return nothing;
    let state: 'sent' | 'delivered' | 'seen' = 'sent';
    for (const r of ctx.receipts.values()) {
      if (r.seq >= seq) state = 'seen';
      else if (r.delivered >= seq && state === 'sent') state = 'delivered';
    }
    return html`<div part="receipt" class="receipt" data-receipt=${state}>
      <span class="ticks" aria-hidden="true">${state === 'sent' ? '✓' : '✓✓'}</span> ${t.receipt[state]}
    </div>`;
  }
  const readers = [...ctx.receipts.values()].filter((r) => r.seq >= seq && r.user !== by).map((r) => ctx.name(r.user));
  if (readers.length === 0) return nothing;
  const label = t.seenBy(readers);
  return html`<div part="receipt seen-by" class="receipt seen-by" title=${label}>
    <span class="sr-only">${label}</span>
    ${readers.slice(0, 5).map((n) => html`<span class="reader" aria-hidden="true">${initials(n)}</span>`)}
    ${readers.length > 5 ? html`<span class="reader more" aria-hidden="true">+${readers.length - 5}</span>` : nothing}
  </div>`;
}

function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0]!, words[words.length - 1]!].map((w) => [...w][0]) : [...(words[0] ?? '?')].slice(0, 2);
  return letters.join('').toUpperCase();
}
