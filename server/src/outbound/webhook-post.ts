// One signed POST to an outgoing webhook's URL, through the same address guard as link previews: only
// http(s) to permitted addresses (the connection goes to the checked address), no redirects followed,
// a time limit, and the answer's body ignored. Also the check of a URL when a hook is created.
import { createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { RefusedAddressError, type AddressGuard } from './address-guard.js';

/** Ports a webhook may use unless its address is allowlisted, as for link previews. */
const WEB_PORTS = new Set([80, 443, 8080, 8443]);

/** `v1=<hex HMAC-SHA256 of "<timestamp>.<body>">`: what `parley-webhook-signature` carries. */
export function webhookSignature(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Why `raw` cannot be a webhook's URL, in words; undefined when it can (names are resolved and checked). */
export async function webhookUrlProblem(raw: string, guard: AddressGuard): Promise<string | undefined> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return '"url" is not a URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return '"url" must be http or https';
  if (url.username || url.password) return '"url" must not carry credentials';
  if (raw.length > 2048) return '"url" is longer than 2048 characters';
  try {
    await addressesOf(url, guard);
  } catch (err) {
    if (err instanceof RefusedAddressError) return `"url": ${err.message}`;
    // A name that does not resolve now is not refused: DNS trouble passes, and every delivery checks again.
  }
  return undefined;
}

/** The addresses a connection to `url` may use; throws RefusedAddressError for one that is not permitted or a port that is not. */
async function addressesOf(url: URL, guard: AddressGuard): Promise<string[]> {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const addresses = isIP(host) ? [host] : await guard.resolve(host);
  for (const a of addresses) if (!guard.permits(a)) throw new RefusedAddressError(`${a} is not a public address`);
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  if (!WEB_PORTS.has(port) && !addresses.every((a) => guard.allowlisted(a))) throw new RefusedAddressError(`port ${port} is not one webhooks may use (80, 443, 8080, 8443)`);
  return addresses;
}

export interface WebhookPost {
  url: string;
  secret: string;
  /** The delivery id: receivers de-duplicate on it. */
  id: string;
  body: string;
  guard: AddressGuard;
  timeoutMs: number;
  ca?: string | Buffer | undefined;
  /** Seconds since the epoch put in the signature; now by default. */
  timestamp?: number;
}

/** Sends one delivery; resolves when the receiver answered 2xx, rejects with the reason otherwise. */
export async function postWebhook(p: WebhookPost): Promise<void> {
  const url = new URL(p.url);
  await addressesOf(url, p.guard);
  const timestamp = p.timestamp ?? Math.floor(Date.now() / 1000);
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const https = url.protocol === 'https:';
  const status = await new Promise<number>((resolve, reject) => {
    const req = (https ? httpsRequest : httpRequest)({
      protocol: url.protocol,
      hostname: host,
      port: url.port || (https ? 443 : 80),
      path: `${url.pathname}${url.search}`,
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(p.body)),
        'user-agent': 'ParleyWebhook/1',
        'parley-webhook-id': p.id,
        'parley-webhook-timestamp': String(timestamp),
        'parley-webhook-signature': webhookSignature(p.secret, timestamp, p.body),
      },
      lookup: p.guard.lookup,
      agent: false,
      ...(https && p.ca ? { ca: p.ca } : {}),
      ...(https && !isIP(host) ? { servername: host } : {}),
    });
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${p.timeoutMs} ms`)), p.timeoutMs);
    req.on('response', (res) => {
      clearTimeout(timer);
      res.resume(); // the answer's body means nothing here
      resolve(res.statusCode ?? 0);
    });
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end(p.body);
  });
  if (status < 200 || status >= 300) throw new Error(`the receiver answered ${status}`);
}
