// Reads a compact JWS before anything about it is trusted: shape checks and the two claims that
// pick a key (header alg, payload iss).
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

/**
 * Reads header and payload WITHOUT checking the signature: only to choose which key verifies it.
 * Nothing read here is trusted.
 */
export function peek(token: string): { alg: unknown; iss: unknown } {
  if (token.length > MAX_TOKEN_CHARS) malformed('token is too long');
  const parts = token.split('.');
  if (parts.length !== 3) malformed('token is not a JWT');
  const [head = '', body = '', signature = ''] = parts;
  if (!SEGMENT.test(head) || !SEGMENT.test(body) || !SIGNATURE.test(signature)) malformed('token is not a JWT');
  const header = decodeSegment(head);
  // RFC 7515: a critical extension we do not implement must make the token invalid.
  if (header['crit'] !== undefined) malformed('token uses critical header extensions');
  return { alg: header['alg'], iss: decodeSegment(body)['iss'] };
}
