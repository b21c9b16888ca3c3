// <parley-upload-tray>: the files the user picked, pasted or dropped, uploading above the composer,
// loaded with the first file. Each upload starts at once; its bar shows progress, and it can be
// canceled, retried after a failure or removed. What the server's limits forbid is refused here in
// words before a byte is sent; what the server refuses (type, quota, rate, a damaged image) is
// explained in words from its code. The message is sent once every file is up.
import { LitElement, css, html, nothing } from 'lit';
import type { Attachment, Upload, UploadError } from '@parley/sdk';
import { fileSize, fileSizes } from './file-size.js';
import type { FileWords } from './i18n.js';

export interface TrayLimits {
  maxUploadBytes: number;
  maxFilesPerMessage: number;
  uploadQuotaBytes: number;
}

interface Entry {
  key: number;
  file: File;
  upload?: Upload;
  /** 0..1 */
  progress: number;
  state: 'uploading' | 'done' | 'failed' | 'refused';
  /** Why it failed or was refused, in words. */
  problem?: string;
}

let nextKey = 0;

export class UploadTray extends LitElement {
  static override properties = {
    start: { attribute: false },
    limits: { attribute: false },
    words: { attribute: false },
    lang: { attribute: false },
    _entries: { state: true },
  };
  /** Starts an upload (the session's). */
  declare start: (file: File) => Upload;
  declare limits: TrayLimits;
  declare words: FileWords;
  declare lang: string;
  declare private _entries: readonly Entry[];

  constructor() {
    super();
    this._entries = [];
  }

  static override styles = css`
    :host { display: block; }
    ul { list-style: none; margin: 0 0 6px; padding: 0; display: flex; flex-direction: column; gap: 4px; }
    li { display: grid; grid-template-columns: minmax(0, 1fr) auto; gap: 2px 6px; align-items: center; padding: 4px 8px; border-radius: 6px;
         background: var(--parley-card-bg, rgba(127, 127, 127, 0.1)); font-size: 0.9em; }
    .name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .size { opacity: 0.7; font-size: 0.85em; margin-left: 4px; }
    progress { grid-column: 1 / -1; width: 100%; height: 4px; accent-color: var(--parley-accent, #2563eb); }
    .problem { grid-column: 1 / -1; margin: 0; color: var(--parley-error, #b91c1c); font-size: 0.85em; }
    .buttons { display: flex; gap: 4px; }
    button { font: inherit; font-size: 0.85em; border: 0; border-radius: 4px; padding: 2px 8px; cursor: pointer; background: rgba(127, 127, 127, 0.18); color: inherit; min-height: 1.8em; }
    button:focus-visible { outline: 2px solid var(--parley-accent, #2563eb); outline-offset: 1px; }
  `;

  /** True when nothing is in the tray. */
  get empty(): boolean {
    return this._entries.length === 0;
  }

  /** Adds files: each is checked against the limits and, if it passes, starts uploading. */
  add(files: readonly File[]): void {
    const { maxFilesPerMessage: most, maxUploadBytes: max } = this.limits;
    const entries = [...this._entries];
    for (const file of files) {
      const entry: Entry = { key: nextKey++, file, progress: 0, state: 'uploading' };
      const kept = entries.filter((e) => e.state !== 'refused').length;
      if (kept >= most) Object.assign(entry, { state: 'refused', problem: this.words.tooMany(String(most)) });
      else if (file.size === 0) Object.assign(entry, { state: 'refused', problem: this.words.empty(file.name) });
      else if (file.size > max) Object.assign(entry, { state: 'refused', problem: this.words.tooLarge(file.name, ...fileSizes(file.size, max, this.lang)) });
      else this.begin(entry);
      entries.push(entry);
    }
    this._entries = entries;
  }

  /**
   * The attachments once every upload is done, in the order they were added; null (nothing sent)
   * while one failed or was refused: the tray says why and the user retries or removes it.
   */
  async ready(): Promise<Attachment[] | null> {
    if (this._entries.some((e) => e.state === 'failed' || e.state === 'refused')) return null;
    try {
      return await Promise.all(this._entries.map((e) => e.upload!.done));
    } catch {
      return null;
    }
  }

  /** Whether an upload is still running. */
  get busy(): boolean {
    return this._entries.some((e) => e.state === 'uploading');
  }

  clear(): void {
    this._entries = [];
  }

  private begin(entry: Entry): void {
    const upload = this.start(entry.file);
    entry.upload = upload;
    upload.on('progress', ({ sent, total }) => this.patch(entry, { progress: total ? sent / total : 1 }));
    upload.on('state', ({ newState, error }) => {
      if (newState === 'done') this.patch(entry, { state: 'done', progress: 1, problem: undefined });
      else if (newState === 'failed') this.patch(entry, { state: error && !(error as UploadError).retryable ? 'refused' : 'failed', problem: this.explain(entry.file, error as UploadError | undefined) });
    });
  }

  private patch(entry: Entry, change: Partial<Entry>): void {
    Object.assign(entry, change);
    this._entries = [...this._entries];
    this.dispatchEvent(new CustomEvent('tray-change', { bubbles: true, composed: true }));
  }

  /** The server's refusal in the user's words. */
  private explain(file: File, error: UploadError | undefined): string {
    const w = this.words;
    const name = file.name;
    switch (error?.code) {
      case 'too_large':
        return w.tooLarge(name, ...fileSizes(file.size, this.limits.maxUploadBytes, this.lang));
      case 'type_refused':
        return w.typeRefused(name);
      case 'empty_file':
        return w.empty(name);
      case 'quota_exceeded':
        return w.quota(name, fileSize(this.limits.uploadQuotaBytes, this.lang));
      case 'rate_limited':
        return w.rate;
      case 'image_too_large':
        return w.imageTooLarge(name);
      case 'bad_image':
        return w.badImage(name);
      case 'network':
      case undefined:
        return w.interrupted(name);
      default:
        return w.refused(name, error!.message);
    }
  }

  private drop(entry: Entry): void {
    if (entry.state === 'uploading') void entry.upload?.cancel();
    this._entries = this._entries.filter((e) => e !== entry);
    this.dispatchEvent(new CustomEvent('tray-change', { bubbles: true, composed: true }));
  }

  private retry(entry: Entry): void {
    this.patch(entry, { state: 'uploading', problem: undefined });
    void entry.upload?.retry().catch(() => undefined);
  }

  override render() {
    if (!this._entries.length) return nothing;
    const w = this.words;
    return html`<ul part="upload-tray" aria-label=${w.tray}>
      ${this._entries.map((e) => {
        const pct = new Intl.NumberFormat(this.lang, { style: 'percent' }).format(e.progress);
        return html`<li part="upload" data-state=${e.state}>
          <span class="name" dir="auto">${e.file.name}<span class="size">${fileSize(e.file.size, this.lang)}</span></span>
          <span class="buttons">
            ${e.state === 'failed' ? html`<button type="button" part="upload-retry" aria-label=${w.retryUpload(e.file.name)} @click=${() => this.retry(e)}>↻</button>` : nothing}
            <button type="button" part="upload-cancel" aria-label=${e.state === 'uploading' ? w.cancelUpload(e.file.name) : w.remove(e.file.name)} @click=${() => this.drop(e)}>✕</button>
          </span>
          ${e.state === 'uploading' || e.state === 'done'
            ? html`<progress max="1" .value=${e.progress} aria-label=${e.state === 'done' ? w.uploaded(e.file.name) : w.progress(e.file.name, pct)}></progress>`
            : nothing}
          ${e.problem ? html`<p class="problem" role="alert">${e.problem}</p>` : nothing}
        </li>`;
      })}
    </ul>`;
  }
}

if (!customElements.get('parley-upload-tray')) customElements.define('parley-upload-tray', UploadTray);

declare global {
  interface HTMLElementTagNameMap {
    'parley-upload-tray': UploadTray;
  }
}
