// Turns an AuthConfig into ready key objects, failing at start-up (with the fix in the message)
// rather than letting a weak or mismatched key surface as every user being refused.
import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { AuthConfigError, type AuthConfigField } from './errors.js';

export type HostAlgorithm = 'HS256' | 'RS256' | 'ES256';

export interface AuthConfig {
  /** HS256 shared secret for host-issued tokens, at least 32 bytes; undefined = none. */
  secret?: string;
  /** PEM public key (RSA ≥ 2048 bits → RS256, EC P-256 → ES256) for host-issued tokens. */
  publicKey?: string;
  /**
   * Accepted algorithms; default derived: ['HS256'] with secret, ['RS256'] or ['ES256'] from the key
   * type. Each must have its key and each key its algorithm. Never 'none'.
   */
  algorithms?: HostAlgorithm[];
  /** Required `aud` of host tokens; unchecked when undefined. */
  audience?: string;
  /** Required `iss` of host tokens; unchecked when undefined. */
  issuer?: string;
  /** Seconds of clock skew tolerated on `nbf` (not on `exp`, which is exact); default 30, at most 300. */
  clockToleranceSec?: number;
  /** Allow guest tokens (signed by this server). */
  guests: boolean;
  /** HS256 secret the server signs guest tokens with (must be shared by all nodes); ≥ 32 bytes when guests are on. */
  guestSecret: string;
  /** Guest token lifetime in seconds; default 86400. */
  guestTtlSec?: number;
}

/** `iss` of guest tokens; also how verify tells a guest token from a host one. */
export const GUEST_ISSUER = 'parley:guest';

export interface ResolvedAuth {
  /** Exactly one algorithm per key, so a token's `alg` picks the key and nothing else can. */
  hostKeys: Map<HostAlgorithm, KeyObject>;
  guestKey: KeyObject | null;
  audience: string | undefined;
  issuer: string | undefined;
  toleranceSec: number;
  guestTtlSec: number;
}

const SUPPORTED: readonly string[] = ['HS256', 'RS256', 'ES256'];
// 256 bits: a shorter HMAC secret can be brute-forced offline from any one token.
const MIN_SECRET_BYTES = 32;
const MIN_RSA_BITS = 2048;
const MAX_TOLERANCE_SEC = 300;

function fail(field: AuthConfigField, message: string, cause?: unknown): never {
  throw new AuthConfigError(field, `auth config: ${message}`, cause === undefined ? undefined : { cause });
}

function secretKey(secret: unknown, field: 'secret' | 'guestSecret'): KeyObject {
  if (typeof secret !== 'string') fail(field, `${field} must be a string`);
  const bytes = Buffer.byteLength(secret, 'utf8');
  if (bytes < MIN_SECRET_BYTES) {
    fail(field, `${field} is ${bytes} bytes; HS256 needs at least ${MIN_SECRET_BYTES} random bytes or it can be ` +
      `brute-forced from one token (generate one with: openssl rand -base64 48)`);
  }
  return createSecretKey(Buffer.from(secret, 'utf8'));
}

function publicKey(pem: unknown): [HostAlgorithm, KeyObject] {
  if (typeof pem !== 'string' || !pem.includes('-----BEGIN ')) fail('publicKey', 'publicKey must be a PEM string (-----BEGIN PUBLIC KEY-----)');
  // createPublicKey would happily derive a public key from it, leaving a signing key on the chat server.
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) fail('publicKey', 'publicKey is a private key; give the server only the public half (openssl pkey -pubout)');
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (err) {
    fail('publicKey', 'publicKey is not a valid PEM public key', err);
  }
  const type = key.asymmetricKeyType;
  if (type === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS) fail('publicKey', `publicKey is a ${bits}-bit RSA key; RS256 needs at least ${MIN_RSA_BITS} bits`);
    return ['RS256', key];
  }
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve !== 'prime256v1') fail('publicKey', `publicKey is an EC key on ${curve ?? 'an unknown curve'}; ES256 needs P-256 (prime256v1)`);
    return ['ES256', key];
  }
  return fail('publicKey', `publicKey is a ${type ?? 'unknown'} key; use RSA (RS256) or EC P-256 (ES256)`);
}

function seconds(value: unknown, field: 'clockToleranceSec' | 'guestTtlSec', fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) fail(field, `${field} must be a number of seconds in ${min}..${max}`);
  return value;
}

function optionalString(value: unknown, field: 'audience' | 'issuer'): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') fail(field, `${field} must be a non-empty string or left out`);
  return value;
}

/** Validates `config` and builds its keys; throws an Error saying what to fix. */
export function resolveAuthConfig(config: AuthConfig): ResolvedAuth {
  const hostKeys = new Map<HostAlgorithm, KeyObject>();
  if (config.secret !== undefined) hostKeys.set('HS256', secretKey(config.secret, 'secret'));
  if (config.publicKey !== undefined) hostKeys.set(...publicKey(config.publicKey));

  if (config.algorithms !== undefined) {
    const listed: unknown = config.algorithms;
    if (!Array.isArray(listed) || listed.length === 0) fail('algorithms', 'algorithms must be a non-empty list, or left out to follow the keys');
    for (const alg of listed) {
      if (typeof alg !== 'string' || !SUPPORTED.includes(alg)) fail('algorithms', `algorithm ${JSON.stringify(alg)} is not supported; use HS256, RS256 or ES256 (never none)`);
      if (!hostKeys.has(alg as HostAlgorithm)) fail('algorithms', `algorithms lists ${alg} but ${describeKeys(hostKeys)}`);
    }
    for (const alg of hostKeys.keys()) {
      if (!listed.includes(alg)) fail('algorithms', `${alg === 'HS256' ? 'secret' : 'publicKey'} needs ${alg}, which algorithms does not list`);
    }
  }

  let guestKey: KeyObject | null = null;
  if (config.guests) {
    guestKey = secretKey(config.guestSecret, 'guestSecret');
    if (config.secret === config.guestSecret) fail('guestSecret', 'guestSecret must differ from secret, or the host could sign tokens the guest key accepts');
  }
  if (hostKeys.size === 0 && guestKey === null) fail('guests', 'nobody can sign in: set secret or publicKey for host tokens, or enable guests');

  const issuer = optionalString(config.issuer, 'issuer');
  if (issuer === GUEST_ISSUER) fail('issuer', `issuer ${GUEST_ISSUER} is reserved for guest tokens`);
  return {
    hostKeys,
    guestKey,
    audience: optionalString(config.audience, 'audience'),
    issuer,
    toleranceSec: seconds(config.clockToleranceSec, 'clockToleranceSec', 30, 0, MAX_TOLERANCE_SEC),
    guestTtlSec: seconds(config.guestTtlSec, 'guestTtlSec', 86_400, 60, 365 * 86_400),
  };
}

function describeKeys(keys: Map<HostAlgorithm, KeyObject>): string {
  if (keys.size === 0) return 'neither secret nor publicKey is set';
  return `the configured keys only support ${[...keys.keys()].join(', ')}`;
}
