// The users pane: find a user; their rooms and roles, the mutes and bans in force, their connected
// devices (disconnect one or all), and a ban or mute in one of their rooms.
import { html, nothing, type TemplateResult } from 'lit';
import { durationOptions, durationSeconds, Pane, paneStyles } from './pane.js';

interface UserRow {
  id: string;
  name: string;
  guest: boolean;
  createdAt?: number;
}
interface UserDetail {
  user: UserRow & { admin: boolean };
  rooms: { id: string; name: string; kind: string; role: string }[];
  sanctions: { room: string; kind: 'mute' | 'ban'; until?: number; reason: string }[];
  sessions: { id: string; device: string | null; address: string; openedAt: number; rooms: number; bot: boolean }[];
}

export class AdminUsers extends Pane {
  static override styles = paneStyles;
  static override properties = { ...Pane.properties, _users: { state: true }, _detail: { state: true } };
  declare private _users: UserRow[] | undefined;
  declare private _detail: UserDetail | undefined;
  private search = '';

  override connectedCallback(): void {
    super.connectedCallback();
    void this.find();
  }

  private async find(): Promise<void> {
    await this.act(async () => {
      this._users = (await this.client.get<{ users: UserRow[] }>('/admin/api/users', { search: this.search })).users;
    }, '');
  }

  private async open(id: string, focus = true): Promise<void> {
    await this.act(async () => {
      this._detail = await this.client.get<UserDetail>(`/admin/api/users/${encodeURIComponent(id)}`);
    }, '');
    if (!focus) return;
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>('#user-title')?.focus();
  }

  /** An action on the open user, then the user read again. */
  private async change(fn: () => Promise<unknown>, done: string): Promise<void> {
    if (!(await this.act(fn, done))) return;
    const status = this._status;
    await this.open(this._detail!.user.id, false);
    this._status = status;
  }

  override render(): TemplateResult {
    return this._detail ? this.renderUser(this._detail) : this.renderList();
  }

  private renderList(): TemplateResult {
    const t = this.t;
    return html`
      <h2>${t.users}</h2>
      <form role="search" @submit=${(e: Event) => (e.preventDefault(), (this.search = this.field(e.target as HTMLFormElement, 'q')), this.find())}>
        <label>${t.searchUsers}<input name="q" type="search" .value=${this.search} /></label>
        <button type="submit">${t.search}</button>
      </form>
      ${this._users?.length === 0 ? html`<p>${t.noResults}</p>` : nothing}
      <ul class="plain">
        ${(this._users ?? []).map(
          (u) => html`<li class="row">
            <span>${u.name} <code>${u.id}</code>${u.guest ? html`<span class="tag">${t.guest}</span>` : nothing}</span>
            <button class="quiet" aria-label="${t.manage} ${u.name}" @click=${() => this.open(u.id)}>${t.manage}</button>
          </li>`,
        )}
      </ul>
      ${this.statusLine()}
    `;
  }

  private renderUser(d: UserDetail): TemplateResult {
    const t = this.t;
    const id = d.user.id;
    const roleName = (r: string) => (r === 'owner' ? t.roleOwner : r === 'moderator' ? t.roleModerator : t.roleMember);
    return html`
      <button class="quiet" @click=${() => ((this._detail = undefined), this.find())}>← ${t.back}</button>
      <h2 id="user-title" tabindex="-1">${d.user.name} <code>${id}</code>${d.user.guest ? html`<span class="tag">${t.guest}</span>` : nothing}${d.user.admin ? html`<span class="tag">${t.serverAdmin}</span>` : nothing}</h2>
      ${d.user.createdAt ? html`<p class="help">${t.firstSeen}: ${this.time(d.user.createdAt)}</p>` : nothing}

      <section class="card" aria-labelledby="user-rooms">
        <h3 id="user-rooms">${t.userRooms}</h3>
        <ul class="plain">
          ${d.rooms.map(
            (r) => html`<li class="row">
              <span>${r.name} <code>${r.id}</code></span>
              ${r.role === 'owner'
                ? html`<span class="tag">${roleName(r.role)}</span>`
                : html`<label>${t.role}
                    <select aria-label="${t.role}: ${r.name}" @change=${(e: Event) => this.change(() => this.client.moderate(r.id, { action: 'role', user: id, role: (e.target as HTMLSelectElement).value }), t.roleSet)}>
                      <option value="member" ?selected=${r.role === 'member'}>${t.roleMember}</option>
                      <option value="moderator" ?selected=${r.role === 'moderator'}>${t.roleModerator}</option>
                    </select>
                  </label>`}
            </li>`,
          )}
        </ul>
      </section>

      <section class="card" aria-labelledby="user-ban">
        <h3 id="user-ban">${t.banTitle}</h3>
        <form @submit=${(e: Event) => this.sanction(e)}>
          <label>${t.room}<input name="room" list="user-room-ids" required autocomplete="off" .value=${d.rooms[0]?.id ?? ''} /></label>
          <datalist id="user-room-ids">${d.rooms.map((r) => html`<option value=${r.id}>${r.name}</option>`)}</datalist>
          <label>${t.action}<select name="action"><option value="ban">${t.ban}</option><option value="mute">${t.mute}</option></select></label>
          <label>${t.duration}<select name="duration">${durationOptions(t)}</select></label>
          <label>${t.reason}<input name="reason" maxlength=${this.info.limits.maxReason} /></label>
          <button type="submit" class="danger" ?disabled=${this._busy}>${t.apply}</button>
        </form>
        <h3>${t.sanctionsTitle}</h3>
        ${d.sanctions.length === 0 ? html`<p>${t.noSanctions}</p>` : nothing}
        <ul class="plain">
          ${d.sanctions.map((s) => {
            const lift = s.kind === 'ban' ? t.unban : t.unmute;
            return html`<li class="row">
              <span>${s.kind === 'ban' ? t.ban : t.mute} · <code>${s.room}</code> · ${s.until ? t.until(this.time(s.until)) : t.forever}${s.reason ? ` (${s.reason})` : ''}</span>
              <button class="quiet" aria-label="${lift}: ${s.room}" @click=${() => this.change(() => this.client.moderate(s.room, { action: s.kind === 'ban' ? 'unban' : 'unmute', user: id }), t.lifted)}>${lift}</button>
            </li>`;
          })}
        </ul>
      </section>

      <section class="card" aria-labelledby="user-sessions">
        <h3 id="user-sessions">${t.sessionsTitle}</h3>
        ${d.sessions.length === 0 ? html`<p>${t.noSessions}</p>` : nothing}
        ${d.sessions.length
          ? html`<table class="stack">
              <thead><tr><th scope="col">${t.device}</th><th scope="col">${t.address}</th><th scope="col">${t.since}</th><th scope="col"><span class="visually-hidden">${t.disconnect}</span></th></tr></thead>
              <tbody>
                ${d.sessions.map(
                  (s) => html`<tr>
                    <td data-label=${t.device}><code>${s.device ?? s.id}</code></td>
                    <td data-label=${t.address}><code>${s.address}</code></td>
                    <td data-label=${t.since}>${this.time(s.openedAt)}</td>
                    <td><button class="quiet" aria-label="${t.disconnect} ${s.device ?? s.id}" @click=${() => this.change(() => this.client.post(`/admin/api/users/${encodeURIComponent(id)}/disconnect`, { session: s.id }), t.disconnected)}>${t.disconnect}</button></td>
                  </tr>`,
                )}
              </tbody>
            </table>
            <button class="danger" @click=${() => this.change(() => this.client.post(`/admin/api/users/${encodeURIComponent(id)}/disconnect`), t.disconnected)}>${t.disconnectAll}</button>`
          : nothing}
      </section>
      ${this.statusLine()}
    `;
  }

  private async sanction(e: Event): Promise<void> {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const action = this.field(form, 'action');
    const seconds = durationSeconds(this.field(form, 'duration'));
    const reason = this.field(form, 'reason').trim();
    await this.change(
      () => this.client.moderate(this.field(form, 'room').trim(), { action, user: this._detail!.user.id, ...(seconds === undefined ? {} : { seconds }), ...(reason ? { reason } : {}) }),
      action === 'ban' ? this.t.banned : this.t.muted,
    );
  }
}

if (!customElements.get('admin-users')) customElements.define('admin-users', AdminUsers);
