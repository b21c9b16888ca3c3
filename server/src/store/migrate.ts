// Applies pending migrations in one transaction under an advisory lock, so any number of nodes may
// start against one database at once: the first migrates, the others wait and then find nothing to do.
import { migrations as allMigrations, type Migration } from './migrations.js';
import type { Sql } from './sql.js';

/** Applies every migration not yet recorded in `<schema>.schema_migrations`; returns the versions applied. */
export async function migrate(sql: Sql, migrations: readonly Migration[] = allMigrations): Promise<number[]> {
  checkOrder(migrations);
  const schema = sql.schema;
  return sql.transaction(async (tx) => {
    // Transaction-scoped: released by COMMIT or ROLLBACK, even if this process dies mid-way.
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`parley.migrate.${schema}`]);
    await tx.exec(`
      CREATE SCHEMA IF NOT EXISTS ${schema};
      SET LOCAL search_path TO ${schema};
      CREATE TABLE IF NOT EXISTS schema_migrations (
        version     integer PRIMARY KEY,
        name        text NOT NULL,
        applied_at  timestamptz NOT NULL DEFAULT now()
      );
    `);
    const rows = await tx.query<{ version: number }>('SELECT version FROM schema_migrations');
    const done = new Set(rows.map((r) => r.version));
    const applied: number[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      applied.push(m.version);
    }
    return applied;
  });
}

function checkOrder(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    const previous = migrations[i - 1];
    if (!Number.isInteger(m.version) || m.version < 1 || (previous && m.version <= previous.version)) {
      throw new Error(`migration versions must be increasing integers from 1: ${m.version} (${m.name})`);
    }
  });
}
