// The outgoing-webhook queue's cadence on the embedded store: idle, it looks at the store once and then
// only after its idle wait (not at every poll), while a failed delivery's retry still runs at its time.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../src/log.js';
import { AddressGuard } from '../src/outbound/address-guard.js';
import { WebhookQueue } from '../src/outbound/webhook-queue.js';
import { openPglite, SqlStore } from '../src/store/index.js';
import { WebhookStore } from '../src/store/webhooks.js';

/** A WebhookStore that counts its looks at the queue. */
class CountingStore extends WebhookStore {
  looks = 0;
  override work(now: number) {
    this.looks += 1;
    return super.work(now);
  }
}

/** A local port nothing listens on: a delivery there fails at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the webhook queue on the embedded store', () => {
  let dir: string;
  let store: SqlStore;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-hookq-'));
    store = new SqlStore(await openPglite({ dataDir: dir }));
    await store.init();
    await store.createRoom({ id: 'lobby', name: 'lobby', kind: 'public', owner: null, creator: { id: 'ana', name: 'Ana' }, members: [] });
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const queueOn = (hooks: WebhookStore, idleMs?: number) =>
    new WebhookQueue({ store: hooks, guard: new AddressGuard(['127.0.0.1']), log: silentLogger, attempts: 5, retryMs: 200, timeoutMs: 1000, pollMs: 10, ...(idleMs !== undefined && { idleMs }) });

  it('looks at an idle queue once per idle wait rather than at every poll (and at every poll without one)', async () => {
    const idle = new CountingStore(store.sql);
    const polling = new CountingStore(store.sql);
    const quiet = queueOn(idle, 60_000);
    const busy = queueOn(polling);
    quiet.start();
    busy.start();
    await sleep(600);
    await Promise.all([quiet.close(), busy.close()]);
    expect(idle.looks).toBe(1);
    expect(polling.looks).toBeGreaterThan(10);
  });

  it('retries a failed delivery at its time, long before the idle wait ends', async () => {
    const hooks = new CountingStore(store.sql);
    await hooks.createOutgoing('lobby', `http://127.0.0.1:${await closedPort()}/hook`, null, 'ana');
    const queue = queueOn(hooks, 60_000);
    queue.start();
    try {
      await store.append({ room: 'lobby', kind: 'msg', by: 'ana', name: 'Ana', cid: 'c1', body: 'hello' });
      queue.wake();
      const attempts = async () => Number((await store.sql.query<{ n: number }>('SELECT max(attempts)::int AS n FROM webhook_deliveries'))[0]?.n ?? 0);
      const until = Date.now() + 5_000;
      while ((await attempts()) < 2 && Date.now() < until) await sleep(20);
      // The first retry waits 100-200 ms (retryMs with jitter): the queue looked again at that time.
      expect(await attempts()).toBeGreaterThanOrEqual(2);
      expect(hooks.looks).toBeLessThan(20);
    } finally {
      await queue.close();
    }
  });
});
