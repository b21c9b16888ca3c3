// Token verification and guest tokens; the implementation lives in ./auth/. This file is the
// module's public surface, so callers import from '../auth.js' and never from its parts.
export { Authenticator } from './auth/authenticator.js';
export { MAX_TOKEN_CHARS } from './auth/token.js';
export { GUEST_ISSUER, resolveAuthConfig } from './auth/config.js';
export { AuthError, AuthConfigError } from './auth/errors.js';
export { MAX_NAME_CHARS, validateDisplayName } from './auth/name.js';
export type { Identity } from './auth/authenticator.js';
export type { AuthConfig, HostAlgorithm } from './auth/config.js';
export type { AuthReason, AuthConfigField } from './auth/errors.js';
