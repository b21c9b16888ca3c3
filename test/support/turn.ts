// A coturn TURN server of our own (Debian package `coturn`), with the TURN REST API shared secret
// (`use-auth-secret`) Parley mints credentials from: on free ports of 127.0.0.1, its config, database
// and pid file in a temp directory, nothing written where only root may write.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './process.js';
import { waitForPort } from './services.js';

export const TURNSERVER = process.env.TURNSERVER_PATH ?? 'turnserver';

/** Whether coturn is installed; missing under CI is a failure, elsewhere a loud skip. */
export function coturnAvailable(): boolean {
  if (spawnSync(TURNSERVER, ['--help'], { stdio: 'ignore' }).error === undefined) return true;
  if (process.env.CI) throw new Error(`coturn is required in CI but ${TURNSERVER} is missing (apt-get install -y coturn)`);
  console.warn(`\n${'!'.repeat(78)}\n!! coturn (turnserver) not found: the TURN suites are SKIPPED.\n${'!'.repeat(78)}\n`);
  return false;
}

/** A UDP port nothing is bound to on 127.0.0.1 now, that is free for TCP too. */
async function freeUdpAndTcpPort(): Promise<number> {
  for (;;) {
    const port = await freePort();
    const free = await new Promise<boolean>((resolve) => {
      const s = createSocket('udp4');
      s.once('error', () => resolve(false));
      s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

export class PrivateTurn {
  readonly secret = `turn-secret-${process.pid}-${Date.now()}`;
  port = 0;
  private child: ChildProcess | undefined;
  private dir = '';
  /** What coturn logged, for a failing test's message. */
  log = '';

  /** `turn:` URL of the server, UDP. */
  get url(): string {
    return `turn:127.0.0.1:${this.port}?transport=udp`;
  }

  async start(): Promise<void> {
    this.port = await freeUdpAndTcpPort();
    this.dir = mkdtempSync(join(tmpdir(), 'parley-turn-'));
    // Relay ports: a range of 200 above a random base, so that parallel suites rarely meet.
    const base = 40_000 + Math.floor(Math.random() * 100) * 200;
    const config = [
      'listening-ip=127.0.0.1',
      'relay-ip=127.0.0.1',
      `listening-port=${this.port}`,
      `min-port=${base}`,
      `max-port=${base + 199}`,
      'use-auth-secret',
      `static-auth-secret=${this.secret}`,
      'realm=parley.test',
      'fingerprint',
      'no-tls',
      'no-dtls',
      'no-cli',
      // The test's browsers and relays are all on 127.0.0.1.
      'allow-loopback-peers',
      `pidfile=${join(this.dir, 'turnserver.pid')}`,
      `userdb=${join(this.dir, 'turndb')}`,
      'log-file=stdout',
      'simple-log',
    ].join('\n');
    writeFileSync(join(this.dir, 'turnserver.conf'), `${config}\n`);
    const child = spawn(TURNSERVER, ['-c', join(this.dir, 'turnserver.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout!.on('data', (b: Buffer) => (this.log += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (this.log += b.toString()));
    await waitForPort(this.port, 15_000);
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}
