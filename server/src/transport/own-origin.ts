// Which browser origins are the server's own pages (the demo page, a site served beside it), so that
// they may connect whatever PARLEY_ORIGINS says. Decided from configuration, never from the request's
// Host header: a DNS-rebinding page controls the name it reaches the server by, so Host proves nothing.

const LOOPBACK_HOSTS = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

export class OwnOrigins {
  private readonly configured: ReadonlySet<string>;

  /** `publicUrls`: the URLs browsers reach this server at (already validated by the configuration). */
  constructor(publicUrls: readonly string[]) {
    this.configured = new Set(publicUrls.map((url) => new URL(url).origin));
  }

  /**
   * True when `origin` is one of the configured public URLs' origins; with none configured, when it is
   * a page on this machine's loopback interface at the port this server listens on (`npm start` and
   * the demo page at http://localhost:8080). `secure` is whether the server speaks https.
   */
  includes(origin: string, port: number, secure: boolean): boolean {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false;
    }
    if (this.configured.size > 0) return this.configured.has(url.origin);
    const scheme = secure ? 'https:' : 'http:';
    const urlPort = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
    return url.protocol === scheme && urlPort === port && LOOPBACK_HOSTS.test(url.hostname);
  }
}
