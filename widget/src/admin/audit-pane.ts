// The audit log: newest first, filtered by room and action, paged back in time. Read only: no API
// changes or deletes an entry.
import { html, nothing, type TemplateResult } from 'lit';
import { Pane, paneStyles } from './pane.js';

interface Entry {
  id: string;
  ts: number;
  room: string | null;
  actor: string;
  action: string;
  target: string | null;
  reason: string;
}

const PAGE = 50;

export class AdminAudit extends Pane {
  static override styles = paneStyles;
  static override properties = { ...Pane.properties, _entries: { state: true }, _more: { state: true } };
  declare private _entries: Entry[] | undefined;
  declare private _more: boolean;
  private filter = { room: '', action: '' };

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private async load(older = false): Promise<void> {
    const before = older ? this._entries?.at(-1)?.id : undefined;
    await this.act(async () => {
      const { entries } = await this.client.get<{ entries: Entry[] }>('/admin/api/audit', { ...this.filter, before, limit: PAGE });
      this._entries = older ? [...(this._entries ?? []), ...entries] : entries;
      this._more = entries.length === PAGE;
    }, '');
  }

  override render(): TemplateResult {
    const t = this.t;
    return html`
      <h2>${t.audit}</h2>
      <form role="search" aria-label=${t.auditFilter} @submit=${(e: Event) => {
        e.preventDefault();
        const form = e.target as HTMLFormElement;
        this.filter = { room: this.field(form, 'room').trim(), action: this.field(form, 'action').trim() };
        void this.load();
      }}>
        <label>${t.onlyRoom}<input name="room" autocomplete="off" /></label>
        <label>${t.onlyAction}<input name="action" autocomplete="off" pattern="[a-z_]*" /></label>
        <button type="submit">${t.auditFilter}</button>
      </form>
      ${this._entries?.length === 0 ? html`<p>${t.noEntries}</p>` : nothing}
      ${this._entries?.length
        ? html`<table class="stack">
            <thead><tr><th scope="col">${t.when}</th><th scope="col">${t.room}</th><th scope="col">${t.who}</th><th scope="col">${t.action}</th><th scope="col">${t.target}</th><th scope="col">${t.reason}</th></tr></thead>
            <tbody>
              ${this._entries.map(
                (e) => html`<tr>
                  <td data-label=${t.when}>${this.time(e.ts)}</td>
                  <td data-label=${t.room}><code>${e.room ?? ''}</code></td>
                  <td data-label=${t.who}><code>${e.actor}</code></td>
                  <td data-label=${t.action}>${e.action}</td>
                  <td data-label=${t.target}><code>${e.target ?? ''}</code></td>
                  <td data-label=${t.reason}>${e.reason}</td>
                </tr>`,
              )}
            </tbody>
          </table>`
        : nothing}
      ${this._more ? html`<button class="quiet" @click=${() => this.load(true)}>${t.older}</button>` : nothing}
      ${this.statusLine()}
    `;
  }
}

if (!customElements.get('admin-audit')) customElements.define('admin-audit', AdminAudit);
