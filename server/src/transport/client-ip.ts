// The client's address behind reverse proxies: a peer listed in PARLEY_TRUSTED_PROXIES may name the
// client in X-Forwarded-For; anyone else's header is ignored, so clients cannot pick their own address.
import { isIP } from 'node:net';

/** Lower-case, with IPv4-mapped IPv6 (`::ffff:10.0.0.1`, or uWS's `0000:…:ffff:0a00:0001` on a `::` listener) as plain IPv4. */
export function normaliseIp(ip: string): string {
  const dotted = /^(?:(?:0{1,4}:){5}|::)ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (dotted) return dotted[1]!;
  const hex = /^(?:(?:0{1,4}:){5}|::)ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(ip);
  if (hex) {
    const [hi, lo] = [parseInt(hex[1]!, 16), parseInt(hex[2]!, 16)];
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return ip.toLowerCase();
}

/**
 * The address to attribute a request to: the peer itself, unless the peer is a trusted proxy; then
 * the right-most X-Forwarded-For entry that is not a trusted proxy (proxies append, so entries left
 * of it were written by the client and prove nothing).
 */
export function clientIp(peer: string, forwardedFor: string, trusted: ReadonlySet<string>): string {
  const from = normaliseIp(peer);
  if (trusted.size === 0 || !trusted.has(from) || !forwardedFor) return from;
  const hops = forwardedFor.split(',');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = normaliseIp(hops[i]!.trim());
    if (!isIP(hop)) return from; // a malformed chain: trust nothing in it
    if (!trusted.has(hop)) return hop;
  }
  return from;
}
