// <parley-admin>: the admin console at /admin (ADR 0023). Signs in with an admin token (pasted, or a
// development server's one click), then shows one pane at a time; each pane is its own lazy chunk,
// fetched the first time it is opened. The section is kept in the URL's hash, the token never.
import { LitElement, css, html, nothing, type TemplateResult } from 'lit';
import { html as staticHtml, literal, type StaticValue } from 'lit/static-html.js';
import { AdminClient, AdminError, request, savedToken, saveToken } from './client.js';
import type { ConsoleInfo } from './pane.js';
import { consoleLang, WORDS, type ConsoleLang, type Words } from './words.js';

type Section = 'rooms' | 'users' | 'reports' | 'audit' | 'bots' | 'webhooks' | 'figures';
const SECTIONS: readonly Section[] = ['rooms', 'users', 'reports', 'audit', 'bots', 'webhooks', 'figures'];

/** Each pane's chunk, loaded once when first shown. */
const PANES: Record<Section, () => Promise<unknown>> = {
  rooms: () => import('./rooms-pane.js'),
  users: () => import('./users-pane.js'),
  reports: () => import('./reports-pane.js'),
  audit: () => import('./audit-pane.js'),
  bots: () => import('./bots-pane.js'),
  webhooks: () => import('./webhooks-pane.js'),
  figures: () => import('./figures-pane.js'),
};

/** Each pane's element, defined by its chunk. */
const TAGS: Record<Section, StaticValue> = {
  rooms: literal`admin-rooms`,
  users: literal`admin-users`,
  reports: literal`admin-reports`,
  audit: literal`admin-audit`,
  bots: literal`admin-bots`,
  webhooks: literal`admin-webhooks`,
  figures: literal`admin-figures`,
};

export class ParleyAdmin extends LitElement {
  static override styles = css`
    :host { display: block; min-height: 100vh; }
    header { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: center; justify-content: space-between; padding: 10px 16px; border-bottom: 1px solid var(--border); background: var(--card); }
    h1 { font-size: 1.2rem; margin: 0; }
    .who { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
    .who label { flex-direction: row; align-items: center; gap: 6px; }
    .layout { display: grid; grid-template-columns: 13rem 1fr; min-height: calc(100vh - 60px); }
    nav ul { list-style: none; margin: 0; padding: 8px; display: flex; flex-direction: column; gap: 2px; }
    nav a { display: block; padding: 8px 10px; border-radius: 6px; color: inherit; text-decoration: none; }
    nav a:hover { background: var(--tag); }
    nav a[aria-current='page'] { background: var(--accent); color: var(--on-accent); }
    main { padding: 16px; min-width: 0; }
    main:focus { outline: none; }
    .signin { max-width: 32rem; margin: 8vh auto; padding: 20px; border: 1px solid var(--border); border-radius: 10px; background: var(--card); }
    .signin h1 { margin-bottom: 8px; }
    form { display: flex; flex-direction: column; gap: 8px; margin: 12px 0; }
    label { display: flex; flex-direction: column; gap: 4px; }
    input, select, button { font: inherit; color: inherit; }
    input, select { padding: 6px 8px; border: 1px solid var(--border); border-radius: 6px; background: var(--field); }
    button { padding: 6px 12px; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: var(--on-accent); cursor: pointer; }
    button.quiet { background: transparent; color: var(--accent-text); }
    :is(button, input, select, a):focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
    .help { color: var(--muted); font-size: 0.92rem; }
    .error { color: var(--danger-text); font-weight: 600; }
    @media (max-width: 640px) {
      .layout { grid-template-columns: 1fr; }
      nav ul { flex-direction: row; flex-wrap: wrap; }
      nav a { padding: 6px 8px; }
    }
  `;

  static override properties = {
    _lang: { state: true },
    _client: { state: true },
    _info: { state: true },
    _section: { state: true },
    _error: { state: true },
    _devSignIn: { state: true },
    _loaded: { state: true },
  };
  declare private _lang: ConsoleLang;
  declare private _client: AdminClient | undefined;
  declare private _info: ConsoleInfo | undefined;
  declare private _section: Section;
  declare private _error: string;
  declare private _devSignIn: boolean;
  /** Panes whose chunk has arrived. */
  declare private _loaded: ReadonlySet<Section>;

  private readonly onHash = () => this.show(sectionOf(location.hash));
  private readonly onUnauthorized = () => {
    void this.signOut().then(() => (this._error = this.t.badToken));
  };

  constructor() {
    super();
    this._lang = consoleLang();
    this._section = sectionOf(location.hash);
    this._error = '';
    this._devSignIn = false;
    this._loaded = new Set();
  }

  private get t(): Words {
    return WORDS[this._lang];
  }

  override connectedCallback(): void {
    super.connectedCallback();
    addEventListener('hashchange', this.onHash);
    this.addEventListener('admin-unauthorized', this.onUnauthorized);
    const token = savedToken();
    if (token) void this.signIn(token, false);
    request<{ devSignIn: boolean }>('GET', '/admin/api/sign-in', {})
      .then((r) => (this._devSignIn = r.devSignIn))
      .catch(() => undefined);
  }

  override disconnectedCallback(): void {
    removeEventListener('hashchange', this.onHash);
    super.disconnectedCallback();
  }

  override updated(): void {
    document.documentElement.lang = this._lang;
    document.title = this.t.title;
  }

  private async signIn(token: string, announce = true): Promise<void> {
    const client = new AdminClient(token);
    try {
      this._info = await client.get<ConsoleInfo>('/admin/api/me');
      this._client = client;
      this._error = '';
      saveToken(token);
      await this.show(this._section);
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLElement>('main')?.focus();
    } catch (err) {
      saveToken(null);
      if (announce) this._error = err instanceof AdminError && (err.status === 401 || err.status === 403) ? this.t.badToken : this.t.failed(err instanceof Error ? err.message : String(err));
    }
  }

  private async devSignIn(): Promise<void> {
    try {
      const { token } = await request<{ token: string }>('POST', '/admin/api/sign-in', {});
      await this.signIn(token);
    } catch (err) {
      this._error = this.t.failed(err instanceof Error ? err.message : String(err));
    }
  }

  private async signOut(): Promise<void> {
    await this._client?.post('/admin/api/sign-out').catch(() => undefined);
    saveToken(null);
    this._client = undefined;
    this._info = undefined;
  }

  private async show(section: Section): Promise<void> {
    this._section = section;
    if (!this._client || this._loaded.has(section)) return;
    await PANES[section]();
    this._loaded = new Set([...this._loaded, section]);
  }

  override render(): TemplateResult {
    const t = this.t;
    const langPicker = html`<label class="lang">${t.language}
      <select @change=${(e: Event) => (this._lang = (e.target as HTMLSelectElement).value as ConsoleLang)}>
        <option value="en" ?selected=${this._lang === 'en'}>English</option>
        <option value="pt-BR" ?selected=${this._lang === 'pt-BR'}>Português (Brasil)</option>
      </select></label>`;
    if (!this._client || !this._info) return this.renderSignIn(langPicker);
    return html`
      <header>
        <h1>${t.title}</h1>
        <div class="who">
          <span>${t.signedInAs(this._info.user.name)}</span>
          ${langPicker}
          <button class="quiet" @click=${() => this.signOut()}>${t.signOut}</button>
        </div>
      </header>
      <div class="layout">
        <nav aria-label=${t.sections}>
          <ul>
            ${SECTIONS.map((s) => html`<li><a href="#${s}" aria-current=${this._section === s ? 'page' : 'false'}>${t[s]}</a></li>`)}
          </ul>
        </nav>
        <main id="main" tabindex="-1" aria-label=${t[this._section]}>${this.renderPane()}</main>
      </div>
    `;
  }

  private renderSignIn(langPicker: TemplateResult): TemplateResult {
    const t = this.t;
    return html`<main class="signin" tabindex="-1">
      <h1>${t.signInTitle}</h1>
      ${langPicker}
      <p class="help">${t.signInHelp}</p>
      <form
        @submit=${(e: Event) => {
          e.preventDefault();
          const input = (e.target as HTMLFormElement).elements.namedItem('token') as HTMLInputElement;
          void this.signIn(input.value.trim());
        }}
      >
        <label>${t.tokenLabel}<input name="token" type="password" autocomplete="off" spellcheck="false" required /></label>
        <button type="submit">${t.signIn}</button>
      </form>
      ${this._devSignIn
        ? html`<p class="help">${t.devSignInHelp}</p>
            <button type="button" class="quiet" @click=${() => this.devSignIn()}>${t.devSignIn}</button>`
        : nothing}
      <p class="error" role="alert">${this._error || nothing}</p>
    </main>`;
  }

  private renderPane(): TemplateResult {
    const s = this._section;
    if (!this._loaded.has(s)) return html`<p role="status">${this.t.loading}</p>`;
    const tag = TAGS[s];
    return staticHtml`<${tag} .client=${this._client!} .t=${this.t} lang=${this._lang} .info=${this._info!}></${tag}>`;
  }
}

function sectionOf(hash: string): Section {
  const s = hash.slice(1) as Section;
  return SECTIONS.includes(s) ? s : 'rooms';
}

if (!customElements.get('parley-admin')) customElements.define('parley-admin', ParleyAdmin);
