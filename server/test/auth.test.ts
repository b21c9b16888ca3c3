// Token verification and guest tokens: every refusal is checked by its reason, every acceptance by
// the identity it yields.
import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@parley/sdk/protocol';
import { AuthError, Authenticator, GUEST_ISSUER, MAX_TOKEN_CHARS, validateDisplayName, type AuthConfig, type AuthReason } from '../src/auth.js';

const spki = { type: 'spki', format: 'pem' } as const;
const pkcs8 = { type: 'pkcs8', format: 'pem' } as const;
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: spki, privateKeyEncoding: pkcs8 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256', publicKeyEncoding: spki, privateKeyEncoding: pkcs8 });

const SECRET = 'host-secret-0123456789abcdef-0123456789';
const GUEST_SECRET = 'guest-secret-0123456789abcdef-012345678';

const now = (): number => Math.floor(Date.now() / 1000);
const inAnHour = (): number => now() + 3600;

function auth(overrides: Partial<AuthConfig> = {}): Authenticator {
  return new Authenticator({ guests: false, guestSecret: '', ...overrides });
}

function hs(payload: object, secret = SECRET): string {
  return jwt.sign(payload, secret, { algorithm: 'HS256' });
}

const b64 = (value: object | string): string =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** Assembles a token by hand so attacks do not depend on what jsonwebtoken is willing to sign. */
function craft(header: object, payload: object, sign: (input: string) => string): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${sign(input)}`;
}

const hmac = (key: string) => (input: string) => createHmac('sha256', key).update(input).digest('base64url');

function reasonOf(run: () => unknown): AuthReason {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(AuthError);
    const e = err as AuthError;
    expect(e.code).toBe('unauthorized');
    return e.reason;
  }
  throw new Error('expected an AuthError, but nothing was thrown');
}

function configError(config: Partial<AuthConfig>): string {
  try {
    auth(config);
  } catch (err) {
    expect(err).not.toBeInstanceOf(AuthError);
    return (err as Error).message;
  }
  throw new Error('expected the constructor to throw');
}

describe('host tokens accepted', () => {
  it('accepts an HS256 token and reports the user and expiry', () => {
    const exp = inAnHour();
    const id = auth({ secret: SECRET }).verify(hs({ sub: 'u1', name: 'Ada', exp }));
    expect(id).toEqual({ id: 'u1', name: 'Ada', guest: false, expiresAt: exp * 1000, admin: false });
  });

  it('makes a host token with "parley_admin": true a server admin, and nothing else does', () => {
    const a = auth({ secret: SECRET });
    expect(a.verify(hs({ sub: 'root', name: 'Root', exp: inAnHour(), parley_admin: true })).admin).toBe(true);
    expect(a.verify(hs({ sub: 'u1', name: 'Ada', exp: inAnHour(), parley_admin: 'true' })).admin).toBe(false);
    expect(a.verify(hs({ sub: 'u1', name: 'Ada', exp: inAnHour() })).admin).toBe(false);
  });

  it('accepts an RS256 token against an RSA public key', () => {
    const token = jwt.sign({ sub: 'u2', name: 'Bo', exp: inAnHour() }, rsa.privateKey, { algorithm: 'RS256' });
    expect(auth({ publicKey: rsa.publicKey }).verify(token)).toMatchObject({ id: 'u2', name: 'Bo', guest: false });
  });

  it('accepts an ES256 token against an EC P-256 public key', () => {
    const token = jwt.sign({ sub: 'u3', name: 'Cy', exp: inAnHour() }, ec.privateKey, { algorithm: 'ES256' });
    expect(auth({ publicKey: ec.publicKey }).verify(token)).toMatchObject({ id: 'u3', name: 'Cy', guest: false });
  });

  it('accepts both HS256 and RS256 when a secret and a public key are configured', () => {
    const a = auth({ secret: SECRET, publicKey: rsa.publicKey, algorithms: ['HS256', 'RS256'] });
    expect(a.verify(hs({ sub: 'h', exp: inAnHour() })).id).toBe('h');
    expect(a.verify(jwt.sign({ sub: 'r', exp: inAnHour() }, rsa.privateKey, { algorithm: 'RS256' })).id).toBe('r');
  });

  it('accepts a token until its exp, to the second', () => {
    const exp = now() + 2;
    expect(auth({ secret: SECRET }).verify(hs({ sub: 'u', exp })).expiresAt).toBe(exp * 1000);
  });

  it('accepts an nbf slightly in the future within the clock tolerance', () => {
    expect(auth({ secret: SECRET }).verify(hs({ sub: 'u', nbf: now() + 10, exp: inAnHour() })).id).toBe('u');
  });

  it('accepts the configured audience inside an aud array and the configured issuer', () => {
    const a = auth({ secret: SECRET, audience: 'parley', issuer: 'https://idp.example' });
    const token = hs({ sub: 'u', aud: ['other', 'parley'], iss: 'https://idp.example', exp: inAnHour() });
    expect(a.verify(token).id).toBe('u');
  });
});

describe('display names from host tokens', () => {
  const a = auth({ secret: SECRET });
  const nameOf = (claims: object): string => a.verify(hs({ sub: 'user-7', exp: inAnHour(), ...claims })).name;

  it('falls back from name to preferred_username to sub', () => {
    expect(nameOf({ name: 'Name', preferred_username: 'pref' })).toBe('Name');
    expect(nameOf({ preferred_username: 'pref' })).toBe('pref');
    expect(nameOf({})).toBe('user-7');
    expect(nameOf({ name: 42, preferred_username: '  ' })).toBe('user-7');
  });

  it('replaces control and bidi characters and trims', () => {
    expect(nameOf({ name: '  Eve\n\u0007Mallory\u202E  ' })).toBe('Eve Mallory');
  });

  it('falls back when the name is nothing but control characters', () => {
    expect(nameOf({ name: '\u0000\u0001\n', preferred_username: 'pref' })).toBe('pref');
  });

  it('shortens to 64 UTF-16 code units (the protocol\'s unit) without splitting a character', () => {
    expect(nameOf({ name: 'x'.repeat(100) })).toBe('x'.repeat(64));
    expect(nameOf({ name: '😀'.repeat(70) })).toBe('😀'.repeat(32)); // 2 units each
    expect(nameOf({ name: 'a'.repeat(63) + '😀' })).toBe('a'.repeat(63)); // never half a surrogate pair
    expect(nameOf({ name: 'a'.repeat(60) + '👩‍💻' })).toBe('a'.repeat(60)); // nor half an emoji sequence (5 units)
    expect(nameOf({ name: 'a'.repeat(59) + '👩‍💻' })).toBe('a'.repeat(59) + '👩‍💻');
  });
});

describe('tokens refused', () => {
  const hsAuth = auth({ secret: SECRET });
  const rsAuth = auth({ publicKey: rsa.publicKey });

  it('refuses a missing token', () => {
    expect(reasonOf(() => hsAuth.verify(undefined))).toBe('missing');
    expect(reasonOf(() => hsAuth.verify(null))).toBe('missing');
    expect(reasonOf(() => hsAuth.verify(''))).toBe('missing');
  });

  it('refuses garbage and non-strings as malformed', () => {
    for (const junk of ['garbage', 'a.b.c', 'a.b', `${b64({ alg: 'HS256' })}.${b64('not json')}.sig`, `${b64([1])}.${b64({})}.x`]) {
      expect(reasonOf(() => hsAuth.verify(junk))).toBe('malformed');
    }
    expect(reasonOf(() => hsAuth.verify(12345))).toBe('malformed');
    expect(reasonOf(() => hsAuth.verify({ token: 'x' }))).toBe('malformed');
  });

  it('refuses an over-long token before decoding it', () => {
    const token = hs({ sub: 'u', exp: inAnHour(), pad: 'x'.repeat(MAX_TOKEN_CHARS) });
    expect(reasonOf(() => hsAuth.verify(token))).toBe('malformed');
  });

  it('refuses a token with a critical header extension', () => {
    const token = craft({ alg: 'HS256', crit: ['x-ext'], 'x-ext': 1 }, { sub: 'u', exp: inAnHour() }, hmac(SECRET));
    expect(reasonOf(() => hsAuth.verify(token))).toBe('malformed');
  });

  it('refuses a token signed with another secret', () => {
    const token = hs({ sub: 'u', exp: inAnHour() }, 'another-secret-0123456789abcdef-0123456');
    expect(reasonOf(() => hsAuth.verify(token))).toBe('bad_signature');
  });

  it('refuses an RS256 token whose payload was altered after signing', () => {
    const [head, , sig] = jwt.sign({ sub: 'u', exp: inAnHour() }, rsa.privateKey, { algorithm: 'RS256' }).split('.');
    const forged = `${head}.${b64({ sub: 'admin', exp: inAnHour() })}.${sig}`;
    expect(reasonOf(() => rsAuth.verify(forged))).toBe('bad_signature');
  });

  it('refuses signatures that are empty, cut short, spelt another way or in the wrong encoding', () => {
    const token = hs({ sub: 'u', exp: inAnHour() });
    const [input, sig] = [token.slice(0, token.lastIndexOf('.')), token.slice(token.lastIndexOf('.') + 1)];
    expect(hsAuth.verify(token).id).toBe('u');
    // The last of 43 characters carries 4 bits of the MAC and 2 unused ones: flipping those decodes to the same bytes.
    const last = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.indexOf(sig.at(-1)!);
    const respelt = `${input}.${sig.slice(0, -1)}${'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'[last ^ 1]}`;
    expect(Buffer.from(respelt.split('.')[2]!, 'base64url')).toEqual(Buffer.from(sig, 'base64url'));
    for (const bad of [`${input}.`, `${input}.${sig.slice(0, -2)}`, respelt, `${input}.${Buffer.from(sig, 'base64url').toString('hex')}`]) {
      expect(reasonOf(() => hsAuth.verify(bad))).toBe('bad_signature');
    }
    const es = jwt.sign({ sub: 'u', exp: inAnHour() }, ec.privateKey, { algorithm: 'ES256' });
    const esAuth = auth({ publicKey: ec.publicKey });
    expect(esAuth.verify(es).id).toBe('u');
    const esInput = es.slice(0, es.lastIndexOf('.'));
    // The same signature as DER (what OpenSSL makes) is not a JWS signature: JWS wants r‖s.
    const der = sign('sha256', Buffer.from(esInput), ec.privateKey).toString('base64url');
    for (const bad of [`${esInput}.`, `${esInput}.${es.slice(es.lastIndexOf('.') + 1, -4)}`, `${esInput}.${der}`]) {
      expect(reasonOf(() => esAuth.verify(bad))).toBe('bad_signature');
    }
    const rs = jwt.sign({ sub: 'u', exp: inAnHour() }, rsa.privateKey, { algorithm: 'RS256' });
    expect(reasonOf(() => rsAuth.verify(`${rs.slice(0, rs.lastIndexOf('.'))}.${rs.slice(rs.lastIndexOf('.') + 1, -8)}`))).toBe('bad_signature');
  });

  it('refuses alg:none', () => {
    const token = craft({ alg: 'none', typ: 'JWT' }, { sub: 'admin', exp: inAnHour() }, () => '');
    expect(reasonOf(() => hsAuth.verify(token))).toBe('algorithm');
    expect(reasonOf(() => rsAuth.verify(token))).toBe('algorithm');
  });

  it('refuses HS256 signed with the RSA public key PEM as the HMAC secret (algorithm confusion)', () => {
    const token = craft({ alg: 'HS256', typ: 'JWT' }, { sub: 'admin', exp: inAnHour() }, hmac(rsa.publicKey));
    expect(reasonOf(() => rsAuth.verify(token))).toBe('algorithm');
    // With an HS256 secret configured too, HS256 routes to that secret, never to the PEM.
    const both = auth({ secret: SECRET, publicKey: rsa.publicKey });
    expect(reasonOf(() => both.verify(token))).toBe('bad_signature');
  });

  it('refuses an algorithm other than the one pinned to the configured key', () => {
    const token = jwt.sign({ sub: 'u', exp: inAnHour() }, rsa.privateKey, { algorithm: 'RS256' });
    expect(reasonOf(() => auth({ publicKey: ec.publicKey }).verify(token))).toBe('algorithm');
    expect(reasonOf(() => hsAuth.verify(token))).toBe('algorithm');
  });

  it('refuses a token once its exp has passed, whatever the clock tolerance (it applies to nbf)', () => {
    expect(reasonOf(() => hsAuth.verify(hs({ sub: 'u', exp: now() - 31 })))).toBe('expired');
    expect(reasonOf(() => hsAuth.verify(hs({ sub: 'u', exp: now() - 1 })))).toBe('expired');
    expect(reasonOf(() => auth({ secret: SECRET, clockToleranceSec: 300 }).verify(hs({ sub: 'u', exp: now() })))).toBe('expired');
  });

  it('refuses an nbf beyond the clock tolerance', () => {
    expect(reasonOf(() => hsAuth.verify(hs({ sub: 'u', nbf: now() + 120, exp: inAnHour() })))).toBe('not_yet_valid');
  });

  it('refuses a token without exp, and an exp that is not a number', () => {
    expect(reasonOf(() => hsAuth.verify(hs({ sub: 'u' })))).toBe('no_expiry');
    const stringExp = craft({ alg: 'HS256' }, { sub: 'u', exp: String(inAnHour()) }, hmac(SECRET));
    expect(reasonOf(() => hsAuth.verify(stringExp))).toBe('malformed');
  });

  it('refuses a wrong or missing audience when one is configured', () => {
    const a = auth({ secret: SECRET, audience: 'parley' });
    expect(reasonOf(() => a.verify(hs({ sub: 'u', aud: 'other', exp: inAnHour() })))).toBe('wrong_audience');
    expect(reasonOf(() => a.verify(hs({ sub: 'u', exp: inAnHour() })))).toBe('wrong_audience');
  });

  it('ignores aud and iss when none is configured', () => {
    expect(hsAuth.verify(hs({ sub: 'u', aud: 'anything', iss: 'anyone', exp: inAnHour() })).id).toBe('u');
  });

  it('refuses a wrong or missing issuer when one is configured', () => {
    const a = auth({ secret: SECRET, issuer: 'https://idp.example' });
    expect(reasonOf(() => a.verify(hs({ sub: 'u', iss: 'https://evil.example', exp: inAnHour() })))).toBe('wrong_issuer');
    expect(reasonOf(() => a.verify(hs({ sub: 'u', exp: inAnHour() })))).toBe('wrong_issuer');
  });

  it('refuses a token without sub', () => {
    expect(reasonOf(() => hsAuth.verify(hs({ name: 'x', exp: inAnHour() })))).toBe('no_subject');
    expect(reasonOf(() => hsAuth.verify(hs({ sub: '', exp: inAnHour() })))).toBe('no_subject');
  });

  it('refuses an over-long, non-string, unprintable or guest-namespaced sub', () => {
    expect(hsAuth.verify(hs({ sub: 's'.repeat(128), exp: inAnHour() })).id).toHaveLength(128);
    for (const sub of ['s'.repeat(129), 42, '   ', 'a\nb', 'guest:AAAAAAAAAAAAAAAAAAAAAA']) {
      expect(reasonOf(() => hsAuth.verify(hs({ sub, exp: inAnHour() })))).toBe('bad_subject');
    }
  });

  it('refuses a host token when only guests are configured', () => {
    const guestsOnly = auth({ guests: true, guestSecret: GUEST_SECRET });
    expect(reasonOf(() => guestsOnly.verify(hs({ sub: 'u', exp: inAnHour() })))).toBe('host_tokens_disabled');
  });

  it('reports the protocol error code', () => {
    expect(() => hsAuth.verify('x')).toThrow(expect.objectContaining({ code: ErrorCode.Unauthorized, reason: 'malformed' }));
  });
});

describe('guest tokens', () => {
  const both = auth({ secret: SECRET, guests: true, guestSecret: GUEST_SECRET, guestTtlSec: 600 });

  it('issues a guest token that verifies to the same identity', () => {
    const before = Date.now();
    const { token, identity } = both.issueGuest('  Visitor  ');
    expect(identity).toMatchObject({ name: 'Visitor', guest: true });
    expect(identity.id).toMatch(/^guest:[A-Za-z0-9_-]{22}$/);
    expect(identity.expiresAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 600_000);
    expect(identity.expiresAt).toBeLessThanOrEqual(Date.now() + 600_000);
    expect(both.verify(token)).toEqual(identity);
  });

  it('signs guest tokens HS256 with the guest issuer, a sub and an exp', () => {
    const { token } = both.issueGuest('Visitor');
    const decoded = jwt.decode(token, { complete: true });
    expect(decoded?.header.alg).toBe('HS256');
    expect(decoded?.payload).toMatchObject({ iss: GUEST_ISSUER, name: 'Visitor', sub: expect.stringMatching(/^guest:/), exp: expect.any(Number) });
    expect(() => jwt.verify(token, GUEST_SECRET, { algorithms: ['HS256'] })).not.toThrow();
  });

  it('gives every guest a fresh id', () => {
    expect(both.issueGuest('a').identity.id).not.toBe(both.issueGuest('a').identity.id);
  });

  it('refuses to issue when guests are disabled, or for a bad name', () => {
    expect(reasonOf(() => auth({ secret: SECRET }).issueGuest('Visitor'))).toBe('guests_disabled');
    expect(reasonOf(() => both.issueGuest('   '))).toBe('bad_name');
    expect(reasonOf(() => both.issueGuest('a\nb'))).toBe('bad_name');
  });

  it('refuses a guest token when guests are disabled', () => {
    const { token } = both.issueGuest('Visitor');
    const off = auth({ secret: SECRET, guestSecret: GUEST_SECRET });
    expect(reasonOf(() => off.verify(token))).toBe('guests_disabled');
  });

  it('refuses a guest token signed with a wrong secret', () => {
    const other = auth({ guests: true, guestSecret: 'other-guest-secret-0123456789abcdef-01' });
    expect(reasonOf(() => both.verify(other.issueGuest('Visitor').token))).toBe('bad_signature');
  });

  it('never accepts a host-signed token as a guest, nor a guest-signed token as a host', () => {
    const claimsGuest = hs({ iss: GUEST_ISSUER, sub: 'guest:AAAAAAAAAAAAAAAAAAAAAA', exp: inAnHour() });
    expect(reasonOf(() => both.verify(claimsGuest))).toBe('bad_signature');
    const guestSignedHost = hs({ sub: 'admin', exp: inAnHour() }, GUEST_SECRET);
    expect(reasonOf(() => both.verify(guestSignedHost))).toBe('bad_signature');
  });

  it('refuses alg:none and non-HS256 tokens claiming the guest issuer', () => {
    const none = craft({ alg: 'none' }, { iss: GUEST_ISSUER, sub: 'guest:AAAAAAAAAAAAAAAAAAAAAA', exp: inAnHour() }, () => '');
    expect(reasonOf(() => both.verify(none))).toBe('algorithm');
    const rs = jwt.sign({ iss: GUEST_ISSUER, sub: 'guest:x', exp: inAnHour() }, rsa.privateKey, { algorithm: 'RS256' });
    expect(reasonOf(() => both.verify(rs))).toBe('algorithm');
  });

  it('refuses an expired guest token', () => {
    const stale = jwt.sign({ iss: GUEST_ISSUER, sub: 'guest:AAAAAAAAAAAAAAAAAAAAAA', name: 'G', exp: now() - 60 }, GUEST_SECRET, { algorithm: 'HS256' });
    expect(reasonOf(() => both.verify(stale))).toBe('expired');
  });
});

describe('configuration errors at start-up', () => {
  it('rejects a public key that is not a valid PEM', () => {
    expect(configError({ publicKey: 'not a pem' })).toMatch(/publicKey must be a PEM/);
    expect(configError({ publicKey: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n' })).toMatch(/not a valid PEM public key/);
  });

  it('rejects a private key given as the public key', () => {
    expect(configError({ publicKey: rsa.privateKey })).toMatch(/private key/);
  });

  it('rejects keys too weak or of an unsupported type', () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024, publicKeyEncoding: spki, privateKeyEncoding: pkcs8 });
    expect(configError({ publicKey: small.publicKey })).toMatch(/1024-bit RSA key/);
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384', publicKeyEncoding: spki, privateKeyEncoding: pkcs8 });
    expect(configError({ publicKey: p384.publicKey })).toMatch(/P-256/);
    const ed = generateKeyPairSync('ed25519', { publicKeyEncoding: spki, privateKeyEncoding: pkcs8 });
    expect(configError({ publicKey: ed.publicKey })).toMatch(/ed25519 key/);
  });

  it('rejects an HS256 secret shorter than 32 bytes and says why', () => {
    expect(configError({ secret: 'short' })).toMatch(/secret is 5 bytes.*at least 32/);
    expect(configError({ secret: '' })).toMatch(/secret is 0 bytes/);
    expect(configError({ guests: true, guestSecret: 'x'.repeat(31) })).toMatch(/guestSecret is 31 bytes/);
  });

  it('rejects algorithms that do not match the keys', () => {
    expect(configError({ publicKey: ec.publicKey, algorithms: ['RS256'] })).toMatch(/lists RS256/);
    expect(configError({ publicKey: rsa.publicKey, algorithms: ['HS256'] })).toMatch(/lists HS256/);
    expect(configError({ secret: SECRET, publicKey: rsa.publicKey, algorithms: ['HS256'] })).toMatch(/publicKey needs RS256/);
    expect(configError({ secret: SECRET, algorithms: [] })).toMatch(/non-empty/);
    expect(configError({ secret: SECRET, algorithms: ['none' as 'HS256'] })).toMatch(/"none" is not supported/);
  });

  it('rejects a config nobody can sign in with', () => {
    expect(configError({})).toMatch(/nobody can sign in/);
  });

  it('keeps host and guest keys and issuers apart', () => {
    expect(configError({ secret: SECRET, guests: true, guestSecret: SECRET })).toMatch(/guestSecret must differ/);
    expect(configError({ secret: SECRET, issuer: GUEST_ISSUER })).toMatch(/reserved/);
  });

  it('rejects an out-of-range clock tolerance or guest lifetime', () => {
    expect(configError({ secret: SECRET, clockToleranceSec: -1 })).toMatch(/clockToleranceSec/);
    expect(configError({ secret: SECRET, guests: true, guestSecret: GUEST_SECRET, guestTtlSec: 0 })).toMatch(/guestTtlSec/);
  });
});

describe('validateDisplayName', () => {
  it('trims and accepts 1..64 UTF-16 code units', () => {
    expect(validateDisplayName('  Ada  ')).toBe('Ada');
    expect(validateDisplayName('x'.repeat(64))).toBe('x'.repeat(64));
    expect(validateDisplayName('😀'.repeat(32))).toBe('😀'.repeat(32));
    expect(validateDisplayName('👩‍💻 dev')).toBe('👩‍💻 dev');
  });

  it('rejects empty, too long, control characters, bidi overrides and non-strings', () => {
    for (const bad of ['', '   ', 'x'.repeat(65), '😀'.repeat(33), '😀'.repeat(64), 'a\nb', 'a\u0000', 'a\u202Eb', 'a\u2028b', 'a\uD800', 42, null, undefined]) {
      expect(validateDisplayName(bad)).toBeNull();
    }
  });
});
