// Verifying an outgoing webhook's delivery at the receiver (protocol section 27.3): the HMAC-SHA256
// of "<timestamp>.<body>" under the hook's secret, a timestamp within a tolerance, and (optionally)
// an id not seen before. WebCrypto only, so it runs in Node, Deno, Bun and edge runtimes alike.

/** Why a delivery was refused; `code` is stable. */
export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
  constructor(
    readonly code: 'missing_header' | 'bad_signature' | 'stale' | 'replayed' | 'bad_body',
    message: string,
  ) {
    super(message);
  }
}

/** What a delivery carries (its JSON body). */
export interface WebhookDelivery {
  /** The delivery id, `<hook>.<seq>`: the same on every retry; de-duplicate on it. */
  id: string;
  /** `message` for a room hook, `command` for a hook of one command. */
  type: string;
  hook: string;
  room: string;
  command?: string;
  message: { seq: number; id: string; ts: number; by: string; name: string; body: string; data?: Record<string, unknown> };
}

export interface VerifyWebhookOptions {
  /** How far the timestamp may be from now, seconds. Default 300. */
  toleranceSec?: number;
  /** Now, ms since the epoch (tests). */
  now?: number;
  /**
   * Ids seen already: a delivery whose id is in it is refused as `replayed`, others are added.
   * Keep ids at least as long as the tolerance; a `Set` does for one process.
   */
  seen?: { has(id: string): boolean; add(id: string): unknown };
}

type Headers = Record<string, string | string[] | undefined> | { get(name: string): string | null };

function header(headers: Headers, name: string): string | undefined {
  const v = typeof (headers as { get?: unknown }).get === 'function' ? (headers as { get(n: string): string | null }).get(name) : (headers as Record<string, string | string[] | undefined>)[name];
  return (Array.isArray(v) ? v[0] : v) ?? undefined;
}

/**
 * Checks a delivery from its raw body (exactly the bytes received, as text) and its headers (a Node
 * `req.headers` object or a fetch `Headers`); resolves with the parsed delivery, rejects with
 * {@link WebhookVerificationError}.
 */
export async function verifyWebhook(secret: string, body: string, headers: Headers, options: VerifyWebhookOptions = {}): Promise<WebhookDelivery> {
  const id = header(headers, 'parley-webhook-id');
  const timestamp = header(headers, 'parley-webhook-timestamp');
  const signature = header(headers, 'parley-webhook-signature');
  if (!id || !timestamp || !signature) throw new WebhookVerificationError('missing_header', 'parley-webhook-id, -timestamp and -signature are all required');
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  const given = /^v1=([0-9a-f]{64})$/.exec(signature)?.[1];
  const bytes = given ? Uint8Array.from(given.match(/../g)!, (h) => parseInt(h, 16)) : undefined;
  // crypto.subtle.verify compares in constant time.
  if (!bytes || !(await crypto.subtle.verify('HMAC', key, bytes, new TextEncoder().encode(`${timestamp}.${body}`)))) {
    throw new WebhookVerificationError('bad_signature', 'the signature does not match this body and secret');
  }
  const age = Math.abs((options.now ?? Date.now()) / 1000 - Number(timestamp));
  if (!/^\d{1,12}$/.test(timestamp) || age > (options.toleranceSec ?? 300)) {
    throw new WebhookVerificationError('stale', `the timestamp is ${Math.round(age)} s away from now: a replay, or a clock far off`);
  }
  if (options.seen?.has(id)) throw new WebhookVerificationError('replayed', `delivery ${id} was received already`);
  let delivery: WebhookDelivery;
  try {
    delivery = JSON.parse(body) as WebhookDelivery;
  } catch {
    throw new WebhookVerificationError('bad_body', 'the body is not JSON');
  }
  if (delivery?.id !== id) throw new WebhookVerificationError('bad_body', 'the body\'s id is not the header\'s');
  options.seen?.add(id);
  return delivery;
}
