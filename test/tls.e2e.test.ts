// TLS served by the node itself (uWS SSLApp) with a certificate made at test time: SDK clients chat over
// wss://, HTTPS answers, and every misconfiguration stops start-up with a message that names the problem.
import { ChatClient } from '@parley/sdk';
import { configWith, ConfigError, silentLogger, startServer } from '@parley/server';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { startProcess } from './support/process.js';
import { startNode, TEST_SECRET, userToken, type TestNode } from './support/server.js';
import { httpsGet, opensslAvailable, selfSignedCert, trustingWebSocket, type TestCert } from './support/tls.js';

const available = opensslAvailable();

describe.skipIf(!available)('TLS (wss:// and https:// from the node)', () => {
  let cert: TestCert;
  let encrypted: TestCert;
  let other: TestCert;
  let node: TestNode;
  let wss: string;

  beforeAll(async () => {
    cert = selfSignedCert();
    encrypted = selfSignedCert('correct horse');
    other = selfSignedCert();
    node = await startNode('pglite', { tlsCert: cert.certFile, tlsKey: cert.keyFile });
    wss = `wss://localhost:${node.server.port}/ws`;
  });
  afterAll(async () => {
    await node?.destroy();
    for (const c of [cert, encrypted, other]) if (c) rmSync(c.dir, { recursive: true, force: true });
  });

  test('two SDK clients chat over wss://', async () => {
    expect(node.server.secure).toBe(true);
    const alice = new ChatClient({ url: wss, token: userToken('tls-alice'), WebSocket: trustingWebSocket(cert.ca) });
    const bob = new ChatClient({ url: wss, token: userToken('tls-bob'), WebSocket: trustingWebSocket(cert.ca) });
    try {
      await alice.connect();
      await bob.connect();
      const room = await alice.join('lobby');
      await bob.join('lobby');
      const received = new Promise<{ id: string }>((resolve) =>
        bob.on('message', ({ event }) => event.body === 'over TLS' && resolve(event)),
      );
      const ack = await room.send('over TLS');
      expect((await received).id).toBe(ack.id);
    } finally {
      await alice.close();
      await bob.close();
    }
  });

  test('HTTPS serves /healthz and /readyz', async () => {
    expect(await httpsGet(`https://localhost:${node.server.port}/healthz`, cert.ca)).toEqual({ status: 200, body: '{"ok":true}' });
    expect((await httpsGet(`https://127.0.0.1:${node.server.port}/readyz`, cert.ca)).status).toBe(200);
  });

  test('a client that does not trust the certificate is refused, and plain ws:// gets no WebSocket', async () => {
    const untrusting = new WebSocket(wss);
    await expect(new Promise((resolve, reject) => untrusting.once('open', resolve).once('error', reject))).rejects.toThrow(/self[- ]signed/i);
    const plain = new WebSocket(`ws://localhost:${node.server.port}/ws`);
    await expect(new Promise((resolve, reject) => plain.once('open', resolve).once('error', reject))).rejects.toThrow();
  });

  test('an encrypted key works with PARLEY_TLS_PASSPHRASE', async () => {
    const other = await startNode('pglite', { tlsCert: encrypted.certFile, tlsKey: encrypted.keyFile, tlsPassphrase: 'correct horse' });
    try {
      expect((await httpsGet(`https://localhost:${other.server.port}/healthz`, encrypted.ca)).status).toBe(200);
    } finally {
      await other.destroy();
    }
  });

  describe('start-up refuses a bad TLS configuration with a clear error', () => {
    const start = (tls: { tlsCert?: string; tlsKey?: string; tlsPassphrase?: string }) =>
      startServer(configWith({ host: '127.0.0.1', port: 0, jwtSecret: TEST_SECRET, dataDir: 'memory://', ...tls }), { log: silentLogger });

    test.each([
      ['a missing key file', () => ({ tlsCert: cert.certFile, tlsKey: join(cert.dir, 'missing.pem') }), /^PARLEY_TLS_KEY: cannot read .*missing\.pem: ENOENT$/],
      ['a missing certificate file', () => ({ tlsCert: join(cert.dir, 'nope.pem'), tlsKey: cert.keyFile }), /^PARLEY_TLS_CERT: cannot read .*nope\.pem: ENOENT$/],
      ['a certificate file that is not a certificate', () => ({ tlsCert: garbage(cert.dir), tlsKey: cert.keyFile }), /^PARLEY_TLS_CERT: .*garbage\.pem does not hold a PEM certificate/],
      ['the key given as the certificate', () => ({ tlsCert: cert.keyFile, tlsKey: cert.keyFile }), /^PARLEY_TLS_CERT: .*does not hold a PEM certificate/],
      ['the key of another certificate', () => ({ tlsCert: cert.certFile, tlsKey: other.keyFile }), /is not the private key of the certificate/],
      ['an encrypted key without passphrase', () => ({ tlsCert: encrypted.certFile, tlsKey: encrypted.keyFile }), /needs PARLEY_TLS_PASSPHRASE/],
      ['a wrong passphrase', () => ({ tlsCert: encrypted.certFile, tlsKey: encrypted.keyFile, tlsPassphrase: 'wrong' }), /passphrase is wrong/],
      ['a certificate without a key', () => ({ tlsCert: cert.certFile }), /must be set together/],
    ])('%s', async (_what, tls, message) => {
      const started = start(tls());
      await expect(started).rejects.toThrow(ConfigError);
      await expect(started).rejects.toThrow(message);
    });
  });

  test('the server process prints https/wss when TLS is on, and exits 2 with one clear line on a bad key', async () => {
    const base = { PARLEY_HOST: '127.0.0.1', PARLEY_PORT: '0', PARLEY_DATA_DIR: 'memory://', PARLEY_JWT_SECRET: TEST_SECRET };
    const ok = await startProcess({ ...base, PARLEY_TLS_CERT: cert.certFile, PARLEY_TLS_KEY: cert.keyFile });
    try {
      expect(ok.output()).toMatch(/Parley listening on https:\/\/127\.0\.0\.1:\d+ {2}\(WebSocket wss:\/\/127\.0\.0\.1:\d+\/ws/);
      expect((await httpsGet(`https://127.0.0.1:${ok.port}/healthz`, cert.ca)).status).toBe(200);
    } finally {
      expect(await ok.stop()).toBe(0);
    }
    const missing = join(cert.dir, 'absent-key.pem');
    await expect(startProcess({ ...base, PARLEY_TLS_CERT: cert.certFile, PARLEY_TLS_KEY: missing })).rejects.toThrow(
      `server exited with 2 before listening:\nparley: PARLEY_TLS_KEY: cannot read ${missing}: ENOENT\n`,
    );
  }, 60_000); // two process starts
});

function garbage(dir: string): string {
  const file = join(dir, 'garbage.pem');
  writeFileSync(file, '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n');
  return file;
}
