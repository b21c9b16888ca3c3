// Which address a request is attributed to: X-Forwarded-For counts only when a trusted proxy sent it.
import { describe, expect, test } from 'vitest';
import { clientIp, normaliseIp } from '../src/transport/client-ip.js';

const proxies = new Set(['10.0.0.5', '10.0.0.6']);

describe('clientIp', () => {
  test('without trusted proxies the peer is the client, whatever the header says', () => {
    expect(clientIp('203.0.113.9', '198.51.100.1', new Set())).toBe('203.0.113.9');
  });

  test('an untrusted peer cannot choose its address with X-Forwarded-For', () => {
    expect(clientIp('203.0.113.9', '198.51.100.1', proxies)).toBe('203.0.113.9');
  });

  test('a trusted proxy names the client: the right-most untrusted hop', () => {
    expect(clientIp('10.0.0.5', '198.51.100.1', proxies)).toBe('198.51.100.1');
    // The client wrote "1.2.3.4" itself; the proxy appended the address it saw.
    expect(clientIp('10.0.0.5', '1.2.3.4, 198.51.100.1', proxies)).toBe('198.51.100.1');
    // Two trusted proxies in a row are skipped.
    expect(clientIp('10.0.0.5', '198.51.100.1, 10.0.0.6', proxies)).toBe('198.51.100.1');
  });

  test('a trusted proxy without a usable header leaves the peer address', () => {
    expect(clientIp('10.0.0.5', '', proxies)).toBe('10.0.0.5');
    expect(clientIp('10.0.0.5', '198.51.100.1, not-an-ip', proxies)).toBe('10.0.0.5');
    expect(clientIp('10.0.0.5', '10.0.0.6', proxies)).toBe('10.0.0.5');
  });

  test('IPv4-mapped IPv6 peers match their IPv4 address', () => {
    expect(normaliseIp('0000:0000:0000:0000:0000:ffff:0a00:0005')).toBe('10.0.0.5'); // how uWS reports it on a `::` listener
    expect(normaliseIp('0000:0000:0000:0000:0000:ffff:7f00:0001')).toBe('127.0.0.1');
    expect(normaliseIp('0000:0000:0000:0000:0000:ffff:10.0.0.5')).toBe('10.0.0.5');
    expect(normaliseIp('::ffff:10.0.0.5')).toBe('10.0.0.5');
    expect(clientIp('::ffff:10.0.0.5', '198.51.100.1', proxies)).toBe('198.51.100.1');
    expect(normaliseIp('2001:DB8::1')).toBe('2001:db8::1');
  });
});
