// ICE servers for one call: STUN as configured, TURN with credentials minted for it by the TURN REST
// API scheme (coturn `use-auth-secret`): username `<expiry>:<user>`, password HMAC-SHA1(secret, username).
import type { IceServer } from '@parley/sdk/protocol';
import { createHmac } from 'node:crypto';

export interface IceConfig {
  stunUrls: readonly string[];
  turnUrls: readonly string[];
  turnSecret: string | undefined;
  /** Seconds the credentials stay valid. */
  turnTtl: number;
}

/** The TURN REST API credential for `username`: base64 HMAC-SHA1 keyed with the shared secret. */
export function turnCredential(secret: string, username: string): string {
  return createHmac('sha1', secret).update(username).digest('base64');
}

/** The servers for `user`'s connection to a call, and when its TURN credentials expire (ms epoch). */
export function iceFor(config: IceConfig, user: string, now = Date.now()): { ice: IceServer[]; iceExpires?: number } {
  const ice: IceServer[] = [];
  if (config.stunUrls.length > 0) ice.push({ urls: [...config.stunUrls] });
  if (config.turnUrls.length === 0 || !config.turnSecret) return { ice };
  const expires = Math.floor(now / 1000) + config.turnTtl;
  const username = `${expires}:${user}`;
  ice.push({ urls: [...config.turnUrls], username, credential: turnCredential(config.turnSecret, username) });
  return { ice, iceExpires: expires * 1000 };
}
