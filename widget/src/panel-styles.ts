// The chat panel's stylesheet, loaded with the panel on first open. Colours come from the variables the
// widget's core stylesheet defines from --parley-* custom properties.
import { css } from 'lit';

export const panelStyles = css`
  :host {
    display: flex;
    flex-direction: column;
    min-height: 0;
    height: 100%;
  }
  .frame {
    display: flex;
    flex-direction: column;
    flex: 1;
    min-height: 0;
    position: relative;
  }
  .frame:focus {
    /* Focus rests here only while the composer is on its way (after sign-in). */
    outline: none;
  }
  [hidden] {
    display: none !important;
  }
  *,
  *::before,
  *::after {
    box-sizing: border-box;
  }
  button,
  input,
  textarea {
    font: inherit;
    color: inherit;
    letter-spacing: inherit;
    margin: 0;
  }
  button {
    cursor: pointer;
    background: none;
    border: 0;
    padding: 0;
  }
  :focus-visible {
    outline: 2px solid var(--_accent);
    outline-offset: 2px;
  }
  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }

  .header {
    display: flex;
    align-items: center;
    gap: 8px;
    padding: var(--_pad) var(--_pad) calc(var(--_pad) - 2px);
    border-bottom: 1px solid var(--_border);
  }
  .heading {
    flex: 1;
    min-width: 0;
  }
  .call-menu-wrap {
    position: relative;
  }
  .call-menu {
    position: absolute;
    top: calc(100% + 4px);
    right: 0;
    z-index: 3;
    display: grid;
    min-width: 170px;
    padding: 4px;
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: 10px;
    box-shadow: var(--_shadow);
  }
  .call-menu button {
    display: flex;
    align-items: center;
    gap: 8px;
    padding: 8px 10px;
    border-radius: 7px;
    text-align: start;
    color: var(--_fg);
  }
  .call-menu button:hover,
  .call-menu button:focus-visible {
    background: var(--_surface);
  }
  h2 {
    margin: 0;
    font-size: 1.08em;
    font-weight: 650;
    white-space: nowrap;
    overflow: hidden;
    text-overflow: ellipsis;
  }
  .status {
    display: inline-flex;
    align-items: center;
    gap: 6px;
    font-size: 0.84em;
    color: var(--_muted);
  }
  .status::before,
  .dot {
    content: '';
    width: 8px;
    height: 8px;
    border-radius: 50%;
    background: #9aa1ad;
    flex: none;
  }
  .status[data-state='connected']::before,
  .dot[data-presence='online'] {
    background: #1f9d55;
  }
  .status[data-state='connecting']::before,
  .status[data-state='reconnecting']::before,
  .dot[data-presence='away'] {
    background: #d69e2e;
  }
  .icon-btn {
    width: 34px;
    height: 34px;
    border-radius: 9px;
    display: grid;
    place-items: center;
    color: var(--_muted);
    position: relative;
  }
  .icon-btn:hover,
  .icon-btn[aria-expanded='true'] {
    background: var(--_surface);
    color: var(--_fg);
  }
  .count {
    position: absolute;
    bottom: 2px;
    right: 1px;
    font-size: 10px;
    font-weight: 700;
    line-height: 1;
  }

  .rooms {
    display: flex;
    gap: 6px;
    padding: 8px var(--_pad);
    overflow-x: auto;
    border-bottom: 1px solid var(--_border);
    scrollbar-width: thin;
  }
  .room-name {
    max-width: 14em;
    overflow: hidden;
    text-overflow: ellipsis;
  }
  .room {
    display: inline-flex;
    align-items: center;
    gap: 6px;
    padding: 4px 12px;
    border-radius: 999px;
    background: var(--_surface);
    white-space: nowrap;
    font-size: 0.92em;
  }
  .room[aria-current='true'] {
    background: var(--_accent);
    color: var(--_accent-fg);
  }
  .room-unread {
    min-width: 18px;
    padding: 0 5px;
    border-radius: 9px;
    background: var(--_danger);
    color: var(--_on-danger);
    font-size: 11px;
    font-weight: 700;
    line-height: 18px;
    text-align: center;
  }

  .main {
    flex: 1;
    min-height: 0;
    position: relative;
    display: flex;
    flex-direction: column;
  }
  .messages {
    flex: 1;
    overflow-y: auto;
    overscroll-behavior: contain;
    padding: var(--_pad) var(--_pad) 6px;
    display: flex;
    flex-direction: column;
  }
  .empty,
  .older {
    margin: auto;
    color: var(--_muted);
    font-size: 0.9em;
    text-align: center;
    padding: 16px;
  }
  .older {
    margin: 0 auto 8px;
    padding: 4px;
  }
  .sep {
    display: flex;
    align-items: center;
    gap: 10px;
    margin: var(--_gap) 0 6px;
    color: var(--_muted);
    font-size: 0.78em;
    font-weight: 600;
    text-transform: uppercase;
    letter-spacing: 0.04em;
  }
  .sep::before,
  .sep::after {
    content: '';
    flex: 1;
    height: 1px;
    background: var(--_border);
  }
  .notice {
    align-self: center;
    max-width: 100%;
    overflow-wrap: anywhere;
    text-align: center;
    margin: 6px 0;
    padding: 2px 10px;
    border-radius: 999px;
    background: var(--_surface);
    color: var(--_muted);
    font-size: 0.82em;
  }
  .msg {
    display: flex;
    flex-direction: column;
    align-items: flex-start;
    max-width: 82%;
    margin-top: var(--_gap);
  }
  .msg.grouped {
    margin-top: 3px;
  }
  .msg.own {
    align-self: flex-end;
    align-items: flex-end;
  }
  .meta {
    display: flex;
    gap: 8px;
    align-items: baseline;
    margin: 0 4px 3px;
    font-size: 0.8em;
    color: var(--_muted);
  }
  .meta {
    max-width: 100%;
  }
  .author {
    font-weight: 650;
    color: var(--_fg);
    /* Names run to 64 characters: the full one is in the title tooltip. */
    min-width: 0;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .meta time {
    flex: none;
  }
  .body {
    padding: var(--_bubble-pad);
    border-radius: 16px;
    background: var(--_surface);
    white-space: pre-wrap;
    overflow-wrap: anywhere;
  }
  .own .body {
    background: var(--parley-own-bg, var(--_accent));
    color: var(--parley-own-fg, var(--_accent-fg));
  }
  .msg:not(.own):not(:last-child) .body {
    border-bottom-left-radius: 6px;
  }
  .own[data-status='pending'] .body {
    opacity: 0.72;
  }
  .own[data-status='failed'] .body {
    background: transparent;
    color: var(--_fg);
    box-shadow: inset 0 0 0 1.5px var(--_danger);
  }
  .state {
    font-size: 0.76em;
    color: var(--_muted);
    margin: 3px 4px 0;
  }
  .state.failed {
    color: var(--_danger);
  }
  .state button {
    color: var(--_danger);
    font-weight: 650;
    text-decoration: underline;
  }

  .jump {
    position: absolute;
    left: 50%;
    bottom: 12px;
    transform: translateX(-50%);
    display: inline-flex;
    align-items: center;
    gap: 6px;
    padding: 6px 14px 6px 10px;
    border-radius: 999px;
    background: var(--_accent);
    color: var(--_accent-fg);
    box-shadow: var(--_shadow);
    font-size: 0.88em;
    font-weight: 600;
  }
  .jump svg {
    width: 16px;
    height: 16px;
  }
  .typing {
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
    min-height: 1.5em;
    padding: 0 var(--_pad);
    font-size: 0.8em;
    font-style: italic;
    color: var(--_muted);
  }

  form.composer {
    display: flex;
    flex-wrap: wrap;
    align-items: flex-end;
    gap: 8px;
    padding: 8px var(--_pad) var(--_pad);
  }
  .counter,
  .refusal {
    flex-basis: 100%;
    margin: -2px 4px 0;
    font-size: 0.78em;
  }
  .counter {
    color: var(--_muted);
    text-align: end;
  }
  .counter[data-over='true'] {
    color: var(--_danger);
    font-weight: 650;
  }
  textarea {
    flex: 1;
    resize: none;
    min-height: 40px;
    max-height: 140px;
    padding: 9px 14px;
    border-radius: 20px;
    border: 1px solid var(--_border);
    background: var(--_bg);
    line-height: 1.4;
  }
  textarea:focus-visible {
    outline: none;
    border-color: var(--_accent);
    box-shadow: 0 0 0 3px color-mix(in srgb, var(--_accent) 25%, transparent);
  }
  textarea::placeholder,
  input::placeholder {
    color: var(--_muted);
  }
  .send {
    width: 40px;
    height: 40px;
    border-radius: 50%;
    background: var(--_accent);
    color: var(--_accent-fg);
    display: grid;
    place-items: center;
    flex: none;
  }
  /* While a voice message is recorded, its bar takes the composer's place. */
  form.composer[data-recording] > :is(textarea, .attach-btn, .emoji-btn, .send, .counter) {
    display: none;
  }
  .send:disabled {
    opacity: 0.45;
    cursor: default;
  }
  parley-upload-tray {
    flex-basis: 100%;
  }
  .attach-btn {
    align-self: flex-end;
    margin-bottom: 4px;
  }
  .drop-zone {
    position: absolute;
    inset: 6px;
    z-index: 5;
    display: grid;
    place-items: center;
    border: 2px dashed var(--_accent);
    border-radius: 12px;
    background: color-mix(in srgb, var(--_bg) 88%, transparent);
    color: var(--_accent);
    font-weight: 650;
    pointer-events: none;
  }

  .sheet {
    display: flex;
    flex-direction: column;
    gap: 10px;
    padding: var(--_pad);
    border-bottom: 1px solid var(--_border);
  }
  .guest {
    margin: auto 0;
    padding: 28px 22px;
    display: flex;
    flex-direction: column;
    gap: 12px;
  }
  .guest p {
    margin: 0;
    color: var(--_muted);
  }
  label {
    font-size: 0.84em;
    font-weight: 600;
  }
  input {
    width: 100%;
    padding: 9px 12px;
    border-radius: 10px;
    border: 1px solid var(--_border);
    background: var(--_bg);
  }
  .row {
    display: flex;
    gap: 8px;
  }
  .primary,
  .secondary {
    padding: 9px 16px;
    border-radius: 10px;
    font-weight: 600;
  }
  .primary {
    background: var(--_accent);
    color: var(--_accent-fg);
  }
  .secondary {
    background: var(--_surface);
  }
  .error {
    color: var(--_danger);
    font-size: 0.88em;
    margin: 0;
  }

  .members {
    position: absolute;
    inset: 0 0 0 auto;
    width: min(240px, 80%);
    margin: 0;
    padding: 10px 0;
    list-style: none;
    overflow-y: auto;
    background: var(--_bg);
    border-left: 1px solid var(--_border);
    box-shadow: -8px 0 24px rgb(0 0 0 / 0.08);
    z-index: 1;
  }
  .members ul {
    margin: 0;
    padding: 0;
    list-style: none;
  }
  .receipts-note {
    margin: 10px var(--_pad) 0;
    font-size: 0.78em;
    color: var(--_muted);
  }
  .members h3 {
    margin: 0 var(--_pad) 6px;
    font-size: 0.78em;
    text-transform: uppercase;
    letter-spacing: 0.04em;
    color: var(--_muted);
  }
  .member {
    display: flex;
    align-items: center;
    gap: 8px;
    padding: 5px var(--_pad);
  }
  .member .name {
    flex: 1;
    min-width: 0;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .member small {
    color: var(--_muted);
  }

  /* Moderation: the pinned message above the list, the user's restrictions and acknowledgements under the composer. */
  .pinned {
    display: flex;
    gap: 6px;
    align-items: baseline;
    width: 100%;
    padding: 5px var(--_pad);
    border: 0;
    border-bottom: 1px solid var(--_line, rgba(127, 127, 127, 0.3));
    background: transparent;
    color: inherit;
    font: inherit;
    text-align: start;
    cursor: pointer;
  }
  .pin-label {
    font-weight: 600;
    white-space: nowrap;
  }
  .pin-text {
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .mod-rules,
  .mod-notice {
    flex-basis: 100%;
    margin: 4px 0 0;
    font-size: 0.85em;
    color: var(--_muted);
  }
  .mod-rules[data-muted='true'] {
    color: var(--_danger, #b3261e);
  }
  .mod-notice:empty {
    display: none;
  }
  .member-actions {
    display: flex;
    gap: 4px;
  }
  .member-actions button {
    padding: 1px 6px;
    border: 1px solid var(--_line, rgba(127, 127, 127, 0.4));
    border-radius: 6px;
    background: transparent;
    color: inherit;
    font: inherit;
    font-size: 0.8em;
    cursor: pointer;
  }
`;
