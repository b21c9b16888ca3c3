// What an uploaded file is and whether this server takes it: the type is decided from the bytes
// (file-type, then a look at text for markup), never from the client's name or header; names are made
// safe to show and to put in a header.
import { Limits } from '@parley/sdk/protocol';
import { open } from 'node:fs/promises';
import { fileTypeFromBuffer } from 'file-type';

/** Enough of the head of a file for file-type and the markup check. */
export const SNIFF_BYTES = 4100;

/** Raster images the server decodes (sharp), re-encodes without metadata and makes thumbnails of. */
export const DECODED_IMAGES: ReadonlySet<string> = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/avif']);

/** Types a browser may show inline from a file response; everything else is served as a download. */
const INLINE: ReadonlySet<string> = new Set([
  ...DECODED_IMAGES,
  'audio/mpeg',
  'audio/ogg',
  'audio/opus',
  'audio/wav',
  'audio/x-wav',
  'audio/webm',
  'audio/mp4',
  'audio/aac',
  'audio/x-m4a',
  'audio/flac',
  'audio/x-flac',
  'video/mp4',
  'video/webm',
  'video/ogg',
  'video/quicktime',
]);

export function inlineSafe(mime: string): boolean {
  return INLINE.has(mime);
}

/** The media type of a file from its first bytes. */
export async function sniffHead(head: Uint8Array): Promise<string> {
  const found = await fileTypeFromBuffer(head);
  // XML may be SVG or XHTML, which browsers run: the markup check decides.
  if (found && found.mime !== 'application/xml' && found.mime !== 'text/xml') return found.mime;
  return textType(head);
}

/** sniffHead on the first SNIFF_BYTES of the file at `path`. */
export async function sniffFile(path: string): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await fh.read(buf, 0, SNIFF_BYTES, 0);
    return sniffHead(buf.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}

const MARKUP = /<(?:!doctype\s+html|html|head|body|script|iframe|object|embed|meta|link|style|svg|a\s|img\s|form|base|frameset)\b/i;

/** Text formats file-type does not know: markup a browser would run is told apart from plain text. */
function textType(head: Uint8Array): string {
  if (head.length === 0) return 'application/octet-stream';
  const text = new TextDecoder('utf-8', { fatal: false }).decode(head);
  const start = text.replace(/^\ufeff/, '').trimStart();
  if (/^#!/.test(start)) return 'application/x-sh';
  // Browsers sniff markup anywhere near the start, not only in first position: look at the whole head.
  if (/<svg[\s>]/i.test(text)) return 'image/svg+xml';
  if (MARKUP.test(text)) return 'text/html';
  if (/^<\?xml/i.test(start)) return 'application/xml';
  if (head.includes(0) || text.includes('\ufffd')) return 'application/octet-stream';
  return 'text/plain';
}

/** Whether `mime` matches one of `patterns` (`type/subtype` or `type/*`). */
export function matchesType(mime: string, patterns: readonly string[]): boolean {
  const family = mime.split('/')[0];
  return patterns.some((p) => p === mime || (p.endsWith('/*') && p.slice(0, -2) === family));
}

/** Why a type is refused, or undefined when it is taken: `allowed` empty means any type not in `refused`. */
export function typeRefusal(mime: string, allowed: readonly string[], refused: readonly string[]): string | undefined {
  if (matchesType(mime, refused)) return `files of type ${mime} are not accepted on this server`;
  if (allowed.length > 0 && !matchesType(mime, allowed)) return `files of type ${mime} are not accepted here (allowed: ${allowed.join(', ')})`;
  return undefined;
}

/** AttachmentKind of a file by its sniffed type. */
export function kindOf(mime: string): 'image' | 'audio' | 'video' | 'file' {
  if (DECODED_IMAGES.has(mime)) return 'image';
  if (mime.startsWith('audio/')) return 'audio';
  if (mime.startsWith('video/')) return 'video';
  return 'file';
}

// Controls (C0, DEL, C1), direction marks and overrides, line and paragraph separators, BOM.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff]/g;

/**
 * A file name safe to store, show and put in a header: the last path segment only, no control or
 * direction characters (an RTL override could make `gpj.exe` read as `exe.jpg`), no characters
 * Windows refuses, not starting with a dot, at most Limits.maxFileName UTF-16 units (keeping the
 * extension). Empty or nothing left: `file`.
 */
export function safeFileName(raw: string): string {
  let name = raw.normalize('NFC').replace(UNSAFE, '');
  name = name.split(/[/\\]/).pop() ?? '';
  name = name.replace(/[<>:"|?*]/g, '_').replace(/\s+/g, ' ').trim().replace(/^[.\s]+/, '');
  if (name.length > Limits.maxFileName) {
    const dot = name.lastIndexOf('.');
    const ext = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : '';
    name = cut(name.slice(0, name.length - ext.length), Limits.maxFileName - ext.length) + ext;
  }
  return name || 'file';
}

/** The first `max` UTF-16 units of `s`, not splitting a surrogate pair. */
function cut(s: string, max: number): string {
  let out = s.slice(0, max);
  if (/[\ud800-\udbff]$/.test(out)) out = out.slice(0, -1);
  return out;
}

/** `Content-Disposition` for a download of `name`: ASCII fallback and the UTF-8 form (RFC 6266). */
export function contentDisposition(kind: 'inline' | 'attachment', name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}
