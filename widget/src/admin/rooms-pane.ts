// The rooms pane: find and create rooms; a room's settings (lock, slow mode, guests, the word filter,
// the server-wide link and flood rules), its members and their roles, and the sanctions in force.
import { html, nothing, type TemplateResult } from 'lit';
import { Pane, paneStyles } from './pane.js';

interface RoomRow {
  id: string;
  name: string;
  kind: string;
  members: number;
  locked: boolean;
  slowMs: number;
  guests: 'post' | 'read';
  archived: boolean;
}
interface Rules {
  kind: string;
  rules: { slowMs: number; locked: boolean; guests: 'post' | 'read'; words: string[]; filterAction: 'block' | 'hold'; archived: boolean; linkDelayMs: number | null };
  sanctions: { subject: string; kind: 'mute' | 'ban'; until?: number; reason: string }[];
}
interface MemberPage {
  members: { user: string; name: string; role: string }[];
  total: number;
  online: string[];
}

const MEMBERS_PAGE = 50;

export class AdminRooms extends Pane {
  static override styles = paneStyles;
  static override properties = {
    ...Pane.properties,
    _rooms: { state: true },
    _next: { state: true },
    _room: { state: true },
    _rules: { state: true },
    _members: { state: true },
  };
  declare private _rooms: RoomRow[] | undefined;
  declare private _next: string | undefined;
  declare private _room: RoomRow | undefined;
  declare private _rules: Rules | undefined;
  declare private _members: MemberPage | undefined;
  private search = '';

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private async load(more = false): Promise<void> {
    await this.act(async () => {
      const page = await this.client.get<{ rooms: RoomRow[]; next?: string }>('/admin/api/rooms', { search: this.search, after: more ? this._next : undefined });
      this._rooms = more ? [...(this._rooms ?? []), ...page.rooms] : page.rooms;
      this._next = page.next;
    }, '');
  }

  private async open(room: RoomRow): Promise<void> {
    this._room = room;
    await this.reload();
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>('#settings')?.focus();
  }

  private async reload(): Promise<void> {
    const room = this._room!;
    const path = `/admin/api/rooms/${encodeURIComponent(room.id)}`;
    await this.act(async () => {
      [this._rules, this._members] = await Promise.all([this.client.get<Rules>(`${path}/rules`), this.client.get<MemberPage>(`${path}/members`, { limit: MEMBERS_PAGE })]);
    }, '');
  }

  /** A change to the open room, then its rules read again (what the change did stays said). */
  private async change(fn: () => Promise<unknown>, done: string | (() => string)): Promise<void> {
    if (!(await this.act(fn, done))) return;
    const status = this._status;
    await this.reload();
    this._status = status;
  }

  private moderate(action: Record<string, unknown>, done: string | (() => string)): Promise<void> {
    return this.change(() => this.client.moderate(this._room!.id, action), done);
  }

  override render(): TemplateResult {
    return this._room ? this.renderRoom(this._room) : this.renderList();
  }

  private renderList(): TemplateResult {
    const t = this.t;
    return html`
      <h2>${t.rooms}</h2>
      <form role="search" @submit=${(e: Event) => (e.preventDefault(), (this.search = this.field(e.target as HTMLFormElement, 'q')), this.load())}>
        <label>${t.searchRooms}<input name="q" type="search" .value=${this.search} /></label>
        <button type="submit">${t.search}</button>
      </form>
      ${this._rooms?.length === 0 ? html`<p>${t.noResults}</p>` : nothing}
      ${this._rooms?.length
        ? html`<table class="stack">
            <thead><tr><th scope="col">${t.roomId}</th><th scope="col">${t.roomName}</th><th scope="col">${t.kind}</th><th scope="col">${t.members}</th><th scope="col">${t.state}</th><th scope="col"><span class="visually-hidden">${t.manage}</span></th></tr></thead>
            <tbody>
              ${this._rooms.map(
                (r) => html`<tr>
                  <td data-label=${t.roomId}><code>${r.id}</code></td>
                  <td data-label=${t.roomName}>${r.name}</td>
                  <td data-label=${t.kind}>${r.kind === 'public' ? t.kindPublic : r.kind === 'private' ? t.kindPrivate : r.kind}</td>
                  <td data-label=${t.members}>${r.members}</td>
                  <td data-label=${t.state}>${this.stateOf(r)}</td>
                  <td><button class="quiet" aria-label="${t.manage} ${r.name}" @click=${() => this.open(r)}>${t.manage}</button></td>
                </tr>`,
              )}
            </tbody>
          </table>`
        : nothing}
      ${this._next ? html`<button class="quiet" @click=${() => this.load(true)}>${t.more}</button>` : nothing}
      <section class="card" aria-labelledby="create-title">
        <h3 id="create-title">${t.createRoom}</h3>
        <form @submit=${(e: Event) => this.create(e)}>
          <label>${t.roomId}<input name="id" required maxlength="128" autocomplete="off" /></label>
          <label>${t.roomName}<input name="name" maxlength=${this.info.limits.maxName} autocomplete="off" /></label>
          <label>${t.kind}<select name="kind"><option value="public">${t.kindPublic}</option><option value="private">${t.kindPrivate}</option></select></label>
          <button type="submit" ?disabled=${this._busy}>${t.create}</button>
        </form>
      </section>
      ${this.statusLine()}
    `;
  }

  private stateOf(r: Pick<RoomRow, 'locked' | 'slowMs' | 'guests' | 'archived'>): TemplateResult {
    const t = this.t;
    return html`${r.archived ? t.archived : r.locked ? t.locked : t.open}${r.slowMs > 0 ? html`<span class="tag">${t.slowFor(r.slowMs / 1000)}</span>` : nothing}${r.guests === 'read' ? html`<span class="tag">${t.guestsRead}</span>` : nothing}`;
  }

  private async create(e: Event): Promise<void> {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const id = this.field(form, 'id').trim();
    const ok = await this.act(() => this.client.post('/admin/api/rooms', { id, name: this.field(form, 'name').trim(), kind: this.field(form, 'kind') }), () => this.t.created(id));
    if (ok) {
      form.reset();
      const status = this._status;
      await this.load();
      this._status = status;
    }
  }

  private renderRoom(room: RoomRow): TemplateResult {
    const t = this.t;
    const rules = this._rules?.rules;
    const p = this.info.protection;
    return html`
      <button class="quiet" @click=${() => ((this._room = undefined), (this._rules = undefined), this.load())}>← ${t.back}</button>
      <h2 id="settings" tabindex="-1">${t.roomSettings(room.name)} <code>${room.id}</code></h2>
      ${rules
        ? html`
            <section class="card" aria-labelledby="lock-title">
              <h3 id="lock-title">${t.lockTitle}: ${rules.locked ? t.locked : t.open}</h3>
              <p class="help">${t.lockHelp}</p>
              <button data-action="lock" ?disabled=${this._busy} @click=${() => this.moderate({ action: rules.locked ? 'unlock' : 'lock' }, rules.locked ? t.nowUnlocked : t.nowLocked)}>
                ${rules.locked ? t.unlockRoom : t.lockRoom}
              </button>
            </section>
            <section class="card" aria-labelledby="slow-title">
              <h3 id="slow-title">${t.slowTitle}</h3>
              <p class="help" id="slow-help">${t.slowHelp(this.info.limits.maxSlowSeconds)}</p>
              <form @submit=${(e: Event) => {
                e.preventDefault();
                const seconds = Number(this.field(e.target as HTMLFormElement, 'seconds'));
                void this.moderate({ action: 'slow', seconds }, () => t.slowSet(seconds));
              }}>
                <label>${t.slowSeconds}<input name="seconds" type="number" min="0" max=${this.info.limits.maxSlowSeconds} step="1" required .value=${String(rules.slowMs / 1000)} aria-describedby="slow-help" /></label>
                <button type="submit" ?disabled=${this._busy}>${t.setSlow}</button>
              </form>
            </section>
            <section class="card" aria-labelledby="guests-title">
              <h3 id="guests-title">${t.guestsTitle}</h3>
              <form @submit=${(e: Event) => (e.preventDefault(), this.moderate({ action: 'guests', guests: this.field(e.target as HTMLFormElement, 'guests') }, t.guestsSet))}>
                <label>${t.guestsLabel}
                  <select name="guests">
                    <option value="post" ?selected=${rules.guests === 'post'}>${t.guestsPost}</option>
                    <option value="read" ?selected=${rules.guests === 'read'}>${t.guestsReadOnly}</option>
                  </select>
                </label>
                <button type="submit" ?disabled=${this._busy}>${t.apply}</button>
              </form>
              <h3>${t.linksTitle}</h3>
              <p class="help" id="links-help">${t.linksHelp(Math.round(p.guestLinkDelayMs / 60_000))} ${rules.linkDelayMs === null ? '' : t.linksOwn(Math.round(rules.linkDelayMs / 60_000))}</p>
              <form @submit=${(e: Event) => {
                e.preventDefault();
                const minutes = Number(this.field(e.target as HTMLFormElement, 'minutes'));
                void this.links(minutes * 60_000);
              }}>
                <label>${t.linksMinutes}<input name="minutes" type="number" min="0" max="525600" step="1" required aria-describedby="links-help" .value=${String(Math.round((rules.linkDelayMs ?? p.guestLinkDelayMs) / 60_000))} /></label>
                <button type="submit" ?disabled=${this._busy}>${t.setLinks}</button>
                ${rules.linkDelayMs === null ? nothing : html`<button type="button" class="quiet" ?disabled=${this._busy} @click=${() => this.links(null)}>${t.serverLinks}</button>`}
              </form>
              <p class="help">${t.floodHelp(p.floodMessages, Math.round(p.floodWindowMs / 1000), Math.round(p.floodMuteMs / 60_000))}</p>
            </section>
            <section class="card" aria-labelledby="filter-title">
              <h3 id="filter-title">${t.filterTitle}</h3>
              <p class="help" id="filter-help">${t.filterHelp(this.info.limits.maxFilterWords)} ${p.filterWords > 0 ? t.serverWords(p.filterWords) : ''}</p>
              <form @submit=${(e: Event) => this.saveFilter(e)}>
                <label class="wide">${t.filterWords}<textarea name="words" aria-describedby="filter-help" .value=${rules.words.join('\n')}></textarea></label>
                <label>${t.filterAction}
                  <select name="action">
                    <option value="block" ?selected=${rules.filterAction === 'block'}>${t.filterBlock}</option>
                    <option value="hold" ?selected=${rules.filterAction === 'hold'}>${t.filterHold}</option>
                  </select>
                </label>
                <button type="submit" ?disabled=${this._busy}>${t.saveFilter}</button>
              </form>
            </section>
            ${this.renderMembers()} ${this.renderSanctions()}
            <section class="card" aria-labelledby="archive-title">
              <h3 id="archive-title">${t.archiveTitle}${rules.archived ? `: ${t.archived}` : ''}</h3>
              <p class="help">${t.archiveHelp}</p>
              <button class=${rules.archived ? '' : 'danger'} ?disabled=${this._busy} @click=${() => this.archive(!rules.archived)}>${rules.archived ? t.unarchiveRoom : t.archiveRoom}</button>
            </section>
          `
        : nothing}
      ${this.statusLine()}
    `;
  }

  private links(delayMs: number | null): Promise<void> {
    return this.change(() => this.client.post(`/admin/api/rooms/${encodeURIComponent(this._room!.id)}/links`, { delayMs }), this.t.linksSet);
  }

  private archive(archived: boolean): Promise<void> {
    return this.change(() => this.client.post(`/admin/api/rooms/${encodeURIComponent(this._room!.id)}/archive`, { archived }), archived ? this.t.nowArchived : this.t.nowUnarchived);
  }

  private async saveFilter(e: Event): Promise<void> {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const words = this.field(form, 'words').split(/[\n,]/).map((w) => w.trim()).filter(Boolean);
    let saved = 0;
    await this.change(async () => {
      saved = (await this.client.put<{ words: string[] }>(`/admin/api/rooms/${encodeURIComponent(this._room!.id)}/filter`, { words, action: this.field(form, 'action') })).words.length;
    }, () => this.t.filterSaved(saved));
  }

  private renderMembers(): TemplateResult {
    const t = this.t;
    const page = this._members;
    if (!page) return html``;
    const online = new Set(page.online);
    const roleName = (r: string) => (r === 'owner' ? t.roleOwner : r === 'moderator' ? t.roleModerator : t.roleMember);
    return html`<section class="card" aria-labelledby="members-title">
      <h3 id="members-title">${t.rolesTitle} (${page.total})</h3>
      <ul class="plain">
        ${page.members.map(
          (m) => html`<li class="row">
            <span>${m.name} <code>${m.user}</code>${online.has(m.user) ? html`<span class="tag">${t.online}</span>` : nothing}</span>
            ${m.role === 'owner'
              ? html`<span class="tag">${roleName(m.role)}</span>`
              : html`<label>${t.setRole(m.name)}
                  <select @change=${(e: Event) => this.moderate({ action: 'role', user: m.user, role: (e.target as HTMLSelectElement).value }, t.roleSet)}>
                    <option value="member" ?selected=${m.role === 'member'}>${t.roleMember}</option>
                    <option value="moderator" ?selected=${m.role === 'moderator'}>${t.roleModerator}</option>
                  </select>
                </label>`}
          </li>`,
        )}
      </ul>
    </section>`;
  }

  private renderSanctions(): TemplateResult {
    const t = this.t;
    const list = this._rules?.sanctions.filter((s) => s.subject.startsWith('user:')) ?? [];
    return html`<section class="card" aria-labelledby="sanctions-title">
      <h3 id="sanctions-title">${t.sanctionsTitle}</h3>
      ${list.length === 0 ? html`<p>${t.noSanctions}</p>` : nothing}
      <ul class="plain">
        ${list.map((s) => {
          const user = s.subject.slice(5);
          const lift = s.kind === 'ban' ? t.unban : t.unmute;
          return html`<li class="row">
            <span>${s.kind === 'ban' ? t.ban : t.mute}: <code>${user}</code> ${s.until ? t.until(this.time(s.until)) : t.forever}${s.reason ? ` (${s.reason})` : ''}</span>
            <button class="quiet" aria-label="${lift} ${user}" @click=${() => this.moderate({ action: s.kind === 'ban' ? 'unban' : 'unmute', user }, t.lifted)}>${lift}</button>
          </li>`;
        })}
      </ul>
    </section>`;
  }
}

if (!customElements.get('admin-rooms')) customElements.define('admin-rooms', AdminRooms);
