// A stand-in for a browser's push service (the real ones are on the Internet, out of reach here): an
// HTTPS server that takes the server's real Web Push requests, checks the VAPID JWT (RFC 8292) and
// decrypts the aes128gcm body (RFC 8291) with the subscription's private key, as a browser would.
import { createDecipheriv, createECDH, createPublicKey, hkdfSync, randomBytes, verify, type ECDH } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TestCert } from './tls.js';

/** A browser's subscription: what it sends the server (endpoint, p256dh, auth) and its private key. */
export interface TestSubscription {
  endpoint: string;
  p256dh: string;
  auth: string;
  ecdh: ECDH;
  authSecret: Buffer;
}

export interface ReceivedPush {
  endpoint: string;
  /** The decrypted payload. */
  text: string;
  /** Claims of the VAPID JWT, signature checked. */
  claims: { aud: string; exp: number; sub: string };
  /** The `k` of the Authorization header: the server's VAPID public key. */
  vapidKey: string;
  headers: Record<string, string | string[] | undefined>;
}

export class StandInPushService {
  readonly received: ReceivedPush[] = [];
  /** Problems found in requests (bad signature, undecryptable body): a test asserts there are none. */
  readonly problems: string[] = [];
  /** Paths answered with this status instead of 201 (404, 410: the subscription is gone). */
  readonly answer = new Map<string, number>();
  private readonly subs = new Map<string, TestSubscription>();
  private waiters: { n: number; resolve: () => void }[] = [];
  private server!: Server;
  origin = '';

  static async start(cert: TestCert): Promise<StandInPushService> {
    const s = new StandInPushService();
    s.server = createServer({ cert: cert.ca, key: await import('node:fs').then((fs) => fs.readFileSync(cert.keyFile)) }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = req.url ?? '';
        const status = s.answer.get(path);
        try {
          if (status === undefined) s.accept(path, req.headers, Buffer.concat(chunks));
        } catch (err) {
          s.problems.push(`${path}: ${(err as Error).message}`);
        }
        res.writeHead(status ?? 201).end();
        s.waiters = s.waiters.filter((w) => (s.received.length >= w.n ? (w.resolve(), false) : true));
      });
    });
    await new Promise<void>((resolve) => s.server.listen(0, '127.0.0.1', resolve));
    s.origin = `https://127.0.0.1:${(s.server.address() as AddressInfo).port}`;
    return s;
  }

  /** A new browser subscription at a fresh path of this service. */
  subscription(): TestSubscription {
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const authSecret = randomBytes(16);
    const sub: TestSubscription = {
      endpoint: `${this.origin}/push/${randomBytes(8).toString('hex')}`,
      p256dh: ecdh.getPublicKey().toString('base64url'),
      auth: authSecret.toString('base64url'),
      ecdh,
      authSecret,
    };
    this.subs.set(new URL(sub.endpoint).pathname, sub);
    return sub;
  }

  /** Resolves once `n` pushes in all were received and decrypted. */
  waitFor(n: number): Promise<void> {
    if (this.received.length >= n) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(path: string, headers: ReceivedPush['headers'], body: Buffer): void {
    const sub = this.subs.get(path);
    if (!sub) throw new Error('no such subscription');
    if (headers['content-encoding'] !== 'aes128gcm') throw new Error(`content-encoding ${String(headers['content-encoding'])}`);
    if (!headers.ttl) throw new Error('no TTL header');
    const { claims, key } = checkVapid(String(headers.authorization ?? ''), this.origin);
    this.received.push({ endpoint: sub.endpoint, text: decrypt(body, sub), claims, vapidKey: key, headers });
  }
}

/** RFC 8292: `vapid t=<JWT>, k=<key>`; the JWT is ES256-signed by k, for this origin, not expired. */
function checkVapid(authorization: string, origin: string): { claims: ReceivedPush['claims']; key: string } {
  const m = /^vapid t=([\w-]+\.[\w-]+\.[\w-]+), k=([\w-]+)$/.exec(authorization);
  if (!m) throw new Error(`Authorization is not a VAPID one: ${authorization.slice(0, 40)}`);
  const [header, payload, signature] = m[1]!.split('.') as [string, string, string];
  const key = Buffer.from(m[2]!, 'base64url');
  if (key.length !== 65 || key[0] !== 4) throw new Error('k is not an uncompressed P-256 point');
  const publicKey = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: key.subarray(1, 33).toString('base64url'), y: key.subarray(33).toString('base64url') }, format: 'jwk' });
  const ok = verify('sha256', Buffer.from(`${header}.${payload}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'));
  if (!ok) throw new Error('the VAPID signature does not verify');
  if (JSON.parse(Buffer.from(header, 'base64url').toString()).alg !== 'ES256') throw new Error('the JWT is not ES256');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as ReceivedPush['claims'];
  if (claims.aud !== origin) throw new Error(`aud ${claims.aud} is not ${origin}`);
  const now = Date.now() / 1000;
  if (!(claims.exp > now && claims.exp <= now + 24 * 3600)) throw new Error(`exp ${claims.exp} is not within 24 hours`);
  if (!/^(mailto:|https:)/.test(claims.sub)) throw new Error(`sub ${claims.sub} is not a mailto: or https: contact`);
  return { claims, key: m[2]! };
}

/** RFC 8291 with RFC 8188 aes128gcm: one record, keys from ECDH with the sender's key and the auth secret. */
function decrypt(body: Buffer, sub: TestSubscription): string {
  const salt = body.subarray(0, 16);
  const idLength = body[20]!;
  const senderKey = body.subarray(21, 21 + idLength);
  const record = body.subarray(21 + idLength);
  if (idLength !== 65) throw new Error(`keyid is ${idLength} bytes, not a P-256 point`);
  const shared = sub.ecdh.computeSecret(senderKey);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), sub.ecdh.getPublicKey(), senderKey]);
  const ikm = Buffer.from(hkdfSync('sha256', shared, sub.authSecret, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(record.subarray(record.length - 16));
  const plain = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
  // The last record ends with the delimiter 2, then optional zero padding.
  let end = plain.length - 1;
  while (end >= 0 && plain[end] === 0) end--;
  if (plain[end] !== 2) throw new Error('no last-record delimiter');
  return plain.subarray(0, end).toString('utf8');
}
