// What a stored message offers besides its text: the actions menu (quick reactions, reply, thread,
// edit, delete), the inline editor and delete confirmation, reaction chips, its quote and its thread
// link. Every control is a real button or field, reachable by keyboard; nothing appears on hover only.
import { html, nothing, type TemplateResult } from 'lit';
import type { Mention, MessageView as Message } from '@parley/sdk';
import type { Catalog } from './i18n.js';
import { messageText } from './format.js';

/** The quick-reaction bar. */
export const QUICK_REACTIONS = ['👍', '❤️', '😂', '😮', '😢', '🎉'] as const;

/** The message UI's state and what its controls ask for; the panel owns it. */
export interface MessageUi {
  /** Seq of the message whose actions menu is open. */
  menu: number | undefined;
  editing: number | undefined;
  confirming: number | undefined;
  /** Why the last edit or delete of `editing`/`confirming` failed, in words. */
  error: string;
  /** What the server does (`welcome.features`): actions it lacks are not offered. */
  features: ReadonlySet<string>;
  /** Display names by user id, for reactions and quotes. */
  names: ReadonlyMap<string, string>;
  /** False inside a thread: replies there do not open threads of their own. */
  threads: boolean;
  find(seq: number): Message | undefined;
  toggleMenu(seq: number): void;
  react(seq: number, emoji: string, on: boolean): void;
  reply(seq: number): void;
  openThread(seq: number): void;
  startEdit(seq: number): void;
  saveEdit(seq: number, body: string): void;
  askDelete(seq: number): void;
  confirmDelete(seq: number): void;
  /** Closes the menu, editor or confirmation. */
  dismiss(): void;
  jump(seq: number): void;
  /** Opens the emoji picker for a reaction to `seq`; absent when the picker is off. */
  moreReactions?(seq: number): void;
  /** The user moderates this room (feature `moderation`): moderator actions are offered on others' messages. */
  moderator: boolean;
  /** Seqs of the room's pinned messages. */
  pins: readonly number[];
  /** Reports `seq` to the room's moderators (feature `reports`). */
  report(seq: number): void;
  /** A moderator action on `seq` (pin, unpin) or on its author (mute for 10 minutes, ban). */
  moderate(seq: number, action: 'mute' | 'ban' | 'pin' | 'unpin'): void;
}

/** The message's quote: whose message it answers and its first words; activating it goes there. */
export function renderQuote(msg: Message, ui: MessageUi, t: Catalog): TemplateResult | typeof nothing {
  const seq = msg.data?.replyTo;
  if (typeof seq !== 'number') return nothing;
  const original = ui.find(seq);
  const name = original ? ui.names.get(original.by) || original.name || original.by : '';
  return html`<button part="quote" class="quote" type="button" data-target=${seq} title=${original ? t.quoteOf(name) : t.quoteMissing} @click=${() => ui.jump(seq)}>
    ${original
      ? html`<span class="quote-author" dir="auto">${name}</span><span class="quote-text" dir="auto">${original.deleted ? t.deletedMessage : messageText(original, t)}</span>`
      : html`<span class="quote-text">${t.quoteMissing}</span>`}
  </button>`;
}

/** Renders a body as rich text (the lazy rich-text chunk); undefined means "show it as plain text". */
export type RichRenderer = (body: string, mentions: readonly Mention[] | undefined, self: string | undefined) => TemplateResult | undefined;

/**
 * `body` as rich text when the panel has the rich-text chunk (`rich`), else as plain text with its mentions as marked spans
 * (mentions of `self` marked as such). A renderer that throws leaves the message as plain text.
 */
export function renderBody(body: string, mentions: readonly Mention[] | undefined, self: string | undefined, rich?: RichRenderer): Array<string | TemplateResult> {
  if (rich) {
    try {
      const out = rich(body, mentions, self);
      if (out) return [out];
    } catch {
      // fall through to plain text
    }
  }
  if (!mentions?.length) return [body];
  const out: Array<string | TemplateResult> = [];
  let at = 0;
  for (const m of [...mentions].sort((a, b) => a.at - b.at)) {
    // Entities come from other clients: ones overlapping, or out of the body, are shown as plain text.
    if (m.at < at || m.len <= 0 || m.at + m.len > body.length) continue;
    out.push(body.slice(at, m.at));
    out.push(html`<span part="mention${m.user === self ? ' mention-me' : ''}" class="mention ${m.user === self ? 'me' : ''}" data-user=${m.user}>${body.slice(m.at, m.at + m.len)}</span>`);
    at = m.at + m.len;
  }
  out.push(body.slice(at));
  return out;
}

/** Reaction chips, then the thread link; nothing for a message without either. */
export function renderFooter(msg: Message, ui: MessageUi, t: Catalog, self: string | undefined): TemplateResult | typeof nothing {
  const reactions = msg.reactions ?? [];
  const replies = ui.threads ? (msg.replies?.count ?? 0) : 0;
  if (!reactions.length && !replies) return nothing;
  return html`<div class="footer">
    ${reactions.length
      ? html`<div part="reactions" class="reactions" role="group" aria-label=${t.react}>
          ${reactions.map((r) => {
            const names = r.users.map((u) => (u === self ? t.you : ui.names.get(u) || u));
            const label = t.reactionLabel(r.emoji, r.count, names, r.me);
            return html`<button
              part="reaction"
              class="chip"
              type="button"
              data-emoji=${r.emoji}
              aria-pressed=${r.me ? 'true' : 'false'}
              aria-label=${label}
              title=${label}
              @click=${() => ui.react(msg.seq, r.emoji, !r.me)}
            >
              <span aria-hidden="true">${r.emoji}</span> <span aria-hidden="true">${r.count}</span>
            </button>`;
          })}
        </div>`
      : nothing}
    ${replies ? html`<button part="thread-link" class="link" type="button" @click=${() => ui.openThread(msg.seq)}>${t.replies(replies)}</button>` : nothing}
  </div>`;
}

/** The button that opens the message's actions menu. */
export function renderActions(msg: Message, ui: MessageUi, t: Catalog): TemplateResult {
  const open = ui.menu === msg.seq;
  return html`<button
      part="actions"
      class="actions-btn"
      type="button"
      aria-label=${t.messageActions}
      aria-haspopup="menu"
      aria-expanded=${open ? 'true' : 'false'}
      aria-controls=${open ? `menu-${msg.seq}` : nothing}
      @click=${() => ui.toggleMenu(msg.seq)}
    >
      <span aria-hidden="true">⋯</span>
    </button>`;
}

/** The actions menu of `msg`, while it is open. */
export function renderMenu(msg: Message, ui: MessageUi, t: Catalog, own: boolean): TemplateResult | typeof nothing {
  if (ui.menu !== msg.seq) return nothing;
  const f = ui.features;
  return html`<div part="actions-menu" class="menu" id=${`menu-${msg.seq}`} role="menu" aria-label=${t.messageActions} @keydown=${(e: KeyboardEvent) => onMenuKey(e, ui)}>
          ${f.has('reactions')
            ? html`<div class="quick" role="group" aria-label=${t.react}>
                ${QUICK_REACTIONS.map((emoji) => {
                  const mine = !!msg.reactions?.find((r) => r.emoji === emoji && r.me);
                  return html`<button part="quick-reaction" role="menuitemcheckbox" aria-checked=${mine ? 'true' : 'false'} type="button" tabindex="-1" aria-label=${t.reactWith(emoji)} data-emoji=${emoji} @click=${() => ui.react(msg.seq, emoji, !mine)}>
                    ${emoji}
                  </button>`;
                })}
              </div>`
            : nothing}
          ${f.has('reactions') && ui.moreReactions ? item('more-reactions', t.emoji.moreReactions, () => ui.moreReactions!(msg.seq)) : nothing}
          ${f.has('replies') ? item('reply', t.reply, () => ui.reply(msg.seq)) : nothing}
          ${f.has('threads') && ui.threads ? item('reply-thread', t.replyInThread, () => ui.openThread(msg.seq)) : nothing}
          ${own && f.has('edit') ? item('edit', t.edit, () => ui.startEdit(msg.seq)) : nothing}
          ${(own || ui.moderator) && f.has('delete') ? item('delete', t.delete, () => ui.askDelete(msg.seq)) : nothing}
          ${!own && f.has('reports') ? item('report', t.report, () => ui.report(msg.seq)) : nothing}
          ${ui.moderator ? moderatorItems(msg, ui, t, own) : nothing}
        </div>`;
}

/** What a moderator may do from a message: pin or unpin it, and (on others' messages) mute or ban its author. */
function moderatorItems(msg: Message, ui: MessageUi, t: Catalog, own: boolean): TemplateResult {
  const pinned = ui.pins.includes(msg.seq);
  return html`${pinned ? item('unpin', t.unpin, () => ui.moderate(msg.seq, 'unpin')) : item('pin', t.pin, () => ui.moderate(msg.seq, 'pin'))}
    ${own ? nothing : html`${item('mute', t.muteAuthor, () => ui.moderate(msg.seq, 'mute'))}${item('ban', t.banAuthor, () => ui.moderate(msg.seq, 'ban'))}`}`;
}

function item(name: string, label: string, run: () => void): TemplateResult {
  return html`<button part="menu-item" role="menuitem" type="button" tabindex="-1" data-action=${name} @click=${run}>${label}</button>`;
}

/** Arrow keys (and Home/End) move among the menu's items, wrapping; Escape closes it. */
function onMenuKey(e: KeyboardEvent, ui: MessageUi): void {
  const menu = e.currentTarget as HTMLElement;
  const items = [...menu.querySelectorAll<HTMLElement>('[role^="menuitem"]')];
  const i = items.indexOf(e.target as HTMLElement);
  const step: Record<string, number> = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1 };
  let next: number | undefined;
  if (e.key in step) next = (i + step[e.key]! + items.length) % items.length;
  else if (e.key === 'Home') next = 0;
  else if (e.key === 'End') next = items.length - 1;
  else if (e.key === 'Escape' || e.key === 'Tab') {
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
    }
    ui.dismiss();
    return;
  }
  if (next === undefined) return;
  e.preventDefault();
  items[next]?.focus();
}

/** The inline editor of own message `msg`: Enter saves, Shift+Enter breaks a line, Escape cancels. */
export function renderEditor(msg: Message, ui: MessageUi, t: Catalog): TemplateResult {
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      ui.dismiss();
    } else if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      ui.saveEdit(msg.seq, (e.target as HTMLTextAreaElement).value);
    }
  };
  return html`<div class="editor">
    <textarea part="edit-input" aria-label=${t.editLabel} aria-describedby="edit-hint" aria-invalid=${ui.error ? 'true' : 'false'} .value=${msg.body ?? ''} @keydown=${onKey}></textarea>
    <small id="edit-hint" class="hint">${t.editHint}</small>
    ${ui.error ? html`<p part="edit-error" class="error" role="alert">${ui.error}</p>` : nothing}
  </div>`;
}

/** Asks before deleting own message `msg`. */
export function renderConfirm(msg: Message, ui: MessageUi, t: Catalog): TemplateResult {
  return html`<div part="confirm-delete" class="confirm" role="group" aria-label=${t.confirmDelete} @keydown=${(e: KeyboardEvent) => e.key === 'Escape' && (e.stopPropagation(), ui.dismiss())}>
    <span>${t.confirmDelete}</span>
    <button part="confirm-delete-yes" class="danger" type="button" @click=${() => ui.confirmDelete(msg.seq)}>${t.delete}</button>
    <button part="confirm-delete-no" class="secondary" type="button" @click=${() => ui.dismiss()}>${t.cancel}</button>
    ${ui.error ? html`<p class="error" role="alert">${ui.error}</p>` : nothing}
  </div>`;
}
