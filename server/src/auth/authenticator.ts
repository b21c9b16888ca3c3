// Verifies host-issued and guest JWTs on the connect path (node:crypto, see token.ts) and signs guest tokens.
import { randomBytes, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { GUEST_ISSUER, resolveAuthConfig, type AuthConfig, type HostAlgorithm } from './config.js';
import { AuthError } from './errors.js';
import { hasUnprintable, sanitiseName, validateDisplayName } from './name.js';
import { checkSignature, malformed, parse, type Claims, type ParsedToken } from './token.js';

const MAX_SUBJECT_CHARS = 128;
const GUEST_ID_PREFIX = 'guest:';
/** Bot accounts' ids (ADR 0017): no host token may claim one. */
const BOT_ID_PREFIX = 'bot:';
const GUEST_ID = /^guest:[A-Za-z0-9_-]{22}$/;

/** Who a verified token speaks for. */
export interface Identity {
  /** `sub` of a host token, or `guest:<random>` for a guest. */
  id: string;
  name: string;
  guest: boolean;
  /**
   * ms epoch when the token expires (its `exp`): verify() refuses it from then on, and a connection
   * signed in with it is closed before then, so that nothing reaches it after `exp`.
   */
  expiresAt: number;
  /** A host token with the claim `"parley_admin": true`: a server admin (moderates every room). Never a guest. */
  admin: boolean;
}

export class Authenticator {
  readonly #hostKeys: Map<HostAlgorithm, KeyObject>;
  readonly #guestKey: KeyObject | null;
  readonly #audience: string | undefined;
  readonly #issuer: string | undefined;
  readonly #toleranceSec: number;
  readonly #guestTtlSec: number;

  /** Throws an Error explaining what to fix when the config cannot work (bad PEM, weak secret...). */
  constructor(config: AuthConfig) {
    const resolved = resolveAuthConfig(config);
    this.#hostKeys = resolved.hostKeys;
    this.#guestKey = resolved.guestKey;
    this.#audience = resolved.audience;
    this.#issuer = resolved.issuer;
    this.#toleranceSec = resolved.toleranceSec;
    this.#guestTtlSec = resolved.guestTtlSec;
  }

  /** Whether {@link issueGuest} can succeed. */
  get guests(): boolean {
    return this.#guestKey !== null;
  }

  /** Verifies a host or guest token; throws {@link AuthError} with the reason it was refused. */
  verify(token: unknown): Identity {
    if (token === undefined || token === null || token === '') throw new AuthError('missing', 'no token');
    if (typeof token !== 'string') malformed('token must be a string');
    const parsed = parse(token);
    // Routing on the unverified iss is safe because each route accepts only its own key and
    // algorithm: claiming the other issuer just sends the token to a key that did not sign it.
    if (parsed.claims['iss'] === GUEST_ISSUER) return this.#verifyGuest(parsed);
    return this.#verifyHost(parsed);
  }

  /**
   * Signs a guest token for `name`. Throws AuthError `guests_disabled` (HTTP 403) when guests are
   * off and `bad_name` (HTTP 400) when {@link validateDisplayName} rejects the name.
   */
  issueGuest(name: string): { token: string; identity: Identity } {
    if (this.#guestKey === null) throw new AuthError('guests_disabled', 'guest access is disabled');
    const clean = validateDisplayName(name);
    if (clean === null) throw new AuthError('bad_name', 'name must be 1 to 64 UTF-16 code units (an emoji counts 2) without control characters');
    const iat = Math.floor(Date.now() / 1000);
    const exp = iat + Math.floor(this.#guestTtlSec);
    const id = GUEST_ID_PREFIX + randomBytes(16).toString('base64url');
    const token = jwt.sign({ iss: GUEST_ISSUER, sub: id, name: clean, iat, exp }, this.#guestKey, { algorithm: 'HS256' });
    return { token, identity: this.#identity(id, clean, true, exp) };
  }

  #verifyGuest(token: ParsedToken): Identity {
    if (this.#guestKey === null) throw new AuthError('guests_disabled', 'guest access is disabled');
    if (token.alg !== 'HS256') throw new AuthError('algorithm', 'token algorithm is not accepted');
    checkSignature(token, this.#guestKey, 'HS256');
    const { claims } = token;
    const exp = this.#checkTimes(claims);
    const sub = claims['sub'];
    if (typeof sub !== 'string' || !GUEST_ID.test(sub)) throw new AuthError('bad_subject', 'guest token has no guest id');
    // The name was validated when issued; sanitising again only matters if the rules tighten.
    return this.#identity(sub, sanitiseName(claims['name']) ?? 'Guest', true, exp);
  }

  #verifyHost(token: ParsedToken): Identity {
    if (this.#hostKeys.size === 0) throw new AuthError('host_tokens_disabled', 'this server only accepts guest tokens');
    const { alg, claims } = token;
    const key = typeof alg === 'string' ? this.#hostKeys.get(alg as HostAlgorithm) : undefined;
    // This is what stops alg:none and HS256-signed-with-the-public-key: alg must match a configured key.
    if (key === undefined) throw new AuthError('algorithm', 'token algorithm is not accepted');
    // Pinned to the one algorithm of this key. Time claims are checked by #checkTimes, each failure with its own reason.
    checkSignature(token, key, alg as HostAlgorithm);
    const exp = this.#checkTimes(claims);
    if (this.#audience !== undefined) {
      const aud = claims['aud'];
      if (aud !== this.#audience && !(Array.isArray(aud) && aud.includes(this.#audience))) {
        throw new AuthError('wrong_audience', 'token is for another audience');
      }
    }
    if (this.#issuer !== undefined && claims['iss'] !== this.#issuer) throw new AuthError('wrong_issuer', 'token is from another issuer');
    const sub = checkHostSubject(claims['sub']);
    const name = sanitiseName(claims['name']) ?? sanitiseName(claims['preferred_username']) ?? sanitiseName(sub) ?? sub;
    return { ...this.#identity(sub, name, false, exp), admin: claims['parley_admin'] === true };
  }

  /**
   * Returns `exp`; a token without one would be valid forever, so it is refused. The clock tolerance
   * applies to `nbf` only: `exp` is when the host said the token stops working, and it is kept to
   * the second (an open connection is closed then too).
   */
  #checkTimes(claims: Claims): number {
    const { exp, nbf } = claims;
    if (exp === undefined) throw new AuthError('no_expiry', 'token has no expiry');
    if (typeof exp !== 'number' || !Number.isFinite(exp)) malformed('token exp is not a number');
    if (nbf !== undefined && (typeof nbf !== 'number' || !Number.isFinite(nbf))) malformed('token nbf is not a number');
    const now = Date.now() / 1000;
    if (now >= exp) throw new AuthError('expired', 'token has expired');
    if (nbf !== undefined && nbf > now + this.#toleranceSec) throw new AuthError('not_yet_valid', 'token is not valid yet');
    return exp;
  }

  #identity(id: string, name: string, guest: boolean, exp: number): Identity {
    return { id, name, guest, expiresAt: Math.floor(exp * 1000), admin: false };
  }
}

/** Host user ids end up in frames, logs and DM ids; the guest and bot prefixes are kept for guests and bots only. */
function checkHostSubject(sub: unknown): string {
  if (sub === undefined || sub === null || sub === '') throw new AuthError('no_subject', 'token has no subject');
  if (typeof sub !== 'string' || sub.length > MAX_SUBJECT_CHARS || sub.trim() === '' || hasUnprintable(sub) || sub.startsWith(GUEST_ID_PREFIX) || sub.startsWith(BOT_ID_PREFIX)) {
    throw new AuthError('bad_subject', `token subject must be 1 to ${MAX_SUBJECT_CHARS} printable characters`);
  }
  return sub;
}
