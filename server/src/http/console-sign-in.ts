// The admin console's one-click sign-in on a development server (ADR 0023). A server that runs with
// its default development settings (no JWT key, no PARLEY_ADMIN_TOKEN) has no other way to make an
// admin; this hands one, short-lived and kept in this node's memory, to a browser page on this
// machine's loopback interface only.
import { createHash, randomBytes } from 'node:crypto';
import type { Config } from '../config.js';

/** How long a console session lasts. */
export const CONSOLE_SESSION_MS = 8 * 3600_000;
/** Sessions kept at once; the oldest is forgotten first. */
const MAX_SESSIONS = 64;
const LOOPBACK_IP = /^(127(\.\d{1,3}){3}|::1|::ffff:127(\.\d{1,3}){3})$/;

/** True when this configuration is the development default the one-click sign-in is for. */
export function devSignInConfigured(config: Pick<Config, 'jwtSecret' | 'jwtPublicKey' | 'adminToken'>): boolean {
  return config.jwtSecret === undefined && config.jwtPublicKey === undefined && config.adminToken === undefined;
}

export class ConsoleSessions {
  /** Digest of the token → when it expires (ms epoch). Tokens themselves are never kept. */
  private readonly sessions = new Map<string, number>();

  constructor(
    private readonly enabled: boolean,
    /** True when `origin` is a page of this server on the loopback interface (transport/own-origin.ts). */
    private readonly ownOrigin: (origin: string) => boolean,
  ) {}

  get available(): boolean {
    return this.enabled;
  }

  /**
   * A new session token for a request from this machine, made by one of this server's own pages on
   * the loopback interface; otherwise why not. A page on another site (or a DNS-rebinding name for
   * 127.0.0.1) has another origin, so it cannot have one made for it.
   */
  issue(req: { ip: string; origin: string }): { token: string; expiresAt: number } | string {
    if (!this.enabled) return 'one-click sign-in is only for a development server (no JWT key, no PARLEY_ADMIN_TOKEN): paste an admin token';
    if (!LOOPBACK_IP.test(req.ip) || !req.origin || !this.ownOrigin(req.origin)) return 'one-click sign-in is only for a browser on the server\'s own machine, on its own page';
    const token = `pcs_${randomBytes(24).toString('base64url')}`;
    const expiresAt = Date.now() + CONSOLE_SESSION_MS;
    if (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    this.sessions.set(digest(token), expiresAt);
    return { token, expiresAt };
  }

  valid(token: string): boolean {
    const key = digest(token);
    const until = this.sessions.get(key);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.sessions.delete(key);
    return false;
  }

  revoke(token: string): void {
    this.sessions.delete(digest(token));
  }
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
