// docs/nginx/parley.conf, run for real: nginx terminates TLS and spreads WebSockets over two nodes
// (Redis fan-out, PostgreSQL history, no sticky sessions). Clients through nginx chat with a client
// connected straight to a node, and a node drained mid-session hands its clients to the other.
import { ChatClient } from '@parley/sdk';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { freePort } from './support/process.js';
import { scrape } from './support/prometheus.js';
import { REDIS_URL, redisAvailable, uniquePrefix } from './support/redis.js';
import { dropStorage, freshStorage, postgresAvailable, startNode, userToken, type TestNode } from './support/server.js';
import { waitForPort } from './support/services.js';
import { until } from './support/until.js';
import { httpsGet, opensslAvailable, selfSignedCert, trustingWebSocket, type TestCert } from './support/tls.js';

const CONF = new URL('../docs/nginx/parley.conf', import.meta.url);
// Debian installs nginx in /usr/sbin, which is not on every user's PATH.
const NGINX = process.env.NGINX_PATH ?? (existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx');

function nginxAvailable(): boolean {
  if (spawnSync(NGINX, ['-v']).status === 0) return true;
  if (process.env.CI) throw new Error(`nginx is required in CI but "${NGINX}" does not run (apt-get install -y nginx)`);
  console.warn(`\n${'!'.repeat(78)}\n!! nginx not found ("${NGINX}"): the nginx suite is SKIPPED (apt-get install -y nginx).\n${'!'.repeat(78)}\n`);
  return false;
}

const available = nginxAvailable() && opensslAvailable() && (await postgresAvailable()) && (await redisAvailable());

/** Replaces `from` (which must occur exactly once, or the documented file drifted from this test) with `to`. */
function substitute(text: string, from: string | RegExp, to: string): string {
  const count = text.split(from).length - 1;
  if (count !== 1) throw new Error(`docs/nginx/parley.conf: expected one ${String(from)}, found ${count}`);
  return text.replace(from, to);
}

/** The documented site configuration with this test's ports and certificate. */
function siteConfig(nodes: number[], httpsPort: number, httpPort: number, cert: TestCert): string {
  let conf = readFileSync(CONF, 'utf8');
  conf = substitute(conf, 'server 127.0.0.1:8080 ', `server 127.0.0.1:${nodes[0]} `);
  conf = substitute(conf, 'server 127.0.0.1:8081 ', `server 127.0.0.1:${nodes[1]} `);
  conf = substitute(conf, 'listen 443 ssl;', `listen 127.0.0.1:${httpsPort} ssl;`);
  conf = substitute(conf, 'listen 80;', `listen 127.0.0.1:${httpPort};`);
  conf = substitute(conf, /ssl_certificate +\S+;/, `ssl_certificate ${cert.certFile};`);
  conf = substitute(conf, /ssl_certificate_key +\S+;/, `ssl_certificate_key ${cert.keyFile};`);
  return conf;
}

/** A minimal main configuration around the site file, everything under `dir`. */
function mainConfig(dir: string): string {
  const asRoot = process.getuid?.() === 0 ? 'user root;\n' : ''; // workers may then read the temp dir
  return `${asRoot}worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  include ${dir}/parley.conf;
}
`;
}

describe.skipIf(!available)('nginx in front of two nodes (docs/nginx/parley.conf)', () => {
  const storage = freshStorage('postgres');
  const cluster = { redisUrl: REDIS_URL, redisPrefix: uniquePrefix(), presenceTtlMs: 2000, catchUpMs: 200 };
  let cert: TestCert;
  let dir: string;
  let nginx: ChildProcess;
  let nodes: TestNode[];
  let wss: string;
  let https: string;
  let httpPort: number;
  const clients: ChatClient[] = [];
  const client = (sub: string, url: string) => {
    const c = new ChatClient({ url, token: userToken(sub), WebSocket: url.startsWith('wss:') ? trustingWebSocket(cert.ca) : WebSocket, reconnect: { minDelayMs: 50, maxDelayMs: 300 } });
    clients.push(c);
    return c;
  };
  const connectionsOf = async (node: TestNode) => (await scrape(`${node.http}/metrics`)).value('parley_connections')!;

  beforeAll(async () => {
    cert = selfSignedCert();
    dir = mkdtempSync(join(tmpdir(), 'parley-nginx-'));
    nodes = [await startNode('postgres', { ...cluster, drainDelayMs: 300 }, storage), await startNode('postgres', cluster, storage)];
    const httpsPort = await freePort();
    httpPort = await freePort();
    writeFileSync(join(dir, 'parley.conf'), siteConfig(nodes.map((n) => n.server.port), httpsPort, httpPort, cert));
    writeFileSync(join(dir, 'nginx.conf'), mainConfig(dir));
    const check = spawnSync(NGINX, ['-t', '-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf')], { encoding: 'utf8' });
    if (check.status !== 0) throw new Error(`nginx -t refused the configuration:\n${check.stderr}`);
    nginx = spawn(NGINX, ['-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
    await waitForPort(httpsPort);
    wss = `wss://localhost:${httpsPort}/ws`;
    https = `https://localhost:${httpsPort}`;
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((resolve) => nginx.once('exit', resolve));
      nginx.kill('SIGTERM');
      await exited;
    }
    for (const n of nodes ?? []) await n.stop();
    await dropStorage(storage);
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (cert) rmSync(cert.dir, { recursive: true, force: true });
  });

  test('terminates TLS for the HTTP API and health checks, redirects plain HTTP, and hides /metrics', async () => {
    expect(await httpsGet(`${https}/healthz`, cert.ca)).toEqual({ status: 200, body: '{"ok":true}' });
    const ready = await httpsGet(`${https}/readyz`, cert.ca);
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toMatchObject({ ready: true });
    expect((await httpsGet(`${https}/metrics`, cert.ca)).status).toBe(404);
    const plain = await fetch(`http://127.0.0.1:${httpPort}/healthz`, { redirect: 'manual' });
    expect(plain.status).toBe(301);
    expect(plain.headers.get('location')).toMatch(/^https:\/\//);
  });

  test('clients through nginx land on both nodes and chat with a client connected straight to a node', async () => {
    const direct = client('direct', nodes[1]!.url);
    await direct.connect();
    const directRoom = await direct.join('lobby');
    const proxied = Array.from({ length: 4 }, (_, i) => client(`via-nginx-${i}`, wss));
    for (const c of proxied) await c.connect(); // one by one, so least_conn alternates
    // No stickiness needed: nginx spread the sockets, and every node serves every room.
    expect(await connectionsOf(nodes[0]!)).toBeGreaterThanOrEqual(1);
    expect(await connectionsOf(nodes[1]!)).toBeGreaterThanOrEqual(2); // `direct` plus at least one proxied

    const rooms = await Promise.all(proxied.map((c) => c.join('lobby')));
    const heard = proxied.map(() => [] as string[]);
    rooms.forEach((r, i) => r.on('message', ({ event }) => heard[i]!.push(event.body!)));
    const heardDirect: string[] = [];
    directRoom.on('message', ({ event }) => heardDirect.push(event.body!));

    await directRoom.send('hello from a node');
    await rooms[0]!.send('hello through nginx');
    await until(() => heard.every((h) => h.includes('hello from a node') && h.includes('hello through nginx')));
    await until(() => heardDirect.includes('hello through nginx'));
  });

  test('draining one node: its proxied clients are told to reconnect, come back through nginx on the other node and keep chatting', async () => {
    const [drained, survivor] = nodes as [TestNode, TestNode];
    const watcher = client('watcher', survivor.url);
    await watcher.connect();
    const watched = await watcher.join('lobby');
    const heard: string[] = [];
    watched.on('message', ({ event }) => heard.push(event.body!));
    // Proxied clients until one lands on the node about to drain (least_conn decides, not the test).
    const movers: ChatClient[] = [];
    for (let before = await connectionsOf(drained); movers.length < 6; ) {
      const mover = client(`mover-${movers.length}`, wss);
      await mover.connect();
      movers.push(mover);
      const now = await connectionsOf(drained);
      if (now > before) break;
      before = now;
    }
    expect(await connectionsOf(drained)).toBeGreaterThan(0);

    let reconnects = 0;
    for (const c of movers) c.on('state', ({ newState }) => newState === 'reconnecting' && reconnects++);
    const moverRooms = await Promise.all(movers.map((c) => c.join('lobby')));
    await drained.stop();
    await until(() => reconnects >= 1);
    await until(() => movers.every((c) => c.state === 'connected'));
    for (const [i, r] of moverRooms.entries()) await r.send(`after the drain ${i}`);
    await until(() => moverRooms.every((_, i) => heard.includes(`after the drain ${i}`)));
    expect(await connectionsOf(survivor)).toBeGreaterThanOrEqual(1 + movers.length); // the watcher and every mover
  });
});
