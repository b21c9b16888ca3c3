// Which addresses user-named URLs may reach: every non-public range refused in each of its written
// forms, public ones let through, and the operator's allowlist as the only way around.
import { describe, expect, it } from 'vitest';
import { AddressGuard } from '../src/outbound/address-guard.js';
import { endpointResolves, subscriptionProblem } from '../src/outbound/web-push.js';

const REFUSED = [
  '0.0.0.0', '10.0.0.1', '10.255.255.255', '100.64.0.1', '100.127.255.254', '127.0.0.1', '127.1.2.3', '169.254.169.254',
  '172.16.0.1', '172.31.255.255', '192.0.0.8', '192.0.2.1', '192.168.1.1', '198.18.0.1', '198.51.100.7', '203.0.113.9',
  '224.0.0.1', '239.255.255.250', '240.0.0.1', '255.255.255.255',
  '::', '::1', '[::1]', '::ffff:127.0.0.1', '::ffff:7f00:1', '0:0:0:0:0:ffff:a00:1', '::ffff:169.254.169.254', '::127.0.0.1',
  'fc00::1', 'fd12:3456::1', 'fe80::1', 'fec0::1', 'ff02::1', '64:ff9b::a00:1', '2001:db8::1', '2002:7f00:1::1', '2001::1',
];
const PERMITTED = ['1.1.1.1', '8.8.8.8', '93.184.216.34', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '2a00:1450::1'];

describe('AddressGuard', () => {
  const guard = new AddressGuard();

  it.each(REFUSED)('refuses %s', (ip) => expect(guard.permits(ip)).toBe(false));
  it.each(PERMITTED)('permits %s', (ip) => expect(guard.permits(ip)).toBe(true));

  it('refuses what is not an address', () => {
    for (const s of ['', 'localhost', '127.0.0.1.nip.io', '1.2.3', '::g']) expect(guard.permits(s)).toBe(false);
  });

  it('lets the allowlist through, and only it', () => {
    const lab = new AddressGuard(['10.20.0.0/16', '127.0.0.1', 'fd00::/8']);
    expect(lab.permits('10.20.3.4')).toBe(true);
    expect(lab.permits('10.21.0.1')).toBe(false);
    expect(lab.permits('127.0.0.1')).toBe(true);
    expect(lab.permits('::ffff:127.0.0.1')).toBe(true);
    expect(lab.permits('127.0.0.2')).toBe(false);
    expect(lab.permits('fd00::5')).toBe(true);
    expect(lab.permits('fe80::1')).toBe(false);
    expect(lab.allowlisted('10.20.3.4')).toBe(true);
    expect(lab.allowlisted('8.8.8.8')).toBe(false);
  });

  it('refuses a name that resolves to loopback, and resolves nothing for it', async () => {
    await expect(guard.resolve('localhost')).rejects.toThrow(/localhost resolves to .*not a public address/);
    const answer = await new Promise<{ err: NodeJS.ErrnoException | null; address: unknown }>((resolve) =>
      guard.lookup('localhost', {}, (err, address) => resolve({ err, address })),
    );
    expect(answer.err?.code).toBe('EREFUSEDADDRESS');
    expect(answer.address).toBe('');
  });

  it('refuses a push endpoint by name when the name resolves inwards', async () => {
    expect(await endpointResolves('https://localhost/push', guard)).toMatch(/localhost resolves to 127\.0\.0\.1/);
    expect(await endpointResolves('https://localhost/push', new AddressGuard(['127.0.0.1']))).toBeUndefined();
    expect(await endpointResolves('https://push.invalid/x', guard)).toBeUndefined();
    expect(subscriptionProblem('https://[::1]/push', 'x', 'y', guard)).toMatch(/not a public address/);
  });

  it('rejects a bad allowlist entry', () => {
    expect(() => new AddressGuard(['not-an-ip'])).toThrow(/not an IP address/);
  });
});
