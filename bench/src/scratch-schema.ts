// The throwaway PostgreSQL schemas a benchmark run stores into: a fresh one per run, dropped after,
// so runs never see each other's rooms and the database keeps nothing of them.
import pg from 'pg';

/** A schema name no other run of this machine uses (`prefix` tells them apart when one is left over). */
export function scratchSchemaName(prefix: string): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}`;
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } catch {
    // Best effort: a leftover schema only costs disk.
  } finally {
    await client.end().catch(() => undefined);
  }
}
