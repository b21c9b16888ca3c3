// Reads what a page says of itself for a preview card: Open Graph (og:title, og:description,
// og:site_name, og:image), else <title> and the description meta. Text only, bounded lengths.
import type { LinkPreview } from '@parley/sdk/protocol';

const MAX = { title: 200, description: 400, site: 100, image: 2048 } as const;
/** A meta tag; quoted values may hold `>`. */
const META = /<meta\b((?:[^>"']|"[^"]*"|'[^']*')*)>/gi;
const ATTR = /([a-zA-Z:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/g;

/** The preview of `html` fetched from `url`; null when the page names neither a title nor a description. */
export function readOpenGraph(html: string, url: URL): LinkPreview | null {
  // Only the head matters; a page's body can be long and is not looked at.
  const headEnd = html.search(/<\/head\s*>|<body\b/i);
  const head = headEnd >= 0 ? html.slice(0, headEnd) : html;
  const meta = new Map<string, string>();
  for (const m of head.matchAll(META)) {
    const attrs = new Map<string, string>();
    for (const a of m[1]!.matchAll(ATTR)) attrs.set(a[1]!.toLowerCase(), a[2] ?? a[3] ?? a[4] ?? '');
    const key = (attrs.get('property') ?? attrs.get('name'))?.toLowerCase();
    const content = attrs.get('content');
    if (key && content !== undefined && !meta.has(key)) meta.set(key, content);
  }
  const titleTag = /<title\b[^>]*>([^<]*)<\/title>/i.exec(head)?.[1];
  const preview: LinkPreview = { url: url.href };
  const title = clean(meta.get('og:title') ?? meta.get('twitter:title') ?? titleTag, MAX.title);
  const description = clean(meta.get('og:description') ?? meta.get('description') ?? meta.get('twitter:description'), MAX.description);
  const site = clean(meta.get('og:site_name'), MAX.site);
  const image = webUrl(meta.get('og:image') ?? meta.get('og:image:url') ?? meta.get('twitter:image'), url);
  if (title) preview.title = title;
  if (description) preview.description = description;
  if (site) preview.site = site;
  if (image) preview.image = image;
  return title || description ? preview : null;
}

function clean(raw: string | undefined, max: number): string | undefined {
  if (raw === undefined) return undefined;
  // Control characters out, whitespace runs folded: the card shows one tidy line or paragraph.
  const text = decodeEntities(raw).replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
  if (!text) return undefined;
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** An absolute http(s) URL for the image, resolved against the page; anything else (data:, javascript:) is dropped. */
function webUrl(raw: string | undefined, base: URL): string | undefined {
  if (!raw) return undefined;
  try {
    const u = new URL(decodeEntities(raw.trim()), base);
    if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.href.length > MAX.image) return undefined;
    return u.href;
  } catch {
    return undefined;
  }
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]{2,6});/gi, (whole, e: string) => {
    if (e[0] === '#') {
      const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : '';
    }
    return NAMED[e.toLowerCase()] ?? whole;
  });
}
