// Parley with a naive message store, for the persistence comparison: the real server, protocol and
// PostgreSQL schema, but every message is its own autocommitted statement (seq bump + INSERT in one
// round trip, up to the pool's 10 at once) instead of group-committed batches.
import type { RoomEvent } from '@parley/sdk/protocol';
import { loadConfig, openStore, startServer, type Store } from '@parley/server';
import pg from 'pg';

const config = loadConfig(process.env, process.argv.slice(2));
if (!config.databaseUrl) throw new Error('parley-naive: DATABASE_URL is required');
const store = await openStore({ databaseUrl: config.databaseUrl, schema: config.dbSchema });
const pool = new pg.Pool({ connectionString: config.databaseUrl, options: `-c search_path=${config.dbSchema}`, max: 10 });
let counter = 0;

const append: Store['append'] = async (input) => {
  const ts = Date.now();
  const id = `n${ts.toString(36)}${(counter++).toString(36).padStart(8, '0')}`;
  const { rows } = await pool.query<{ seq: string }>(
    `WITH r AS (UPDATE rooms SET head_seq = head_seq + 1 WHERE id = $1 RETURNING head_seq)
     INSERT INTO events (room_id, seq, id, kind, author, author_name, cid, body, ts)
     SELECT $1, r.head_seq, $2, $3, $4, $5, $6, $7, $8 FROM r RETURNING seq`,
    [input.room, id, input.kind, input.by, input.name, input.cid ?? null, input.body ?? null, ts],
  );
  if (!rows[0]) throw new Error(`room ${input.room} does not exist`);
  const event: RoomEvent = { room: input.room, seq: Number(rows[0].seq), id, kind: input.kind, ts, by: input.by, name: input.name };
  if (input.cid !== undefined) event.cid = input.cid;
  if (input.body !== undefined) event.body = input.body;
  return { event, duplicate: false };
};

const naive = new Proxy(store, {
  get(target, key) {
    if (key === 'append') return append;
    const value: unknown = Reflect.get(target, key, target);
    return typeof value === 'function' ? value.bind(target) : value;
  },
}) as Store;

const server = await startServer(config, { store: naive });
process.stdout.write(`parley-naive listening on http://127.0.0.1:${server.port}\n`);
process.on('SIGTERM', () => {
  void server.close().then(async () => {
    await pool.end();
    await store.close();
    process.exit(0);
  });
});
