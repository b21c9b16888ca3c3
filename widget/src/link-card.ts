// <parley-link-card>: the preview card under a message with a link, loaded with the first such
// message. The server's preview is text: it goes through Lit text bindings only. The image loads
// without a referrer and simply disappears when the page's CSP (img-src) or the network refuses it.
import { LitElement, css, html, nothing } from 'lit';
import type { LinkPreview } from '@parley/sdk';

const web = (u: string | undefined): string | undefined => {
  if (!u) return undefined;
  try {
    const url = new URL(u);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
};

export class LinkCard extends LitElement {
  static override properties = {
    load: { attribute: false },
    key: { attribute: false },
    _preview: { state: true },
    _imageFailed: { state: true },
  };
  /** Fetches the preview (the session caches it); null: no card. */
  declare load: () => Promise<LinkPreview | null>;
  /** Which message the card is for: a new key loads again. */
  declare key: string;
  declare private _preview: LinkPreview | null | undefined;
  declare private _imageFailed: boolean;
  private loaded: string | undefined;

  static override styles = css`
    /* A set width (the message's at most): a long title is cut with an ellipsis instead of widening the message. */
    :host { display: block; margin-top: 4px; width: 18em; max-width: 100%; }
    a { box-sizing: border-box; width: 100%; display: flex; gap: 8px; text-decoration: none; color: inherit; border-left: 3px solid var(--parley-accent, #2563eb);
        background: var(--parley-card-bg, rgba(127, 127, 127, 0.08)); border-radius: 4px; padding: 6px 8px; max-width: 100%; overflow: hidden; }
    img { width: 64px; height: 64px; object-fit: cover; border-radius: 3px; flex: none; }
    .text { min-width: 0; flex: 1; }
    .site { font-size: 0.75em; opacity: 0.75; }
    .title { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .desc { font-size: 0.85em; opacity: 0.85; display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; overflow: hidden; }
  `;

  override willUpdate(): void {
    if (this.load && this.key !== this.loaded) {
      this.loaded = this.key;
      this._imageFailed = false;
      void this.load().then((p) => (this._preview = p), () => (this._preview = null));
    }
  }

  override render() {
    const p = this._preview;
    const href = web(p?.url);
    if (!p || !href) return nothing;
    const image = this._imageFailed ? undefined : web(p.image);
    return html`<a part="link-card" href=${href} target="_blank" rel="noopener noreferrer nofollow">
      ${image ? html`<img src=${image} alt="" referrerpolicy="no-referrer" loading="lazy" decoding="async" @error=${() => (this._imageFailed = true)} />` : nothing}
      <span class="text">
        ${p.site ? html`<div class="site" dir="auto">${p.site}</div>` : nothing}
        ${p.title ? html`<div class="title" dir="auto">${p.title}</div>` : nothing}
        ${p.description ? html`<div class="desc" dir="auto">${p.description}</div>` : nothing}
      </span>
    </a>`;
  }
}

customElements.define('parley-link-card', LinkCard);

declare global {
  interface HTMLElementTagNameMap {
    'parley-link-card': LinkCard;
  }
}
