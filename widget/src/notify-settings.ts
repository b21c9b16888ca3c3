// <parley-notify-settings>: the panel's notification controls, loaded on first open: Web Push for
// this browser (asked only on a click), do not disturb, and mute for the room on screen.
import { LitElement, css, html, nothing } from 'lit';
import type { ChatSession } from './chat-session.js';
import type { Catalog } from './i18n.js';
import { disablePush, enablePush, pushState, type PushState } from './push-optin.js';

export class NotifySettingsElement extends LitElement {
  static override properties = {
    session: { attribute: false },
    room: { attribute: false },
    t: { attribute: false },
    worker: { attribute: false },
    rev: { attribute: false },
    _push: { state: true },
    _busy: { state: true },
  };
  declare session: ChatSession;
  /** The room on screen (mute applies to it). */
  declare room: string | undefined;
  declare t: Catalog;
  /** URL of the push service worker on the page's origin. */
  declare worker: string;
  declare rev: number;
  declare private _push: PushState | 'error' | undefined;
  declare private _busy: boolean;

  static override styles = css`
    :host { display: block; padding: 8px 12px; border-bottom: 1px solid var(--parley-border, #ddd); font-size: 0.9em; }
    label { display: flex; gap: 8px; align-items: center; padding: 4px 0; cursor: pointer; }
    .hint { color: var(--parley-muted, #666); font-size: 0.9em; margin: 0 0 4px 26px; }
  `;

  override connectedCallback(): void {
    super.connectedCallback();
    void pushState(this.worker).then((state) => (this._push = state), () => (this._push = 'unsupported'));
  }

  override render() {
    const { t, session } = this;
    const settings = session.notify;
    const pushable = !!session.pushKey && this._push !== 'unsupported';
    return html`<div role="group" aria-label=${t.notify.title}>
      ${pushable
        ? html`<label part="push-toggle"
              ><input type="checkbox" .checked=${this._push === 'on'} ?disabled=${this._busy || this._push === 'denied'} @change=${this._onPush} />${t.notify.push}</label
            >
            <p class="hint" aria-live="polite">${this._push === 'denied' ? t.notify.pushDenied : this._push === 'error' ? t.notify.pushFailed : t.notify.pushHint}</p>`
        : nothing}
      ${settings
        ? html`<label part="dnd-toggle"><input type="checkbox" .checked=${settings.dnd} @change=${(e: Event) => this._set({ dnd: (e.target as HTMLInputElement).checked })} />${t.notify.dnd}</label>
            ${this.room
              ? html`<label part="mute-toggle"
                  ><input
                    type="checkbox"
                    .checked=${settings.muted.includes(this.room)}
                    @change=${(e: Event) => this._set({ room: this.room!, muted: (e.target as HTMLInputElement).checked })}
                  />${t.notify.muteRoom}</label
                >`
              : nothing}
            <p class="hint">${t.notify.silenceHint}</p>`
        : nothing}
    </div>`;
  }

  private _set(change: { dnd?: boolean; room?: string; muted?: boolean }): void {
    void this.session.setNotify(change).then(() => this.requestUpdate());
  }

  private async _onPush(e: Event): Promise<void> {
    const on = (e.target as HTMLInputElement).checked;
    this._busy = true;
    try {
      const key = this.session.pushKey!;
      // The click is the user gesture that lets the browser ask for permission.
      this._push = on ? await enablePush(this.worker, key, (s) => this.session.savePush(s, true)) : await disablePush(this.worker, (s) => this.session.savePush(s, false));
    } catch {
      this._push = 'error';
    } finally {
      this._busy = false;
    }
  }
}

customElements.define('parley-notify-settings', NotifySettingsElement);

declare global {
  interface HTMLElementTagNameMap {
    'parley-notify-settings': NotifySettingsElement;
  }
}
