// Graceful drain of the real server process on SIGTERM: /readyz fails first while the node still
// serves for PARLEY_DRAIN_DELAY_MS, then sockets close with 4007 and the process exits 0; every log
// line on the way is one JSON object.
import { CloseCode, Op } from '@parley/sdk/protocol';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { startProcess } from './support/process.js';
import { RawClient } from './support/raw-client.js';
import { GUEST_SECRET, TEST_SECRET, userToken } from './support/server.js';

const DRAIN_DELAY_MS = 3000;

describe('SIGTERM drain of the server process', () => {
  test('readiness fails at once, the node keeps serving through the delay, then closes sockets with 4007 and exits 0', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-drain-'));
    const server = await startProcess({
      PARLEY_HOST: '127.0.0.1',
      PARLEY_PORT: '0',
      PARLEY_DATA_DIR: dataDir,
      PARLEY_JWT_SECRET: TEST_SECRET,
      PARLEY_GUEST_SECRET: GUEST_SECRET,
      PARLEY_DRAIN_DELAY_MS: String(DRAIN_DELAY_MS),
      PARLEY_LOG_LEVEL: 'info',
    });
    const http = `http://127.0.0.1:${server.port}`;
    const ws = `ws://127.0.0.1:${server.port}/ws`;
    try {
      const raw = await RawClient.signedIn(ws, userToken('drainee'));
      await raw.ok({ t: Op.Join, room: 'lobby' });
      expect((await fetch(`${http}/readyz`)).status).toBe(200);

      server.child.kill('SIGTERM');
      let readiness: { status: number; body: unknown } | undefined;
      for (let i = 0; i < 100 && readiness?.status !== 503; i++) {
        const res = await fetch(`${http}/readyz`);
        readiness = { status: res.status, body: await res.json() };
      }
      expect(readiness).toMatchObject({ status: 503, body: { ready: false, reason: 'draining' } });
      // Still serving: the open socket's send is stored, and a late client may still connect.
      const ack = await raw.ok({ t: Op.Send, room: 'lobby', cid: 'during-drain', body: 'still here' });
      expect(ack.duplicate).toBe(false);
      const late = await RawClient.signedIn(ws, userToken('straggler'));
      expect((await fetch(`${http}/healthz`)).status).toBe(200);

      expect(await server.stop()).toBe(0);
      expect((await raw.closed).code).toBe(CloseCode.Reconnect);
      expect((await late.closed).code).toBe(CloseCode.Reconnect);

      const jsonLines = server
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      for (const line of jsonLines) {
        expect(line, JSON.stringify(line)).toMatchObject({ level: expect.any(String), msg: expect.any(String), pid: server.child.pid, hostname: expect.any(String) });
        expect(new Date(line.time as string).toISOString()).toBe(line.time);
      }
      expect(jsonLines).toContainEqual(expect.objectContaining({ level: 'info', msg: 'listening', port: server.port, tls: false, store: 'pglite', broker: 'local' }));
      expect(jsonLines).toContainEqual(expect.objectContaining({ level: 'info', msg: 'draining', signal: 'SIGTERM', drainDelayMs: DRAIN_DELAY_MS }));
      expect(jsonLines.at(-1)).toMatchObject({ level: 'info', msg: 'stopped', signal: 'SIGTERM' });
    } finally {
      if (server.child.exitCode === null) server.child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000); // a process start on a busy machine can take seconds
});
