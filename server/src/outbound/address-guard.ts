// Which addresses the server may connect to when a user names the URL (link previews, push endpoints):
// public unicast only, unless the operator's allowlist says otherwise. Names are resolved here and the
// connection goes to the address that was checked, so a name cannot resolve to a public address for
// the check and to a private one for the connection (DNS rebinding).
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/** Addresses that are not the public Internet: private, loopback, link-local, CGNAT, multicast, reserved. */
const PRIVATE = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15],
  ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) PRIVATE.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  // ::/96 holds :: and ::1 and the old IPv4-compatible forms; the IPv4-mapped ones are unwrapped first.
  ['::', 96], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['100::', 64], ['2001::', 23], ['2001:db8::', 32], ['2002::', 16],
  ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
] as const) PRIVATE.addSubnet(net, bits, 'ipv6');

export class RefusedAddressError extends Error {
  override readonly name = 'RefusedAddressError';
}

export class AddressGuard {
  private readonly allowed = new BlockList();
  private readonly anyAllowed: boolean;

  /** `allow`: addresses or CIDR ranges (`10.1.0.0/16`, `::1`) the operator lets through anyway. */
  constructor(allow: readonly string[] = []) {
    for (const entry of allow) {
      const [ip, bits] = entry.split('/') as [string, string | undefined];
      const family = isIP(ip);
      if (family === 0) throw new Error(`"${entry}" is not an IP address or CIDR range`);
      const type = family === 4 ? 'ipv4' : 'ipv6';
      if (bits === undefined) this.allowed.addAddress(ip, type);
      else this.allowed.addSubnet(ip, Number(bits), type);
    }
    this.anyAllowed = allow.length > 0;
  }

  /** Whether `ip` (a literal, IPv6 with or without brackets) may be connected to. */
  permits(ip: string): boolean {
    const bare = ip.startsWith('[') ? ip.slice(1, -1) : ip;
    const family = isIP(bare);
    if (family === 0) return false;
    const v4 = family === 6 ? mappedV4(bare) : bare;
    if (v4 !== undefined) return this.isAllowed(v4, 'ipv4') || !PRIVATE.check(v4, 'ipv4');
    return this.isAllowed(bare, 'ipv6') || !PRIVATE.check(bare, 'ipv6');
  }

  /** Whether the operator allowlisted `ip` (then any port is fine too). */
  allowlisted(ip: string): boolean {
    const bare = ip.startsWith('[') ? ip.slice(1, -1) : ip;
    const v4 = isIP(bare) === 6 ? mappedV4(bare) : undefined;
    return v4 !== undefined ? this.isAllowed(v4, 'ipv4') : this.isAllowed(bare, isIP(bare) === 4 ? 'ipv4' : 'ipv6');
  }

  /**
   * A `lookup` for net/tls/http: resolves the name, refuses it when any of its addresses is not
   * permitted (one bad answer is enough to be suspicious), and hands back only checked addresses.
   */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    this.resolveChecked(hostname, options.family === 'IPv6' || options.family === 6 ? 6 : options.family === 'IPv4' || options.family === 4 ? 4 : 0, (err, addresses) => {
      if (err) return callback(err, '', 4);
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };

  /** The addresses of `hostname`, all permitted; rejects (RefusedAddressError) when any is not. */
  resolve(hostname: string): Promise<string[]> {
    return new Promise((resolve, reject) => this.resolveChecked(hostname, 0, (err, a) => (err ? reject(err) : resolve(a.map((x) => x.address)))));
  }

  private resolveChecked(hostname: string, family: number, done: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void): void {
    dnsLookup(hostname, { all: true, family }, (err, addresses) => {
      if (err) return done(err, []);
      const refused = addresses.find((a) => !this.permits(a.address));
      if (refused || addresses.length === 0) {
        const error = new RefusedAddressError(`${hostname} resolves to ${refused?.address ?? 'nothing'}, which is not a public address`) as NodeJS.ErrnoException;
        error.code = 'EREFUSEDADDRESS';
        return done(error, []);
      }
      done(null, addresses);
    });
  }

  private isAllowed(ip: string, type: 'ipv4' | 'ipv6'): boolean {
    return this.anyAllowed && this.allowed.check(ip, type);
  }
}

/** The IPv4 address inside an IPv4-mapped IPv6 one (`::ffff:127.0.0.1`, `::ffff:7f00:1`), else undefined. */
function mappedV4(ip: string): string | undefined {
  // The URL parser writes every IPv6 form the same way: ::ffff:7f00:1.
  const canonical = new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  const m = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (!m) return undefined;
  const hi = parseInt(m[1]!, 16);
  const lo = parseInt(m[2]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}
