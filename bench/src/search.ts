#!/usr/bin/env node
// `npm run bench:search`: search latency over a large corpus. Builds N messages (default 1 million) in a
// scratch PostgreSQL schema of a Parley server, in SQL, then times a mix of `search` requests over a
// WebSocket, one at a time, and reports p50/p95/p99 overall and per kind of query (docs/benchmarks.md).
import { encodeFrame, Op } from '@parley/sdk/protocol';
import jwt from 'jsonwebtoken';
import { unpack } from 'msgpackr';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { hasTaskset, launchServer, PARLEY_UNLIMITED } from './launch.js';
import { cpus, loadavg } from 'node:os';
import { writeKeptSection } from './report/write.js';
import { exchange } from './load/dialect.js';
import { RawWs, WsOp } from './load/raw-ws.js';
import { dropSchema, scratchSchemaName } from './scratch-schema.js';

const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const SECRET = 'search-bench-secret-at-least-32-bytes!!';
const main = join(dirname(createRequire(import.meta.url).resolve('@parley/server')), 'main.js');

const ROOMS = 1000;
/** Rooms 0..PUBLIC-1 are public; the reader is a member of MEMBER_ROOMS private ones besides. */
const PUBLIC = 200;
const MEMBER_ROOMS = 50;
const AUTHORS = 300;

/**
 * A made-up vocabulary of 4,000 words from syllables, some with accents (Portuguese-like), drawn with a
 * steep skew: the commonest word is in about half the messages, most words in a few hundred.
 */
function vocabulary(): string[] {
  const syllables = ['ma', 'ne', 'ri', 'to', 'ca', 'lu', 'ção', 'sé', 'pa', 'de', 'vo', 'gi', 'ão', 'ber', 'tal', 'mon', 'fi', 'ré', 'chu', 'len', 'sa', 'qui', 'nho', 'ló', 'gra', 'pe', 'dú', 'zen', 'co', 'rá', 'bi', 'ten'];
  const words = new Set<string>();
  // A fixed-seed generator (32-bit xorshift), so every run searches the same words.
  let x = 2463534242;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
  while (words.size < 4000) {
    const n = 2 + Math.floor(next() * 3);
    let w = '';
    for (let i = 0; i < n; i++) w += syllables[Math.floor(next() * syllables.length)];
    words.add(w);
  }
  return [...words];
}

interface QueryCase {
  kind: string;
  frame: (vocab: string[]) => Record<string, unknown>;
}

/** Plain accents off a word, as a user without an accented keyboard types it. */
const bare = (w: string) => w.normalize('NFD').replace(/\p{M}/gu, '');

/** The mix: common, middling and rare words, two words, prefixes, parts of words, filters, a second page. */
const QUERIES: QueryCase[] = [
  { kind: 'common word', frame: (v) => ({ query: v[0] }) },
  { kind: 'middling word', frame: (v) => ({ query: v[60] }) },
  { kind: 'rare word', frame: (v) => ({ query: v[3500] }) },
  { kind: 'two words', frame: (v) => ({ query: `${v[40]} ${v[300]}` }) },
  { kind: 'prefix (3 letters)', frame: (v) => ({ query: v[900]!.slice(0, 3) }) },
  { kind: 'part of a word', frame: (v) => ({ query: bare(v[1200]!).slice(2, 7) }) },
  { kind: 'no accents typed', frame: (v) => ({ query: bare(v.find((w, i) => i > 100 && w.includes('ção'))!) }) },
  { kind: 'no match', frame: () => ({ query: 'xylophonequartz' }) },
  { kind: 'in one room', frame: (v) => ({ query: v[20], room: 'r7' }) },
  { kind: 'by one author', frame: (v) => ({ query: v[20], author: 'u17' }) },
  { kind: 'with a link', frame: (v) => ({ query: v[5], hasLink: true }) },
  { kind: 'last 30 days', frame: (v) => ({ query: v[200], after: Date.now() - 30 * 86_400_000 }) },
];

export interface SearchBenchResult {
  messages: number;
  buildSec: number;
  indexSec: number;
  rounds: number;
  overall: { count: number; p50: number; p95: number; p99: number; max: number };
  byKind: { kind: string; p50: number; p95: number; results: number }[];
}

function percentile(sorted: number[], q: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** Messages, in SQL: authors, rooms, bodies of 5-14 skewed words, 5 % with a link, 1 % edited, 0.5 % deleted. */
async function buildCorpus(db: pg.Client, schema: string, messages: number, vocab: string[]): Promise<{ buildSec: number; indexSec: number }> {
  const t0 = performance.now();
  // Built without the search indexes, then indexed once: as a restore would, and far faster.
  const indexes = await db.query<{ indexname: string; indexdef: string }>(
    `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND indexname LIKE '%search%' AND indexdef NOT LIKE 'CREATE UNIQUE %'`,
    [schema],
  );
  for (const ix of indexes.rows) await db.query(`DROP INDEX ${schema}.${ix.indexname}`);
  await db.query(`SET search_path TO ${schema}`);
  await db.query(
    `INSERT INTO rooms (id, name, kind, head_seq, creator)
     SELECT 'r' || g, 'Room ' || g, CASE WHEN g < $1 THEN 'public' ELSE 'private' END, 0, 'u0' FROM generate_series(0, $2 - 1) g
     ON CONFLICT DO NOTHING`,
    [PUBLIC, ROOMS],
  );
  await db.query(
    `INSERT INTO members (room_id, user_id, role) SELECT 'r' || g, 'reader', 'member' FROM generate_series($1::int, $1::int + $2::int - 1) g`,
    [PUBLIC, MEMBER_ROOMS],
  );
  const now = Date.now();
  // Ids sort as ULIDs do (time first): 10 characters of ms time in base 32, then the message number.
  await db.query(
    `INSERT INTO events (room_id, seq, id, kind, author, author_name, body, ts)
     SELECT 'r' || (g % $2), g / $2 + 1,
            lpad(upper(to_hex($3::int8 - ($1::int8 - g) * 30000)), 12, '0') || lpad(g::text, 14, '0'),
            'msg', 'u' || (g * 7 % $4), 'User ' || (g * 7 % $4),
            array_to_string(ARRAY(SELECT ($5::text[])[1 + floor(power(random(), 3) * $6)::int] FROM generate_series(1, 5 + (g % 10)) k), ' ')
              || CASE WHEN g % 20 = 0 THEN ' https://example.com/p/' || g ELSE '' END,
            $3::int8 - ($1::int8 - g) * 30000
       FROM generate_series(0, $1::int - 1) g`,
    [messages, ROOMS, now, AUTHORS, vocab, vocab.length],
  );
  await db.query(`UPDATE rooms SET head_seq = (SELECT max(seq) FROM events e WHERE e.room_id = rooms.id) WHERE id LIKE 'r%'`);
  // Edited: the projection holds the new text; deleted: redacted as the trigger does it.
  await db.query(
    `INSERT INTO messages (room_id, seq, body, edited, rev)
     SELECT room_id, seq, 'edited ' || body, ts + 1000, seq FROM events WHERE kind = 'msg' AND hashtext(id) % 100 = 1`,
  );
  await db.query(`INSERT INTO messages (room_id, seq, deleted, rev) SELECT room_id, seq, true, seq FROM events WHERE kind = 'msg' AND hashtext(id) % 200 = 3 ON CONFLICT DO NOTHING`);
  await db.query(`UPDATE events e SET body = NULL FROM messages m WHERE m.deleted AND m.room_id = e.room_id AND m.seq = e.seq`);
  // What the search indexer would have made of it (migration 20): the messages with text, and a
  // watermark past every event stored above.
  await db.query(
    `INSERT INTO search_texts (room_id, seq, id, author, ts, body, search_body)
     SELECT room_id, seq, id, author, ts, body, search_fold(body) FROM events WHERE kind = 'msg' AND body IS NOT NULL`,
  );
  await db.query(`UPDATE search_watermark SET snapshot = pg_current_snapshot()`);
  const built = performance.now();
  await db.query(`SET maintenance_work_mem = '256MB'`);
  for (const ix of indexes.rows) await db.query(ix.indexdef);
  await db.query('ANALYZE events; ANALYZE messages; ANALYZE members; ANALYZE rooms; ANALYZE search_texts');
  return { buildSec: (built - t0) / 1000, indexSec: (performance.now() - built) / 1000 };
}

export async function runSearchBench(options: { messages: number; rounds: number; databaseUrl: string; keep?: boolean }): Promise<SearchBenchResult> {
  const schema = scratchSchemaName('bench_search');
  const server = await launchServer(
    main,
    { PARLEY_PORT: '0', PARLEY_JWT_SECRET: SECRET, DATABASE_URL: options.databaseUrl, PARLEY_DB_SCHEMA: schema, ...PARLEY_UNLIMITED, PARLEY_SEARCH_RATE: '100000' },
    hasTaskset ? 0 : undefined,
  );
  const db = new pg.Client({ connectionString: options.databaseUrl });
  try {
    await db.connect();
    const vocab = vocabulary();
    console.error(`building ${options.messages} messages...`);
    const { buildSec, indexSec } = await buildCorpus(db, schema, options.messages, vocab);
    console.error(`built in ${buildSec.toFixed(1)} s, indexed in ${indexSec.toFixed(1)} s; searching...`);
    const ws = new RawWs({ port: server.port, path: '/ws' });
    await ws.open;
    let r = 0;
    const request = (frame: Record<string, unknown>) => {
      const id = ++r;
      return exchange(
        ws,
        () => ws.send(WsOp.Binary, Buffer.from(encodeFrame({ ...frame, r: id }))),
        (_op, p) => {
          const reply = unpack(p) as { t: number; r?: number; data?: { results?: unknown[] }; message?: string };
          if (reply.r !== id) return undefined;
          if (reply.t === Op.Error) throw new Error(`search refused: ${reply.message}`);
          return reply;
        },
      );
    };
    const token = jwt.sign({ sub: 'reader', name: 'Reader', exp: Math.floor(Date.now() / 1000) + 3600 }, SECRET, { algorithm: 'HS256' });
    await request({ t: Op.Hello, v: 1, token });
    const all: number[] = [];
    const byKind = new Map<string, { ms: number[]; results: number }>();
    // One warm-up round, not counted: the first touch of each index reads it from disk.
    for (let round = -1; round < options.rounds; round++) {
      for (const q of QUERIES) {
        const frame = { t: Op.Search, ...q.frame(vocab) };
        const t0 = performance.now();
        const reply = await request(frame);
        const ms = performance.now() - t0;
        if (round < 0) continue;
        all.push(ms);
        const entry = byKind.get(q.kind) ?? { ms: [], results: reply.data?.results?.length ?? 0 };
        entry.ms.push(ms);
        byKind.set(q.kind, entry);
      }
    }
    ws.close();
    all.sort((a, b) => a - b);
    return {
      messages: options.messages,
      buildSec,
      indexSec,
      rounds: options.rounds,
      overall: { count: all.length, p50: percentile(all, 0.5), p95: percentile(all, 0.95), p99: percentile(all, 0.99), max: all.at(-1) ?? 0 },
      byKind: [...byKind].map(([kind, e]) => {
        const s = e.ms.sort((a, b) => a - b);
        return { kind, p50: percentile(s, 0.5), p95: percentile(s, 0.95), results: e.results };
      }),
    };
  } finally {
    await db.end().catch(() => undefined);
    await server.stop();
    if (options.keep) console.error(`kept schema ${schema}`);
    else await dropSchema(options.databaseUrl, schema);
  }
}

/** The section of docs/benchmarks.md this scenario keeps (written by full-size runs). */
function docSection(r: SearchBenchResult, load: number[]): string {
  const f = (n: number) => n.toFixed(1);
  const met = r.overall.p95 <= 50 ? '**yes**' : '**no**';
  return [
    '## Search: a million messages in PostgreSQL',
    '',
    `Run with \`npm run bench:search\` (bench/src/search.ts) on ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores, load average ${load.map((l) => l.toFixed(2)).join(' / ')} at the start. The corpus is built in SQL in a scratch schema of a Parley server`,
    `(${r.messages.toLocaleString('en')} messages in 1,000 rooms, 200 of them public, 300 authors, 5-14 words each from a made-up vocabulary of 4,000 words with accents,`,
    'drawn with a steep skew; 5 % with a link, 1 % edited, 0.5 % deleted) in ' + `${f(r.buildSec)} s, then indexed in ${f(r.indexSec)} s. The searcher is a member of 50 private`,
    'rooms and may read the 200 public ones (a quarter of the messages). Each search is one `search` request over a WebSocket, timed from send to',
    `reply, one at a time; ${r.rounds} rounds of the ${r.byKind.length} kinds below after a warm-up round. Target: p95 ≤ 50 ms.`,
    '',
    `| | p50, ms | p95, ms | p99, ms | Target met |`,
    '| --- | --- | --- | --- | --- |',
    `| All ${r.overall.count} searches | ${f(r.overall.p50)} | ${f(r.overall.p95)} | ${f(r.overall.p99)} | ${met} |`,
    '',
    '| Query | p50, ms | p95, ms | Results (page of 20) |',
    '| --- | --- | --- | --- |',
    ...r.byKind.map((k) => `| ${k.kind} | ${f(k.p50)} | ${f(k.p95)} | ${k.results} |`),
    '',
    r.overall.p95 <= 50
      ? 'How: [ADR 0025](decisions/0025-search-walks-a-stored-folded-text.md) (a stored folded text, walks of the narrowest index).'
      : 'What is left slow, and why: [ADR 0025](decisions/0025-search-walks-a-stored-folded-text.md#consequences); the load average above is other work sharing the cores.',
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const load = loadavg();
  const result = await runSearchBench({
    messages: arg('messages', 1_000_000),
    rounds: arg('rounds', 20),
    // --keep: leave the schema in place (its name is printed), to look at plans with EXPLAIN.
    keep: process.argv.includes('--keep'),
    databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  });
  if (process.argv.includes('--json')) console.log(JSON.stringify(result, null, 2));
  else {
    const f = (n: number) => n.toFixed(1);
    console.log(`search over ${result.messages} messages (built ${f(result.buildSec)} s, indexed ${f(result.indexSec)} s), ${result.rounds} rounds of ${QUERIES.length} queries`);
    console.log(`overall: p50 ${f(result.overall.p50)} ms, p95 ${f(result.overall.p95)} ms, p99 ${f(result.overall.p99)} ms, max ${f(result.overall.max)} ms (${result.overall.count} searches)`);
    for (const k of result.byKind) console.log(`  ${k.kind.padEnd(20)} p50 ${f(k.p50).padStart(6)} ms  p95 ${f(k.p95).padStart(6)} ms  (${k.results} results)`);
  }
  // Only the full corpus goes into the docs (unless --no-docs): smaller runs are for trying things.
  if (result.messages === 1_000_000 && !process.argv.includes('--no-docs')) {
    const docs = new URL('../../docs/', import.meta.url).pathname;
    console.error(`wrote ${writeKeptSection(docs, 'search', docSection(result, load))}`);
  }
}
