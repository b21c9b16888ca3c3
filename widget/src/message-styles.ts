// Styles of what messages carry beyond their text (actions menu, editor, reactions, quotes, mentions,
// threads) and of the composer's reply preview and mention list; loaded with the panel.
import { css } from 'lit';

export const messageStyles = css`
  .msg {
    position: relative;
    align-self: flex-start;
  }
  .msg:focus {
    outline: none;
  }
  .msg:focus-visible .body {
    outline: 2px solid var(--_accent);
    outline-offset: 2px;
  }
  .body.deleted {
    background: transparent;
    color: var(--_muted);
    font-style: italic;
    box-shadow: inset 0 0 0 1px var(--_border);
  }
  .own .body.deleted {
    background: transparent;
    color: var(--_muted);
  }
  .receipt {
    align-self: flex-end;
    margin: 2px 4px 6px;
    font-size: 0.75em;
    color: var(--_muted);
    display: flex;
    gap: 3px;
    align-items: center;
  }
  .receipt[data-receipt='seen'] .ticks {
    color: var(--_accent);
  }
  .receipt .reader {
    display: inline-grid;
    place-items: center;
    min-width: 18px;
    height: 18px;
    padding: 0 3px;
    border-radius: 9px;
    background: color-mix(in srgb, var(--_muted) 22%, transparent);
    font-size: 0.85em;
    font-weight: 600;
  }
  .edited {
    font-size: 0.78em;
    opacity: 0.8;
  }
  .mention {
    font-weight: 650;
    border-radius: 4px;
    padding: 0 2px;
    background: color-mix(in srgb, var(--_accent) 14%, transparent);
  }
  .mention.me {
    background: var(--parley-mention-me-bg, #ffd54a);
    color: var(--parley-mention-me-fg, #1a1400);
  }
  /* Rich text: blocks sit tight in a bubble; code and quotes read on both bubble colours. */
  .body p,
  .body pre,
  .body blockquote,
  .body ul,
  .body ol {
    margin: 0;
  }
  .body :is(p, pre, blockquote, ul, ol) + :is(p, pre, blockquote, ul, ol) {
    margin-top: 0.35em;
  }
  .body ul,
  .body ol {
    padding-inline-start: 1.3em;
  }
  .body blockquote {
    padding-inline-start: 0.6em;
    border-inline-start: 3px solid color-mix(in srgb, currentColor 35%, transparent);
    opacity: 0.9;
  }
  .body code {
    font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
    font-size: 0.9em;
    padding: 0 3px;
    border-radius: 4px;
    background: color-mix(in srgb, currentColor 12%, transparent);
  }
  .body pre {
    padding: 6px 8px;
    border-radius: 8px;
    background: color-mix(in srgb, currentColor 10%, transparent);
    overflow-x: auto;
    white-space: pre;
    max-height: 24em;
  }
  .body pre code {
    padding: 0;
    background: none;
  }
  .body a {
    color: inherit;
    text-decoration: underline;
    text-underline-offset: 2px;
  }
  .body .link-host {
    font-size: 0.8em;
    opacity: 0.8;
  }
  /* Beside the bubble, not under it: always there (no hover-only UI) without a row per message. */
  .actions {
    position: absolute;
    bottom: 0;
    inset-inline-start: 100%;
    margin-inline-start: 2px;
  }
  .own .actions {
    inset-inline-start: auto;
    inset-inline-end: 100%;
    margin-inline-end: 2px;
  }
  .actions-btn {
    min-width: 28px;
    min-height: 24px;
    border-radius: 8px;
    color: var(--_muted);
    font-weight: 700;
    line-height: 1;
  }
  .actions-btn:hover,
  .actions-btn[aria-expanded='true'] {
    background: var(--_surface);
    color: var(--_fg);
  }
  /* Below the message: focus moves into it, which scrolls it into view at the end of the list too. */
  .menu {
    position: absolute;
    z-index: 2;
    top: 100%;
    inset-inline-start: 0;
    display: flex;
    flex-direction: column;
    min-width: 180px;
    padding: 6px;
    border-radius: 12px;
    background: var(--_bg);
    border: 1px solid var(--_border);
    box-shadow: var(--_shadow);
  }
  .own .menu {
    inset-inline-start: auto;
    inset-inline-end: 0;
  }
  .menu [role='menuitem'] {
    text-align: start;
    padding: 7px 10px;
    border-radius: 8px;
  }
  .menu [role^='menuitem']:hover,
  .menu [role^='menuitem']:focus-visible {
    background: var(--_surface);
  }
  .quick {
    display: flex;
    justify-content: space-between;
    padding-bottom: 4px;
    margin-bottom: 4px;
    border-bottom: 1px solid var(--_border);
  }
  .quick button {
    width: 30px;
    height: 30px;
    border-radius: 50%;
    font-size: 1.1em;
  }
  .quick [aria-checked='true'] {
    background: color-mix(in srgb, var(--_accent) 22%, transparent);
  }
  .footer {
    display: flex;
    flex-wrap: wrap;
    gap: 6px;
    align-items: center;
    margin: 4px 2px 0;
  }
  .reactions {
    display: flex;
    flex-wrap: wrap;
    gap: 4px;
  }
  .chip {
    padding: 1px 8px;
    border-radius: 999px;
    border: 1px solid var(--_border);
    background: var(--_bg);
    font-size: 0.85em;
  }
  .chip[aria-pressed='true'] {
    border-color: var(--_accent);
    background: color-mix(in srgb, var(--_accent) 16%, transparent);
    font-weight: 650;
  }
  .link {
    color: var(--_accent);
    font-size: 0.85em;
    font-weight: 650;
  }
  .quote {
    display: flex;
    flex-direction: column;
    align-items: flex-start;
    max-width: 100%;
    margin-bottom: 3px;
    padding: 4px 10px;
    border-inline-start: 3px solid var(--_accent);
    border-radius: 6px;
    background: var(--_surface);
    font-size: 0.82em;
    text-align: start;
  }
  .quote-author {
    font-weight: 650;
  }
  .quote-text,
  .preview-text {
    max-width: 100%;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
    color: var(--_muted);
  }
  .editor {
    display: flex;
    flex-direction: column;
    gap: 3px;
    min-width: min(260px, 100%);
    align-self: stretch;
  }
  .editor textarea {
    border-radius: 12px;
    min-height: 60px;
  }
  .hint {
    color: var(--_muted);
    font-size: 0.76em;
  }
  .confirm {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 6px;
    margin-top: 4px;
    font-size: 0.86em;
  }
  .confirm button {
    padding: 4px 10px;
    border-radius: 8px;
    font-weight: 600;
  }
  .danger {
    background: var(--_danger);
    color: #fff;
  }
  .reply-preview {
    flex-basis: 100%;
    display: flex;
    align-items: center;
    gap: 8px;
    padding: 4px 10px;
    border-inline-start: 3px solid var(--_accent);
    border-radius: 6px;
    background: var(--_surface);
    font-size: 0.84em;
    min-width: 0;
  }
  .reply-preview > span {
    flex: 1;
    min-width: 0;
    display: flex;
    flex-direction: column;
  }
  .reply-preview button {
    flex: none;
  }
  .mentions {
    flex-basis: 100%;
    order: -1;
    margin: 0;
    padding: 4px;
    list-style: none;
    border: 1px solid var(--_border);
    border-radius: 10px;
    background: var(--_bg);
    box-shadow: var(--_shadow);
  }
  .mentions li {
    padding: 6px 10px;
    border-radius: 8px;
    cursor: pointer;
  }
  .picker {
    flex-basis: 100%;
    order: -1;
  }
  .emoji-btn {
    font-size: 1.3em;
    flex: none;
  }
  .mentions li[aria-selected='true'] {
    background: var(--_accent);
    color: var(--_accent-fg);
  }
  .thread-bar {
    display: flex;
    align-items: center;
    gap: 8px;
    padding: 6px var(--_pad);
    border-bottom: 1px solid var(--_border);
    font-weight: 650;
  }
  .thread-bar button {
    color: var(--_accent);
    font-weight: 600;
  }
  /* The message a search result led to. */
  [data-found] {
    outline: 2px solid var(--_accent);
    outline-offset: 2px;
    border-radius: 8px;
  }
  .thread-root {
    display: flex;
    flex-direction: column;
    padding-bottom: 8px;
    border-bottom: 1px solid var(--_border);
  }
  .commands li {
    display: grid;
    grid-template-columns: auto 1fr;
    column-gap: 10px;
  }
  .commands .usage {
    font-family: ui-monospace, monospace;
    font-size: 0.9em;
  }
  .commands .owner {
    grid-column: 1 / -1;
    font-size: 0.78em;
    opacity: 0.75;
  }
  .command-hint {
    flex-basis: 100%;
    order: -1;
    display: flex;
    flex-wrap: wrap;
    gap: 2px 10px;
    margin: 0 4px;
    font-size: 0.8em;
    color: var(--_muted);
  }
  .command-hint .usage {
    font-family: ui-monospace, monospace;
    color: var(--_fg);
  }
  .command-hint .problem {
    flex-basis: 100%;
    color: var(--_danger);
  }
  .bot-badge {
    flex: none;
    padding: 0 6px;
    border-radius: 999px;
    background: var(--_accent);
    color: var(--_accent-fg);
    font-size: 0.85em;
    font-weight: 650;
  }
  .hook-badge {
    background: transparent;
    color: var(--_fg);
    border: 1px solid var(--_accent);
  }
  .msg.ephemeral .body {
    border: 1px dashed var(--_border);
    background: transparent;
  }
  /* A bot's reply being written: the bubble of a message, growing. */
  .msg.streaming .stream-body {
    padding: var(--_bubble-pad);
    border-radius: 16px;
    background: var(--_surface);
    overflow-wrap: anywhere;
  }
`;
