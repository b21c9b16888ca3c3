// Fetches a web page for a link preview, defensively: only http(s) to permitted addresses (checked on
// every hop of a redirect, and the connection made to the checked address), a few redirects, a size
// and a time limit, no cookies, and only HTML. Anything else is a PreviewRefused.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { RefusedAddressError, type AddressGuard } from './address-guard.js';

export class PreviewRefused extends Error {
  override readonly name = 'PreviewRefused';
}

export interface PageFetchOptions {
  guard: AddressGuard;
  /** Extra certificate authorities trusted for https (private PKI, tests). */
  ca?: string | Buffer | undefined;
  /** Most bytes of HTML read; a longer page is refused. Default 512 KiB. */
  maxBytes?: number;
  /** Whole fetch, redirects included, ms. Default 4000. */
  timeoutMs?: number;
  /** Redirects followed. Default 3. */
  maxRedirects?: number;
}

/** Ports a preview may use unless its address is allowlisted: the web's usual ones, not internal services. */
const WEB_PORTS = new Set([80, 443, 8080, 8443]);

export interface FetchedPage {
  /** The URL the HTML came from, after redirects. */
  url: URL;
  html: string;
}

export async function fetchPage(start: string, o: PageFetchOptions): Promise<FetchedPage> {
  const maxBytes = o.maxBytes ?? 512 * 1024;
  const deadline = Date.now() + (o.timeoutMs ?? 4000);
  let url = parseWebUrl(start);
  for (let hop = 0; ; hop++) {
    const res = await get(url, o, deadline);
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location) {
      res.destroy();
      if (hop >= (o.maxRedirects ?? 3)) throw new PreviewRefused(`more than ${o.maxRedirects ?? 3} redirects`);
      url = parseWebUrl(new URL(res.headers.location, url).href);
      continue;
    }
    if (status !== 200) {
      res.destroy();
      throw new PreviewRefused(`the page answered ${status}`);
    }
    const type = (res.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'text/html' && type !== 'application/xhtml+xml') {
      res.destroy();
      throw new PreviewRefused(`not HTML (${type || 'no content-type'})`);
    }
    const encoding = res.headers['content-encoding'];
    if (encoding && encoding !== 'identity') {
      res.destroy();
      throw new PreviewRefused(`content-encoding ${encoding} was not asked for`);
    }
    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      res.destroy();
      throw new PreviewRefused(`the page is ${declared} bytes, more than ${maxBytes}`);
    }
    const bytes = await readAtMost(res, maxBytes, deadline);
    return { url, html: new TextDecoder(charsetOf(res.headers['content-type']), { fatal: false }).decode(bytes) };
  }
}

/** An http(s) URL without credentials whose host, when an address, is permitted. */
function parseWebUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new PreviewRefused('not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new PreviewRefused(`${url.protocol} links are not previewed`);
  if (url.username || url.password) throw new PreviewRefused('links with credentials are not previewed');
  return url;
}

async function get(url: URL, o: PageFetchOptions, deadline: number): Promise<IncomingMessage> {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const https = url.protocol === 'https:';
  const port = url.port ? Number(url.port) : https ? 443 : 80;
  // Connecting to an address literal skips `lookup`: it is checked here instead. A name is checked
  // here too (for the port rule and a clear refusal), and again by `lookup` on connecting.
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = await o.guard.resolve(host);
    } catch (err) {
      throw new PreviewRefused(err instanceof RefusedAddressError ? err.message : `cannot resolve ${host}`);
    }
  }
  for (const a of addresses) if (!o.guard.permits(a)) throw new PreviewRefused(`${a} is not a public address`);
  if (!WEB_PORTS.has(port) && !addresses.every((a) => o.guard.allowlisted(a))) throw new PreviewRefused(`port ${port} is not previewed`);
  return new Promise((resolve, reject) => {
    const req = (https ? httpsRequest : httpRequest)({
      protocol: url.protocol,
      hostname: host,
      port,
      path: `${url.pathname}${url.search}`,
      method: 'GET',
      // No cookies, no credentials, nothing compressed (the size limit counts what is read).
      headers: { accept: 'text/html,application/xhtml+xml', 'accept-encoding': 'identity', 'user-agent': 'ParleyLinkPreview/1 (+link previews)' },
      lookup: o.guard.lookup,
      agent: false,
      ...(https && o.ca ? { ca: o.ca } : {}),
      ...(https && !isIP(host) ? { servername: host } : {}),
    });
    const timer = setTimeout(() => req.destroy(new PreviewRefused('the page took too long')), Math.max(0, deadline - Date.now()));
    req.on('response', (res) => {
      clearTimeout(timer);
      resolve(res);
    });
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err instanceof PreviewRefused ? err : new PreviewRefused((err as NodeJS.ErrnoException).code === 'EREFUSEDADDRESS' ? err.message : `fetch failed: ${err.message}`));
    });
    req.end();
  });
}

function readAtMost(res: IncomingMessage, maxBytes: number, deadline: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => res.destroy(new PreviewRefused('the page took too long')), Math.max(0, deadline - Date.now()));
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
      else res.destroy(new PreviewRefused(`the page is more than ${maxBytes} bytes`));
    });
    res.on('end', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    res.on('error', (err) => {
      clearTimeout(timer);
      reject(err instanceof PreviewRefused ? err : new PreviewRefused(`read failed: ${err.message}`));
    });
  });
}

function charsetOf(contentType: string | undefined): string {
  const m = /charset\s*=\s*"?([\w-]+)/i.exec(contentType ?? '');
  try {
    return new TextDecoder(m?.[1] ?? 'utf-8').encoding;
  } catch {
    return 'utf-8';
  }
}
