// <parley-attachments>: the files of one message, loaded with the first message that has some. Images
// in a grid (their ThumbHash placeholder, then the thumbnail), opening in a keyboard-usable viewer;
// audio and video with the browser's controls; other files as download chips. URLs are signed and
// expire: they are asked of the session (which batches and caches them), never stored. Styles go
// through the CSSOM (styleMap), which a page's strict CSP allows.
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { styleMap } from 'lit/directives/style-map.js';
import type { Attachment } from '@parley/sdk';
import { thumbHashToAverageRGBA, thumbHashToDataURL } from 'thumbhash';
import type { FileWords } from './i18n.js';
import type { FileLink } from './chat-session.js';
import { fileSize } from './file-size.js';
import { fileIcon } from './icons.js';

const fromBase64 = (b64: string): Uint8Array => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));

/** The placeholder's average colour and image, or nothing when the hash cannot be read. */
function placeholder(hash: string | undefined): Record<string, string> {
  if (!hash) return {};
  try {
    const bytes = fromBase64(hash);
    const { r, g, b } = thumbHashToAverageRGBA(bytes);
    // A page whose CSP refuses data: images keeps the colour.
    return { 'background-color': `rgb(${Math.round(r * 255)} ${Math.round(g * 255)} ${Math.round(b * 255)})`, 'background-image': `url(${thumbHashToDataURL(bytes)})` };
  } catch {
    return {};
  }
}

export class Attachments extends LitElement {
  static override properties = {
    items: { attribute: false },
    link: { attribute: false },
    words: { attribute: false },
    lang: { attribute: false },
    _links: { state: true },
    _open: { state: true },
    _loaded: { state: true },
  };
  declare items: readonly Attachment[];
  /** The download URLs of one file (null: gone). */
  declare link: (id: string) => Promise<FileLink | null>;
  declare words: FileWords;
  declare lang: string;
  declare private _links: ReadonlyMap<string, FileLink | null>;
  /** Index (among the images) of the one the viewer shows. */
  declare private _open: number | undefined;
  /** Images whose thumbnail arrived: their placeholder goes. */
  declare private _loaded: ReadonlySet<string>;
  private readonly asked = new Set<string>();
  /** The grid cell that opened the viewer, to give focus back to. */
  private opener: HTMLElement | undefined;

  constructor() {
    super();
    this._links = new Map();
    this._loaded = new Set();
  }

  static override styles = css`
    :host { display: block; margin-top: 4px; max-width: 100%; }
    .grid { display: grid; gap: 3px; grid-template-columns: repeat(2, minmax(0, 1fr)); width: 18em; max-width: 100%; }
    .grid.one { grid-template-columns: minmax(0, 1fr); }
    .cell { position: relative; padding: 0; border: 0; border-radius: 6px; overflow: hidden; cursor: zoom-in; background: var(--parley-card-bg, rgba(127, 127, 127, 0.15));
            background-size: cover; background-position: center; min-height: 64px; max-height: 20em; display: block; width: 100%; }
    .grid:not(.one) .cell { aspect-ratio: 1; }
    .cell img { display: block; width: 100%; height: 100%; object-fit: cover; }
    .cell:focus-visible, .chip:focus-visible, .lightbox button:focus-visible { outline: 2px solid var(--parley-accent, #2563eb); outline-offset: 2px; }
    .gone { font-size: 0.85em; opacity: 0.75; }
    .chip { display: inline-flex; align-items: center; gap: 6px; margin-top: 4px; padding: 6px 10px; border-radius: 16px; max-width: 100%; box-sizing: border-box;
            color: inherit; text-decoration: none; background: var(--parley-card-bg, rgba(127, 127, 127, 0.12)); }
    .chip .name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; min-width: 0; }
    .chip .size { opacity: 0.7; font-size: 0.85em; flex: none; }
    .chip svg { width: 1.2em; height: 1.2em; flex: none; }
    audio, video { display: block; margin-top: 4px; max-width: 100%; }
    video { max-height: 20em; border-radius: 6px; }
    .lightbox { position: fixed; inset: 0; z-index: 10; display: flex; flex-direction: column; align-items: center; justify-content: center; gap: 8px;
                background: var(--parley-lightbox-bg, rgba(0, 0, 0, 0.88)); color: #fff; padding: 12px; box-sizing: border-box; }
    .lightbox img { max-width: 100%; max-height: calc(100% - 4em); object-fit: contain; }
    .lightbox .bar { display: flex; gap: 8px; align-items: center; max-width: 100%; }
    .lightbox .caption { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; min-width: 0; }
    .lightbox button { font: inherit; color: inherit; background: rgba(255, 255, 255, 0.15); border: 0; border-radius: 4px; padding: 6px 10px; cursor: pointer; min-width: 2.5em; min-height: 2.5em; }
  `;

  override willUpdate(changed: PropertyValues<this>): void {
    if (!changed.has('items') || !this.items || !this.link) return;
    for (const a of this.items) {
      if (this.asked.has(a.id)) continue;
      this.asked.add(a.id);
      void this.link(a.id).then((l) => (this._links = new Map(this._links).set(a.id, l)));
    }
  }

  override updated(changed: PropertyValues): void {
    if (changed.has('_open') && this._open !== undefined && changed.get('_open') === undefined) {
      this.renderRoot.querySelector<HTMLButtonElement>('.lightbox .close')?.focus();
    }
  }

  private get images(): Attachment[] {
    return (this.items ?? []).filter((a) => a.kind === 'image');
  }

  override render() {
    const images = this.images;
    const others = (this.items ?? []).filter((a) => a.kind !== 'image');
    return html`${images.length
      ? html`<div part="attachment-grid" class="grid ${images.length === 1 ? 'one' : ''}">${images.map((a, i) => this.renderImage(a, i, images.length === 1))}</div>`
      : nothing}${others.map((a) => this.renderFile(a))}${this._open !== undefined ? this.renderViewer(images) : nothing}`;
  }

  private renderImage(a: Attachment, i: number, alone: boolean) {
    const link = this._links.get(a.id);
    if (link === null) return html`<div class="gone" part="attachment-gone">${this.words.unavailable}</div>`;
    const src = link?.thumb ?? link?.url;
    const style: Record<string, string> = this._loaded.has(a.id) ? {} : placeholder(a.placeholder);
    if (alone && a.width && a.height) style['aspect-ratio'] = `${a.width} / ${a.height}`;
    return html`<button part="attachment-image" class="cell" type="button" style=${styleMap(style)} aria-label=${this.words.openImage(a.name)} @click=${(e: Event) => this.show(i, e)}>
      ${src
        ? html`<img src=${src} alt="" width=${a.width ?? nothing} height=${a.height ?? nothing} loading="lazy" decoding="async" referrerpolicy="no-referrer"
            @load=${() => (this._loaded = new Set(this._loaded).add(a.id))} />`
        : nothing}
    </button>`;
  }

  private renderFile(a: Attachment) {
    const link = this._links.get(a.id);
    if (link === null) return html`<div class="gone" part="attachment-gone">${this.words.unavailable}</div>`;
    const size = fileSize(a.size, this.lang);
    if (link && (a.kind === 'audio' || a.kind === 'voice')) return html`<audio part="attachment-audio" controls preload="metadata" src=${link.url} aria-label=${a.name}></audio>`;
    if (link && a.kind === 'video') return html`<video part="attachment-video" controls preload="metadata" src=${link.url} aria-label=${a.name}></video>`;
    return html`<a part="file-chip" class="chip" href=${link?.url ?? nothing} download=${a.name} target="_blank" rel="noopener noreferrer" aria-label=${this.words.download(a.name, size)}>
      ${fileIcon}<span class="name" dir="auto">${a.name}</span><span class="size">${size}</span>
    </a>`;
  }

  private renderViewer(images: Attachment[]) {
    const i = Math.min(this._open!, images.length - 1);
    const a = images[i]!;
    const link = this._links.get(a.id);
    const many = images.length > 1;
    return html`<div part="lightbox" class="lightbox" role="dialog" aria-modal="true" aria-label=${this.words.viewer} @keydown=${this.onViewerKey} @click=${this.onBackdrop}>
      ${link ? html`<img src=${link.url} alt=${a.name} referrerpolicy="no-referrer" />` : nothing}
      <div class="bar">
        ${many ? html`<button type="button" class="prev" aria-label=${this.words.previous} @click=${() => this.step(-1)}>‹</button>` : nothing}
        <span class="caption" dir="auto">${a.name}${many ? html` · ${this.words.position(String(i + 1), String(images.length))}` : nothing}</span>
        ${many ? html`<button type="button" class="next" aria-label=${this.words.next} @click=${() => this.step(1)}>›</button>` : nothing}
        <button type="button" class="close" aria-label=${this.words.close} @click=${this.close}>✕</button>
      </div>
    </div>`;
  }

  private show(i: number, e: Event): void {
    this.opener = e.currentTarget as HTMLElement;
    this._open = i;
  }

  private step(by: number): void {
    const n = this.images.length;
    this._open = (((this._open ?? 0) + by) % n + n) % n;
  }

  private readonly close = (): void => {
    this._open = undefined;
    const opener = this.opener;
    void this.updateComplete.then(() => opener?.focus());
  };

  private readonly onBackdrop = (e: Event): void => {
    if (e.target === e.currentTarget) this.close();
  };

  private readonly onViewerKey = (e: KeyboardEvent): void => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      this.close();
    } else if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
      e.preventDefault();
      this.step(e.key === 'ArrowLeft' ? -1 : 1);
    } else if (e.key === 'Tab') {
      // Focus stays in the viewer while it is open.
      const buttons = [...this.renderRoot.querySelectorAll<HTMLButtonElement>('.lightbox button')];
      const active = (this.renderRoot as ShadowRoot).activeElement as HTMLButtonElement | null;
      const at = Math.max(0, buttons.indexOf(active!));
      e.preventDefault();
      buttons[(at + (e.shiftKey ? -1 : 1) + buttons.length) % buttons.length]?.focus();
    }
  };
}

if (!customElements.get('parley-attachments')) customElements.define('parley-attachments', Attachments);

declare global {
  interface HTMLElementTagNameMap {
    'parley-attachments': Attachments;
  }
}
