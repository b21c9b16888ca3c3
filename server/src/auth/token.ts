// Reads a compact JWS and checks its signature with node:crypto: shape checks first, then the two
// claims that pick a key (header alg, payload iss), then the signature over the exact bytes received.
import { createHmac, timingSafeEqual, verify as verifySignature, type KeyObject } from 'node:crypto';
import type { HostAlgorithm } from './config.js';
import { AuthError } from './errors.js';

export type Claims = Record<string, unknown>;

/** Longest token accepted; real ones are well under 2 KB and this caps the work done on junk. */
export const MAX_TOKEN_CHARS = 8192;
const SEGMENT = /^[A-Za-z0-9_-]+$/;
const SIGNATURE = /^[A-Za-z0-9_-]*$/;

export function malformed(message: string): never {
  throw new AuthError('malformed', message);
}

function decodeSegment(segment: string): Claims {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    malformed('token is not a JWT');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) malformed('token is not a JWT');
  return value as Claims;
}

/** A token split and decoded, its signature not yet checked: nothing in it is trusted until {@link checkSignature} passed. */
export interface ParsedToken {
  alg: unknown;
  claims: Claims;
  /** `header.payload` as received: what the signature covers. */
  signed: string;
  signature: string;
}

/** Splits and decodes a token; throws AuthError `malformed` for anything that is not a compact JWS of two JSON objects. */
export function parse(token: string): ParsedToken {
  if (token.length > MAX_TOKEN_CHARS) malformed('token is too long');
  const first = token.indexOf('.');
  const second = first < 0 ? -1 : token.indexOf('.', first + 1);
  if (second < 0 || token.indexOf('.', second + 1) >= 0) malformed('token is not a JWT');
  const head = token.slice(0, first);
  const body = token.slice(first + 1, second);
  const signature = token.slice(second + 1);
  if (!SEGMENT.test(head) || !SEGMENT.test(body) || !SIGNATURE.test(signature)) malformed('token is not a JWT');
  const header = decodeSegment(head);
  // RFC 7515: a critical extension we do not implement must make the token invalid.
  if (header['crit'] !== undefined) malformed('token uses critical header extensions');
  return { alg: header['alg'], claims: decodeSegment(body), signed: token.slice(0, second), signature };
}

/**
 * Checks the signature with `key` under `alg`, the one algorithm configured for that key (the caller
 * has matched the header's alg to it). HS256 compares the base64url text of the MAC, so a signature
 * spelt another way (trailing bits of the last character) is refused; RS256 and ES256 (r‖s, RFC 7518
 * §3.4) verify the decoded bytes.
 */
export function checkSignature(token: ParsedToken, key: KeyObject, alg: HostAlgorithm): void {
  let valid: boolean;
  try {
    if (alg === 'HS256') {
      const expected = Buffer.from(createHmac('sha256', key).update(token.signed).digest('base64url'));
      const given = Buffer.from(token.signature);
      valid = given.length === expected.length && timingSafeEqual(given, expected);
    } else {
      const signature = Buffer.from(token.signature, 'base64url');
      const input = Buffer.from(token.signed);
      valid = alg === 'ES256'
        ? signature.length === 64 && verifySignature('sha256', input, { key, dsaEncoding: 'ieee-p1363' }, signature)
        : verifySignature('sha256', input, key, signature);
    }
  } catch (err) {
    throw new AuthError('bad_signature', 'token signature is invalid', { cause: err });
  }
  if (!valid) throw new AuthError('bad_signature', 'token signature is invalid');
}
