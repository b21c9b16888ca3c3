// GET /metrics on a real node: the Prometheus text format, and counters that follow what clients do
// (connections, messages in and fanned out, store commits, errors and closes by code, HTTP routes).
import { ErrorCode, Op } from '@parley/sdk/protocol';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseScrape, scrape, type Scrape } from './support/prometheus.js';
import { RawClient } from './support/raw-client.js';
import { startNode, userToken, type TestNode } from './support/server.js';

/** Every family the server declares itself (the Grafana dashboard test checks its queries against a live scrape). */
const PARLEY_FAMILIES = {
  parley_connections: 'gauge',
  parley_users: 'gauge',
  parley_rooms: 'gauge',
  parley_draining: 'gauge',
  parley_messages_in_total: 'counter',
  parley_messages_out_total: 'counter',
  parley_fanout_seconds: 'histogram',
  parley_send_ack_seconds: 'histogram',
  parley_store_queue_wait_seconds: 'histogram',
  parley_event_loop_delay_seconds: 'histogram',
  parley_store_commit_seconds: 'histogram',
  parley_store_batch_size: 'histogram',
  parley_store_commit_failures_total: 'counter',
  parley_search_index_rounds_total: 'counter',
  parley_search_index_failures_total: 'counter',
  parley_search_index_pending_events: 'gauge',
  parley_errors_total: 'counter',
  parley_ws_closes_total: 'counter',
  parley_http_requests_total: 'counter',
  parley_broker_reconnects_total: 'counter',
  parley_broker_published_total: 'counter',
  parley_broker_received_total: 'counter',
  parley_catchup_recovered_total: 'counter',
};

describe('GET /metrics', () => {
  let node: TestNode;
  const clients: RawClient[] = [];
  const metrics = () => scrape(`${node.http}/metrics`);
  const signIn = async (sub: string) => {
    const c = await RawClient.signedIn(node.url, userToken(sub));
    clients.push(c);
    return c;
  };
  /** Waits until `read(scrape)` satisfies `ok` (gauges follow socket closes asynchronously). */
  const eventually = async (read: (s: Scrape) => number | undefined, ok: (v: number | undefined) => boolean) => {
    for (let i = 0; i < 100; i++) {
      const v = read(await metrics());
      if (ok(v)) return v;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('metric never reached the expected value');
  };

  beforeAll(async () => {
    node = await startNode('pglite', { sendRate: 1000, frameRate: 1000 });
  });
  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    await node?.destroy();
  });

  test('answers in the Prometheus text format with every Parley family and the process metrics', async () => {
    const res = await fetch(`${node.http}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const s = parseScrape(await res.text());
    for (const [name, type] of Object.entries(PARLEY_FAMILIES)) expect(s.families.get(name), name).toBe(type);
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
      expect(s.families.has(name), name).toBe(true);
    }
    // Known error codes are exported from the start, at zero, so alerts see the first one.
    for (const code of Object.values(ErrorCode)) expect(s.value('parley_errors_total', { code }), code).toBe(0);
  });

  test('counts connections, users, rooms, accepted messages, fan-out deliveries and store commits', async () => {
    const alice = await signIn('m-alice');
    const bob = await signIn('m-bob');
    const alice2 = await signIn('m-alice'); // a second connection of the same user
    await alice.ok({ t: Op.Join, room: 'lobby' });
    await bob.ok({ t: Op.Join, room: 'lobby' });
    const before = await metrics();
    expect(before.value('parley_connections')).toBe(3);
    expect(before.value('parley_users')).toBe(2);
    expect(before.value('parley_rooms')).toBe(1); // lobby; alice2 subscribes to nothing

    const acks = await Promise.all([1, 2, 3].map((i) => alice.ok({ t: Op.Send, room: 'lobby', cid: `m${i}`, body: `hello ${i}` })));
    for (const ack of acks) await bob.next((f) => f.t === Op.Event && (f.e as { id: string }).id === ack.id);
    const retried = await alice.ok({ t: Op.Send, room: 'lobby', cid: 'm1', body: 'hello 1' });
    expect(retried.duplicate).toBe(true);
    const after = await metrics();
    const delta = (name: string) => after.value(name)! - before.value(name)!;

    expect(delta('parley_messages_in_total')).toBe(3); // the duplicate is not a new message
    expect(delta('parley_messages_out_total')).toBe(3 * 2); // each message to the two lobby subscribers
    expect(delta('parley_fanout_seconds_count')).toBe(3);
    expect(delta('parley_store_batch_size_sum')).toBe(4); // four appends (the retry is checked in a batch too)
    expect(delta('parley_store_commit_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(delta('parley_store_commit_seconds_count')).toBe(delta('parley_store_batch_size_count'));
    expect(delta('parley_store_queue_wait_seconds_count')).toBe(4); // every append waits for its batch, the retry too
    expect(delta('parley_send_ack_seconds_count')).toBe(3);
    expect(delta('parley_broker_published_total')).toBe(3);
    expect(after.value('parley_broker_reconnects_total')).toBe(0);

    bob.ws.terminate();
    alice2.ws.terminate();
    await eventually((s) => s.value('parley_connections'), (v) => v === 1);
    expect((await metrics()).value('parley_users')).toBe(1);
  });

  test('exports the event loop delay and the commit path (queue wait, flush, send to ack) as cumulative histograms', async () => {
    const c = await signIn('m-timings');
    await c.ok({ t: Op.Join, room: 'lobby' });
    for (let i = 0; i < 5; i++) await c.ok({ t: Op.Send, room: 'lobby', cid: `t${i}`, body: `timed ${i}` });
    // A quiet loop runs the monitor's 10 ms timer nearly on time: lateness, not the interval, is recorded.
    const quiet = await metrics();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const before = await metrics();
    const onTime = (x: Scrape) => x.value('parley_event_loop_delay_seconds_bucket', { le: '0.005' })!;
    expect(onTime(before) - onTime(quiet)).toBeGreaterThanOrEqual(1);
    // The node runs in this process: block its event loop for 150 ms, which the monitor must record as one long delay.
    const until = performance.now() + 150;
    while (performance.now() < until);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const s = await metrics();
    const over100ms = (x: Scrape) => x.value('parley_event_loop_delay_seconds_count')! - x.value('parley_event_loop_delay_seconds_bucket', { le: '0.1' })!;
    expect(over100ms(s) - over100ms(before)).toBeGreaterThanOrEqual(1);
    expect(s.families.get('parley_event_loop_delay_seconds')).toBe('histogram');
    for (const name of ['parley_event_loop_delay_seconds', 'parley_store_queue_wait_seconds', 'parley_send_ack_seconds']) {
      const buckets = s.samples.filter((x) => x.name === `${name}_bucket`);
      const counts = buckets.map((b) => b.value);
      expect(counts, name).toEqual([...counts].sort((a, b) => a - b)); // cumulative
      expect(buckets.at(-1)!.labels.le, name).toBe('+Inf');
      expect(counts.at(-1), name).toBe(s.value(`${name}_count`));
      expect(s.value(`${name}_count`), name).toBeGreaterThan(0);
      expect(s.value(`${name}_sum`), name).toBeGreaterThanOrEqual(0);
    }
    const ackSum = s.value('parley_send_ack_seconds_sum')!;
    expect(ackSum).toBeGreaterThan(0);
    expect(ackSum).toBeLessThan(s.value('parley_send_ack_seconds_count')! * 5); // seconds, not milliseconds
    // A later scrape never counts fewer delays: what the monitor recorded is moved, not replaced.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const later = await metrics();
    expect(later.value('parley_event_loop_delay_seconds_count')!).toBeGreaterThan(s.value('parley_event_loop_delay_seconds_count')!);
  });

  test('counts error frames by protocol code and closes by close code, unknown codes as "other"', async () => {
    const c = await signIn('m-errors');
    const before = await metrics();
    const missing = await c.request({ t: Op.Join, room: 'no-such-room' });
    expect(missing).toMatchObject({ t: Op.Error, code: ErrorCode.NotFound });
    const empty = await c.request({ t: Op.Send, room: 'lobby', cid: 'e1', body: '   ' });
    expect(empty).toMatchObject({ t: Op.Error, code: ErrorCode.BadFrame });

    const texter = await RawClient.open(node.url);
    texter.sendRaw('not binary'); // the server closes with 4000
    expect((await texter.closed).code).toBe(4000);
    const polite = await RawClient.open(node.url);
    polite.ws.close(1000);
    await polite.closed;
    const odd = await RawClient.open(node.url);
    odd.ws.close(4999, 'made up');
    await odd.closed;

    const closes = (code: string) => (s: Scrape) => s.value('parley_ws_closes_total', { code });
    await eventually(closes('other'), (v) => v === before.value('parley_ws_closes_total', { code: 'other' })! + 1);
    const after = await metrics();
    expect(after.value('parley_errors_total', { code: 'not_found' })).toBe(before.value('parley_errors_total', { code: 'not_found' })! + 1);
    expect(after.value('parley_errors_total', { code: 'bad_frame' })).toBe(before.value('parley_errors_total', { code: 'bad_frame' })! + 2); // the text frame's error too
    expect(closes('4000')(after)).toBe(closes('4000')(before)! + 1);
    expect(closes('1000')(after)).toBe(closes('1000')(before)! + 1);
    expect(after.samples.some((s) => s.name === 'parley_ws_closes_total' && s.labels.code === '4999')).toBe(false);
  });

  test('counts HTTP requests by route and status, with unknown paths under one label', async () => {
    await fetch(`${node.http}/healthz`);
    await fetch(`${node.http}/v1/rooms/lobby/events`); // no token: 401
    await fetch(`${node.http}/v1/rooms/another/events`);
    await fetch(`${node.http}/wp-admin/${Math.random()}`);
    await fetch(`${node.http}/widget.js`);
    await fetch(`${node.http}/no-such-chunk-${Math.random().toString(36).slice(2)}.js`);
    const s = await metrics();
    expect(s.value('parley_http_requests_total', { route: '/healthz', status: '200' })).toBeGreaterThanOrEqual(1);
    expect(s.value('parley_http_requests_total', { route: '/v1/rooms/:id/events', status: '401' })).toBe(2);
    expect(s.value('parley_http_requests_total', { route: 'other', status: '404' })).toBe(1);
    // Files (the widget and its chunks) share one label, found or not.
    const files = s.samples.filter((x) => x.name === 'parley_http_requests_total' && x.labels.route === '/:file');
    expect(files.reduce((n, x) => n + x.value, 0)).toBe(2);
    expect(s.value('parley_http_requests_total', { route: '/:file', status: '404' })).toBeGreaterThanOrEqual(1);
    expect(s.value('parley_http_requests_total', { route: '/ws', status: '101' })).toBeGreaterThanOrEqual(1);
    expect(s.samples.filter((x) => x.name === 'parley_http_requests_total').every((x) => !x.labels.route!.startsWith('/wp-admin'))).toBe(true);
  });

  test('the Grafana dashboard queries only metrics this node exports', async () => {
    const dashboard = JSON.parse(readFileSync(new URL('../docs/grafana/parley-dashboard.json', import.meta.url), 'utf8')) as {
      panels: { id: number; type: string; targets?: { expr: string }[] }[];
    };
    const exprs = dashboard.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr);
    expect(exprs.length).toBeGreaterThan(10);
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);
    const exported = new Set((await metrics()).samples.map((s) => s.name));
    const queried = new Set(exprs.flatMap((e) => e.match(/\b(?:parley|process|nodejs)_[a-z0-9_]+/g) ?? []));
    for (const name of Object.keys(PARLEY_FAMILIES)) {
      expect([...queried].some((q) => q.startsWith(name)), `dashboard shows ${name}`).toBe(true);
    }
    for (const name of queried) expect(exported.has(name), `${name} is exported`).toBe(true);
  });

  test('refuses other methods with 405', async () => {
    const res = await fetch(`${node.http}/metrics`, { method: 'POST', body: '' });
    expect(res.status).toBe(405);
  });
});

describe('GET /metrics with PARLEY_METRICS_TOKEN', () => {
  let node: TestNode;
  const TOKEN = 'scrape-token-for-tests';

  beforeAll(async () => {
    node = await startNode('pglite', { metricsToken: TOKEN });
  });
  afterAll(async () => {
    await node?.destroy();
  });

  test.each([
    ['no Authorization header', {}],
    ['a wrong token', { authorization: 'Bearer not-the-token' }],
    ['a token prefix', { authorization: `Bearer ${TOKEN.slice(0, 5)}` }],
    ['another scheme', { authorization: `Basic ${TOKEN}` }],
  ])('answers 401 to %s, without metrics', async (_what, headers: Record<string, string>) => {
    const res = await fetch(`${node.http}/metrics`, { headers });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const body = await res.text();
    expect(body).not.toContain('parley_');
    expect(JSON.parse(body)).toMatchObject({ error: { code: 'unauthorized' } });
  });

  test('serves the metrics to the right bearer token; health checks need none', async () => {
    const s = await scrape(`${node.http}/metrics`, { authorization: `bearer ${TOKEN}` });
    expect(s.value('parley_connections')).toBe(0);
    expect(s.value('parley_http_requests_total', { route: '/metrics', status: '401' })).toBeGreaterThanOrEqual(4);
    expect((await fetch(`${node.http}/healthz`)).status).toBe(200);
    expect((await fetch(`${node.http}/readyz`)).status).toBe(200);
  });
});
