// Bots and their keys (the bot admin endpoints, ADR 0017): create a bot, add a key, rotate or revoke
// one. A new key is shown once, in an alert, and never again.
import { html, nothing, type TemplateResult } from 'lit';
import { Pane, paneStyles } from './pane.js';

interface BotRow {
  id: string;
  name: string;
  keys: { id: string; rooms: string[]; revoked: boolean }[];
}
interface Issued {
  id: string;
  rooms: string[];
  key: string;
}

export class AdminBots extends Pane {
  static override styles = paneStyles;
  static override properties = { ...Pane.properties, _bots: { state: true }, _issued: { state: true } };
  declare private _bots: BotRow[] | undefined;
  declare private _issued: Issued | undefined;

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.info.features.bots) void this.load();
  }

  private async load(): Promise<void> {
    await this.act(async () => {
      this._bots = (await this.client.get<{ bots: BotRow[] }>('/admin/api/bots')).bots;
    }, '');
  }

  /** Makes a key (a new bot's, an added one, a rotated one), shows it once and lists the bots again. */
  private async issue(fn: () => Promise<Issued>): Promise<void> {
    let issued: Issued | undefined;
    // The alert below says it: the live region stays quiet, so a screen reader hears it once.
    if (!(await this.act(async () => (issued = await fn()), ''))) return;
    this._issued = issued;
    await this.load();
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>('#issued')?.focus();
  }

  override render(): TemplateResult {
    const t = this.t;
    if (!this.info.features.bots) return html`<h2>${t.bots}</h2><p>${t.botsOff}</p>`;
    return html`
      <h2>${t.bots}</h2>
      ${this._issued
        ? html`<section class="card" id="issued" tabindex="-1" role="alert">
            <p>${t.issuedKey}</p>
            <p><code data-key-id=${this._issued.id}>${this._issued.key}</code></p>
            <button class="quiet" @click=${() => (this._issued = undefined)}>${t.close}</button>
          </section>`
        : nothing}
      ${this._bots?.length === 0 ? html`<p>${t.noBots}</p>` : nothing}
      <ul class="plain">
        ${(this._bots ?? []).map(
          (b) => html`<li>
            <h3>${b.name} <code>${b.id}</code></h3>
            <table class="stack">
              <thead><tr><th scope="col">${t.keys}</th><th scope="col">${t.userRooms}</th><th scope="col"><span class="visually-hidden">${t.rotate}</span></th></tr></thead>
              <tbody>
                ${b.keys.map(
                  (k) => html`<tr>
                    <td data-label=${t.keys}><code>${k.id}</code>${k.revoked ? html`<span class="tag">${t.revoked}</span>` : nothing}</td>
                    <td data-label=${t.userRooms}>${k.rooms.join(', ')}</td>
                    <td>${k.revoked
                      ? nothing
                      : html`<button data-action="rotate" aria-label="${t.rotate} ${b.name} ${k.id}" @click=${() => this.issue(async () => (await this.client.post<{ key: Issued }>(this.keyPath(b.id, k.id) + '/rotate')).key)}>${t.rotate}</button>
                          <button class="quiet" aria-label="${t.revoke} ${b.name} ${k.id}" @click=${() => this.act(() => this.client.delete(this.keyPath(b.id, k.id)).then(() => this.load()), t.keyRevoked)}>${t.revoke}</button>`}</td>
                  </tr>`,
                )}
              </tbody>
            </table>
            <form @submit=${(e: Event) => {
              e.preventDefault();
              const rooms = roomList(this.field(e.target as HTMLFormElement, 'rooms'));
              void this.issue(async () => (await this.client.post<{ key: Issued }>(`/admin/api/bots/${encodeURIComponent(b.id)}/keys`, { rooms })).key);
            }}>
              <label>${t.botRooms}<input name="rooms" autocomplete="off" aria-label="${t.botRooms}: ${b.name}" /></label>
              <button type="submit" class="quiet">${t.addKey}</button>
            </form>
          </li>`,
        )}
      </ul>
      <section class="card" aria-labelledby="bot-create">
        <h3 id="bot-create">${t.createBot}</h3>
        <form @submit=${(e: Event) => {
          e.preventDefault();
          const form = e.target as HTMLFormElement;
          const body = { name: this.field(form, 'name').trim(), rooms: roomList(this.field(form, 'rooms')) };
          void this.issue(async () => (await this.client.post<{ key: Issued }>('/admin/api/bots', body)).key).then(() => form.reset());
        }}>
          <label>${t.botName}<input name="name" required maxlength=${this.info.limits.maxName} autocomplete="off" /></label>
          <label>${t.botRooms}<input name="rooms" autocomplete="off" /></label>
          <button type="submit" ?disabled=${this._busy}>${t.create}</button>
        </form>
      </section>
      ${this.statusLine()}
    `;
  }

  private keyPath(bot: string, key: string): string {
    return `/admin/api/bots/${encodeURIComponent(bot)}/keys/${key}`;
  }
}

function roomList(text: string): string[] {
  return text.split(',').map((r) => r.trim()).filter(Boolean);
}

if (!customElements.get('admin-bots')) customElements.define('admin-bots', AdminBots);
