// Request failures as protocol error codes: handlers throw RequestError; everything else is mapped here.
import { ErrorCode } from '@parley/sdk/protocol';
import { RoomNotFoundError, StoreUnavailableError } from '../store/store.js';

export class RequestError extends Error {
  override readonly name = 'RequestError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly retryAfter?: number,
    /** Why, as a word a client can show in its own language (`muted`, `slow`, `banned`...: moderation, protocol §22.2). */
    readonly reason?: string,
  ) {
    super(message);
  }
}

export const forbidden = (message: string) => new RequestError(ErrorCode.Forbidden, message);
export const notFound = (message: string) => new RequestError(ErrorCode.NotFound, message);
export const badRequest = (message: string) => new RequestError(ErrorCode.BadFrame, message);

/** Maps any thrown value to the error frame fields; `internal` for the unexpected (which the caller logs). */
export function describeFailure(err: unknown): { code: ErrorCode; message: string; retryAfter?: number; reason?: string; unexpected: boolean } {
  if (err instanceof RequestError) return { code: err.code, message: err.message, retryAfter: err.retryAfter, reason: err.reason, unexpected: false };
  if (err instanceof StoreUnavailableError) {
    // The database may have committed a write before the connection to it broke: no one can tell.
    const message = 'storage unavailable; a write may or may not have been stored: retry later (a send with the same cid)';
    return { code: ErrorCode.Unavailable, message, unexpected: false };
  }
  if (err instanceof RoomNotFoundError) return { code: ErrorCode.NotFound, message: 'no such room', unexpected: false };
  return { code: ErrorCode.Internal, message: 'internal error', unexpected: true };
}
