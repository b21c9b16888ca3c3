// The search indexer's metrics on a real node over the real PostgreSQL: rounds counted as messages are
// stored, the pending gauge back at 0 once they are indexed; with the indexer's table taken away, failed
// rounds counted, the gauge NaN, one warning for the whole run of failures, and recovery once it is back.
import { Op } from '@parley/sdk/protocol';
import type { Logger } from '@parley/server';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { scrape } from './support/prometheus.js';
import { RawClient } from './support/raw-client.js';
import { freshStorage, PG_URL, postgresAvailable, startNode, userToken, type TestNode } from './support/server.js';
import { until } from './support/until.js';

interface Line {
  level: string;
  msg: string;
  fields: Record<string, unknown> | undefined;
}

/** Keeps every line logged, whatever the child. */
function recordingLogger(lines: Line[]): Logger {
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>) => void lines.push({ level, msg, fields });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  return logger;
}

describe.skipIf(!(await postgresAvailable()))('search indexer metrics on PostgreSQL', () => {
  const storage = freshStorage('postgres');
  const schema = storage.dbSchema!;
  const lines: Line[] = [];
  const admin = new pg.Client({ connectionString: PG_URL });
  let node: TestNode;
  let alice: RawClient;
  let sent = 0;
  const metrics = () => scrape(`${node.http}/metrics`);
  const value = async (name: string) => (await metrics()).value(name);
  const send = () => alice.ok({ t: Op.Send, room: 'lobby', cid: `s${++sent}`, body: `indexed words ${sent}` });
  const indexerLines = (level: string) => lines.filter((l) => l.level === level && l.msg.startsWith('search indexer'));

  beforeAll(async () => {
    await admin.connect();
    node = await startNode('postgres', {}, storage, recordingLogger(lines));
    alice = await RawClient.signedIn(node.url, userToken('idx-alice'));
    await alice.ok({ t: Op.Join, room: 'lobby' });
  });
  afterAll(async () => {
    alice?.ws.terminate();
    await node?.destroy();
    await admin.end();
  });

  test('declares the rounds and failures counters and the pending gauge', async () => {
    const s = await metrics();
    expect(s.families.get('parley_search_index_rounds_total')).toBe('counter');
    expect(s.families.get('parley_search_index_failures_total')).toBe('counter');
    expect(s.families.get('parley_search_index_pending_events')).toBe('gauge');
  });

  test('counts rounds as messages are stored and shows nothing pending once they are indexed', async () => {
    const before = (await value('parley_search_index_rounds_total'))!;
    for (let i = 0; i < 3; i++) await send();
    await until(async () => (await value('parley_search_index_rounds_total'))! > before && (await value('parley_search_index_pending_events')) === 0);
    expect(await value('parley_search_index_failures_total')).toBe(0);
  });

  test('counts failed rounds, logs their run once, and recovers the backlog when the table is back', async () => {
    await admin.query(`ALTER TABLE "${schema}".search_watermark RENAME TO search_watermark_away`);
    try {
      await send();
      // A failed round is retried at every tick: several fail while the table is away.
      await until(async () => (await value('parley_search_index_failures_total'))! >= 3);
      await send();
      expect(await value('parley_search_index_pending_events')).toBeNaN();
      expect(indexerLines('warn')).toHaveLength(1);
    } finally {
      await admin.query(`ALTER TABLE "${schema}".search_watermark_away RENAME TO search_watermark`);
    }
    await until(async () => (await value('parley_search_index_pending_events')) === 0);
    const failures = (await value('parley_search_index_failures_total'))!;
    await until(() => indexerLines('info').length === 1);
    expect(indexerLines('info')[0]!.fields).toEqual({ failedRounds: failures });
    expect(indexerLines('warn')).toHaveLength(1);
    // The messages stored meanwhile are searchable from the table, each once.
    const [row] = (await admin.query(`SELECT count(*)::int AS n FROM "${schema}".search_texts WHERE body LIKE 'indexed words %'`)).rows as { n: number }[];
    expect(row!.n).toBe(sent);
  });
});
