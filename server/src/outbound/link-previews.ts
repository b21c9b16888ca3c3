// Link previews from the cache in the store, fetched on the first request for a URL (one fetch per
// URL at a time, a bounded number at once) and kept: previews for a day, failures for an hour.
import type { LinkPreview } from '@parley/sdk/protocol';
import type { NotifyStore } from '../store/notify-store.js';
import { readOpenGraph } from './open-graph.js';
import { fetchPage, PreviewRefused, type PageFetchOptions } from './page-fetch.js';

const KEEP_MS = 86_400_000;
const KEEP_FAILED_MS = 3_600_000;
/** Fetches in progress at once on this node; more are answered "busy" rather than queued. */
const MAX_FETCHES = 16;

export class PreviewsBusy extends Error {
  override readonly name = 'PreviewsBusy';
}

export class LinkPreviews {
  private readonly fetching = new Map<string, Promise<LinkPreview | null>>();

  constructor(
    private readonly store: NotifyStore,
    private readonly fetch: PageFetchOptions,
    private readonly onRefused: (url: string, reason: string) => void = () => {},
  ) {}

  /** The preview of `url`, or null when it has none (refused, failed, or a page with nothing to show). */
  async preview(url: string): Promise<LinkPreview | null> {
    const cached = await this.store.cachedPreview(url);
    if (cached && Date.now() - cached.fetchedAt < (cached.preview ? KEEP_MS : KEEP_FAILED_MS)) return cached.preview;
    let pending = this.fetching.get(url);
    if (!pending) {
      if (this.fetching.size >= MAX_FETCHES) throw new PreviewsBusy('too many previews are being fetched; try again shortly');
      pending = this.fetchAndKeep(url).finally(() => this.fetching.delete(url));
      this.fetching.set(url, pending);
    }
    return pending;
  }

  private async fetchAndKeep(url: string): Promise<LinkPreview | null> {
    let preview: LinkPreview | null = null;
    try {
      const page = await fetchPage(url, this.fetch);
      preview = readOpenGraph(page.html, page.url);
      // The card links to what the message said, not to where it redirected.
      if (preview) preview.url = url;
    } catch (err) {
      if (!(err instanceof PreviewRefused)) throw err;
      this.onRefused(url, err.message);
    }
    await this.store.cachePreview(url, preview, Date.now());
    return preview;
  }
}

/** The first http(s) URL of a message body, without the punctuation that usually follows a link in text. */
export function firstLink(body: string): string | undefined {
  const m = /\bhttps?:\/\/[^\s<>"'`]+/i.exec(body);
  if (!m) return undefined;
  let url = m[0];
  while (/[.,;:!?)\]}]$/.test(url)) {
    // A closing bracket that closes one opened in the URL (wiki links) stays.
    if (url.endsWith(')') && (url.match(/\(/g)?.length ?? 0) >= (url.match(/\)/g)?.length ?? 0)) break;
    url = url.slice(0, -1);
  }
  return url.length <= 2048 ? url : undefined;
}
