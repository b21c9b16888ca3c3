// The webhooks pane (protocol section 27.5): incoming hooks (a room's URL for other systems to post
// to), outgoing hooks (the room's messages POSTed to a URL), and deliveries that failed for good (dead
// letters: retry or drop). A new token or signing secret is shown once. When the server has no
// webhooks (features.webhooks of GET /admin/api/me) the pane says so and asks nothing.
import { html, nothing, type TemplateResult } from 'lit';
import { Pane, paneStyles } from './pane.js';

interface Incoming {
  id: string;
  room: string;
  name: string;
  revoked: boolean;
}
interface Outgoing {
  id: string;
  room: string;
  command: string | null;
  url: string;
}
interface Dead {
  id: string;
  room: string;
  seq: number;
  attempts: number;
  lastError: string;
  failedAt: number | null;
}

export class AdminWebhooks extends Pane {
  static override styles = paneStyles;
  static override properties = { ...Pane.properties, _incoming: { state: true }, _outgoing: { state: true }, _dead: { state: true }, _secret: { state: true } };
  declare private _incoming: Incoming[] | undefined;
  declare private _outgoing: Outgoing[] | undefined;
  declare private _dead: Dead[] | undefined;
  /** A token or secret just made, shown once. */
  declare private _secret: { label: string; value: string } | undefined;

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.info.features.webhooks) void this.load();
  }

  private async load(): Promise<void> {
    await this.act(async () => {
      const [hooks, dead] = await Promise.all([
        this.client.get<{ incoming: Incoming[]; outgoing: Outgoing[] }>('/admin/api/hooks'),
        this.client.get<{ deliveries: Dead[] }>('/admin/api/hooks/dead'),
      ]);
      this._incoming = hooks.incoming;
      this._outgoing = hooks.outgoing;
      this._dead = dead.deliveries;
    }, '');
  }

  /** An action, then the lists read again (what it did stays said). */
  private async change(fn: () => Promise<unknown>, done: string): Promise<void> {
    if (!(await this.act(fn, done))) return;
    const status = this._status;
    await this.load();
    this._status = status;
  }

  /** Makes a hook or a new token for one, and shows the token or secret once. */
  private async issue(fn: () => Promise<{ token?: string; secret?: string }>): Promise<void> {
    let made: { token?: string; secret?: string } = {};
    await this.change(async () => (made = await fn()), '');
    const value = made.token ?? made.secret;
    if (value === undefined) return;
    this._secret = { label: made.token !== undefined ? this.t.hookToken : this.t.hookSecret, value };
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>('#secret')?.focus();
  }

  override render(): TemplateResult {
    const t = this.t;
    if (!this.info.features.webhooks) {
      return html`<h2>${t.webhooks}</h2>
        <section class="card" role="note" data-available="false"><p>${t.webhooksOff}</p></section>`;
    }
    return html`
      <h2>${t.webhooks}</h2>
      ${this._secret
        ? html`<section class="card" id="secret" tabindex="-1" role="alert">
            <p>${this._secret.label}</p>
            <p><code>${this._secret.value}</code></p>
            <button class="quiet" @click=${() => (this._secret = undefined)}>${t.close}</button>
          </section>`
        : nothing}
      ${this.renderIncoming()} ${this.renderOutgoing()} ${this.renderDead()} ${this.statusLine()}
    `;
  }

  private renderIncoming(): TemplateResult {
    const t = this.t;
    return html`<section class="card" aria-labelledby="in-title">
      <h3 id="in-title">${t.incomingHooks}</h3>
      <p class="help">${t.incomingHelp}</p>
      ${this._incoming?.length === 0 ? html`<p>${t.noHooks}</p>` : nothing}
      <ul class="plain">
        ${(this._incoming ?? []).map(
          (h) => html`<li class="row">
            <span>${h.name} · <code>${h.room}</code> · <code>/v1/hooks/${h.id}</code>${h.revoked ? html`<span class="tag">${t.revoked}</span>` : nothing}</span>
            ${h.revoked
              ? nothing
              : html`<button class="quiet" aria-label="${t.rotate} ${h.name}" @click=${() => this.issue(() => this.client.post(`/admin/api/hooks/incoming/${h.id}/rotate`))}>${t.rotate}</button>
                  <button class="quiet" aria-label="${t.revoke} ${h.name}" @click=${() => this.change(() => this.client.delete(`/admin/api/hooks/incoming/${h.id}`), t.keyRevoked)}>${t.revoke}</button>`}
          </li>`,
        )}
      </ul>
      <form @submit=${(e: Event) => {
        e.preventDefault();
        const form = e.target as HTMLFormElement;
        void this.issue(() => this.client.post('/admin/api/hooks/incoming', { room: this.field(form, 'room').trim(), name: this.field(form, 'name').trim() })).then(() => form.reset());
      }}>
        <label>${t.room}<input name="room" required autocomplete="off" /></label>
        <label>${t.hookName}<input name="name" required maxlength=${this.info.limits.maxName} autocomplete="off" /></label>
        <button type="submit" ?disabled=${this._busy}>${t.create}</button>
      </form>
    </section>`;
  }

  private renderOutgoing(): TemplateResult {
    const t = this.t;
    return html`<section class="card" aria-labelledby="out-title">
      <h3 id="out-title">${t.outgoingHooks}</h3>
      <p class="help">${t.outgoingHelp}</p>
      ${this._outgoing?.length === 0 ? html`<p>${t.noHooks}</p>` : nothing}
      <ul class="plain">
        ${(this._outgoing ?? []).map(
          (h) => html`<li class="row">
            <span><code>${h.room}</code>${h.command ? html` · /${h.command}` : nothing} → <code>${h.url}</code></span>
            <button class="quiet" aria-label="${t.rotate} ${h.url}" @click=${() => this.issue(() => this.client.post(`/admin/api/hooks/outgoing/${h.id}/rotate`))}>${t.rotate}</button>
            <button class="quiet" aria-label="${t.remove} ${h.url}" @click=${() => this.change(() => this.client.delete(`/admin/api/hooks/outgoing/${h.id}`), t.done)}>${t.remove}</button>
          </li>`,
        )}
      </ul>
      <form @submit=${(e: Event) => {
        e.preventDefault();
        const form = e.target as HTMLFormElement;
        const command = this.field(form, 'command').trim();
        void this.issue(() => this.client.post('/admin/api/hooks/outgoing', { room: this.field(form, 'room').trim(), url: this.field(form, 'url').trim(), ...(command ? { command } : {}) })).then(() => form.reset());
      }}>
        <label>${t.room}<input name="room" required autocomplete="off" /></label>
        <label>${t.hookUrl}<input name="url" type="url" required autocomplete="off" /></label>
        <label>${t.hookCommand}<input name="command" autocomplete="off" pattern="[a-z][a-z0-9_\\-]{0,31}" /></label>
        <button type="submit" ?disabled=${this._busy}>${t.create}</button>
      </form>
    </section>`;
  }

  private renderDead(): TemplateResult {
    const t = this.t;
    return html`<section class="card" aria-labelledby="dead-title">
      <h3 id="dead-title">${t.deadLetters}</h3>
      ${this._dead?.length === 0 ? html`<p>${t.noDead}</p>` : nothing}
      <ul class="plain">
        ${(this._dead ?? []).map(
          (d) => html`<li class="row">
            <span><code>${d.room}</code> #${d.seq} · ${t.attempts(d.attempts)}${d.failedAt ? ` · ${this.time(d.failedAt)}` : ''} · ${d.lastError}</span>
            <button class="quiet" aria-label="${t.retry} ${d.id}" @click=${() => this.change(() => this.client.post(`/admin/api/hooks/dead/${d.id}/retry`), t.done)}>${t.retry}</button>
            <button class="quiet" aria-label="${t.remove} ${d.id}" @click=${() => this.change(() => this.client.delete(`/admin/api/hooks/dead/${d.id}`), t.done)}>${t.remove}</button>
          </li>`,
        )}
      </ul>
    </section>`;
  }
}

if (!customElements.get('admin-webhooks')) customElements.define('admin-webhooks', AdminWebhooks);
