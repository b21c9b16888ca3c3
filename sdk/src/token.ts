// Where the `hello` token comes from: the `token` option, or `getToken()` when there is none, after
// the server said it expired (4002), and once after it was rejected (4001) before giving up.

export class TokenSource {
  private stale = false;
  private retried = false;

  constructor(
    private token: string | undefined,
    private readonly getToken: (() => string | Promise<string>) | undefined,
  ) {}

  async get(): Promise<string> {
    if (this.getToken && (this.stale || !this.token)) {
      const token = await this.getToken();
      if (typeof token !== 'string' || !token) throw new TypeError('getToken returned no token');
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
