// Why a token or guest request was refused (AuthError: the stable wire code and a machine-readable
// reason for logs, close reasons and tests), and why an auth configuration cannot work (AuthConfigError).

/** Why {@link Authenticator.verify} or {@link Authenticator.issueGuest} refused. */
export type AuthReason =
  /** No token at all (undefined, null or ''). */
  | 'missing'
  /** Not a compact JWS, not JSON inside, too long, a claim of the wrong type, or an unknown `crit` header. */
  | 'malformed'
  /** The header's `alg` is not the one pinned for the key this token routes to (includes `none`). */
  | 'algorithm'
  | 'bad_signature'
  /** `exp` is past (the clock tolerance applies to `nbf` only). */
  | 'expired'
  /** `nbf` is in the future, beyond the clock tolerance. */
  | 'not_yet_valid'
  /** The token has no `exp`; tokens that never expire are not accepted. */
  | 'no_expiry'
  | 'wrong_audience'
  | 'wrong_issuer'
  | 'no_subject'
  /** `sub` is not a string, too long, has control characters, or uses the guest id namespace. */
  | 'bad_subject'
  /** A guest token was presented, or requested, while guests are off. */
  | 'guests_disabled'
  /** A host token was presented but no host key is configured (guests only). */
  | 'host_tokens_disabled'
  /** `issueGuest` got a name {@link validateDisplayName} rejects (HTTP 400, not 401). */
  | 'bad_name';

/**
 * A refused token. `code` is the protocol's `ErrorCode.Unauthorized`, kept as a literal so this
 * module does not depend on the protocol package; the message is safe to show to the client.
 */
export class AuthError extends Error {
  override readonly name = 'AuthError';
  readonly code = 'unauthorized' as const;
  readonly reason: AuthReason;

  constructor(reason: AuthReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

/** The AuthConfig field an {@link AuthConfigError} is about. */
export type AuthConfigField = 'secret' | 'publicKey' | 'algorithms' | 'audience' | 'issuer' | 'clockToleranceSec' | 'guests' | 'guestSecret' | 'guestTtlSec';

/**
 * An AuthConfig that cannot work (weak secret, wrong key type...), found when the Authenticator is
 * built. `field` names the setting to fix, so that the server can name its environment variable.
 */
export class AuthConfigError extends Error {
  override readonly name = 'AuthConfigError';

  constructor(
    readonly field: AuthConfigField,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
