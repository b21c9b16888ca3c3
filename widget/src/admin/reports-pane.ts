// The report queue: members' reports and messages the filter held, oldest first. Each can be
// dismissed, its message deleted (or, held, let through), its author banned from the room, and the
// message read in context (the messages around it).
import { html, nothing, type TemplateResult } from 'lit';
import { Pane, paneStyles } from './pane.js';

interface Report {
  id: string;
  kind: 'report' | 'held';
  room: string;
  seq: number | null;
  reporter: string;
  reason: string;
  author: string | null;
  authorName: string | null;
  body: string | null;
  createdAt: number;
  message?: { by: string; name: string; body: string | null; deleted: boolean };
}
interface Context {
  events: { seq: number; by: string; name?: string; kind: string; body?: string }[];
}

export class AdminReports extends Pane {
  static override styles = paneStyles;
  static override properties = { ...Pane.properties, _reports: { state: true }, _context: { state: true } };
  declare private _reports: Report[] | undefined;
  /** The context shown, by report id. */
  declare private _context: Map<string, Context>;

  constructor() {
    super();
    this._context = new Map();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private async load(): Promise<void> {
    await this.act(async () => {
      this._reports = (await this.client.get<{ reports: Report[] }>('/admin/api/reports', { limit: 100 })).reports;
    }, '');
  }

  private async resolve(r: Report, resolution: 'dismiss' | 'delete' | 'approve'): Promise<void> {
    await this.settle(() => this.client.post(`/admin/api/reports/${r.id}/resolve`, { resolution }), this.t.resolved);
  }

  /** Bans the author from the room without end, then resolves the report (dismissed: the ban was the answer). */
  private async banAuthor(r: Report, author: string, name: string): Promise<void> {
    await this.settle(async () => {
      await this.client.moderate(r.room, { action: 'ban', user: author, reason: r.reason ? r.reason.slice(0, this.info.limits.maxReason) : undefined });
      await this.client.post(`/admin/api/reports/${r.id}/resolve`, { resolution: 'dismiss' });
    }, this.t.authorBanned(name));
  }

  /** An action, then the queue read again, the focus on the queue's heading (the report is gone). */
  private async settle(fn: () => Promise<unknown>, done: string): Promise<void> {
    if (!(await this.act(fn, done))) return;
    const status = this._status;
    await this.load();
    this._status = status;
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>('h2')?.focus();
  }

  private async toggleContext(r: Report): Promise<void> {
    const next = new Map(this._context);
    if (next.has(r.id)) next.delete(r.id);
    else {
      const ok = await this.act(async () => {
        next.set(r.id, await this.client.get<Context>(`/admin/api/rooms/${encodeURIComponent(r.room)}/messages`, { around: r.seq! }));
      }, '');
      if (!ok) return;
    }
    this._context = next;
  }

  override render(): TemplateResult {
    const t = this.t;
    return html`
      <h2 tabindex="-1">${t.openReports}${this._reports ? ` (${this._reports.length})` : ''}</h2>
      ${this._reports?.length === 0 ? html`<p>${t.noReports}</p>` : nothing}
      <ul class="plain">${(this._reports ?? []).map((r) => this.renderReport(r))}</ul>
      ${this.statusLine()}
    `;
  }

  private renderReport(r: Report): TemplateResult {
    const t = this.t;
    const held = r.kind === 'held';
    const author = held ? r.author : (r.message?.by ?? null);
    const name = (held ? r.authorName : r.message?.name) ?? author ?? '';
    const text = held ? r.body : r.message?.body;
    const context = this._context.get(r.id);
    return html`<li>
      <article class="card" aria-labelledby="report-${r.id}">
        <h3 id="report-${r.id}">${held ? t.heldMessage : t.reportedMessage} · <code>${r.room}</code>${r.seq !== null ? html` #${r.seq}` : nothing}</h3>
        <p>${t.author}: ${name} <code>${author ?? ''}</code></p>
        <blockquote class="mono">${text ?? t.deletedMessage}</blockquote>
        ${held ? nothing : html`<p>${t.reportOf(r.reporter)}${r.reason ? `: ${r.reason}` : ''} · ${this.time(r.createdAt)}</p>`}
        <div class="row">
          ${r.seq !== null
            ? html`<button class="quiet" aria-expanded=${context ? 'true' : 'false'} aria-controls="context-${r.id}" @click=${() => this.toggleContext(r)}>${context ? t.hideMessage : t.showMessage}</button>`
            : nothing}
          <button class="quiet" data-action="dismiss" @click=${() => this.resolve(r, 'dismiss')}>${t.dismiss}</button>
          ${held ? html`<button data-action="approve" @click=${() => this.resolve(r, 'approve')}>${t.approve}</button>` : nothing}
          ${!held && text ? html`<button data-action="delete" @click=${() => this.resolve(r, 'delete')}>${t.deleteMessage}</button>` : nothing}
          ${author ? html`<button class="danger" data-action="ban" @click=${() => this.banAuthor(r, author, name)}>${t.banAuthor}</button>` : nothing}
        </div>
        ${context
          ? html`<ol id="context-${r.id}" class="plain">
              ${context.events.map(
                (e) => html`<li aria-current=${e.seq === r.seq ? 'true' : 'false'}>${e.seq === r.seq ? html`<strong>${e.name ?? e.by}: ${e.body ?? t.deletedMessage}</strong>` : html`${e.name ?? e.by}: ${e.body ?? ''}`}</li>`,
              )}
            </ol>`
          : nothing}
      </article>
    </li>`;
  }
}

if (!customElements.get('admin-reports')) customElements.define('admin-reports', AdminReports);
