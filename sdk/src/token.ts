// Where the `hello` token comes from: the `token` option, or `getToken()` when there is none, after
// the server said it expired (4002), and once after it was rejected (4001) before giving up.
import { ParleyError } from './errors.js';

export class TokenSource {
  private stale = false;
  private retried = false;

  constructor(
    private token: string | undefined,
    private readonly getToken: (() => string | Promise<string>) | undefined,
  ) {}

  /** The token for the next hello. Throws ParleyError `token_unavailable` when getToken fails. */
  async get(): Promise<string> {
    if (this.getToken && (this.stale || !this.token)) {
      let token: unknown;
      try {
        token = await this.getToken();
      } catch (err) {
        throw new ParleyError('token_unavailable', `getToken failed: ${(err as Error)?.message ?? err}`, { cause: err });
      }
      if (typeof token !== 'string' || !token) throw new ParleyError('token_unavailable', 'getToken returned no token');
      this.token = token;
      this.stale = false;
    }
    return this.token!;
  }

  /** The server closed with 4002: fetch a new token before the next attempt. */
  expired(): void {
    this.stale = true;
  }

  /** The token was rejected. True when a fresh one is worth one more try. */
  rejected(): boolean {
    if (!this.getToken || this.retried) return false;
    this.retried = true;
    this.stale = true;
    return true;
  }

  /** A handshake succeeded: a later rejection deserves its own retry. */
  accepted(): void {
    this.retried = false;
  }
}
