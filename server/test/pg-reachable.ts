// Whether the test PostgreSQL answers: a suite that needs it is skipped, loudly, when it does not,
// except in CI, where its absence is a failure.
import { openPg } from '../src/store/index.js';

export const PG_URL = process.env.DATABASE_URL || 'postgres://127.0.0.1:5432/test';

export async function pgReachable(suite: string): Promise<boolean> {
  const sql = openPg({ url: PG_URL, schema: 'public', connectTimeoutMs: 3000 });
  try {
    await sql.query('SELECT 1');
    return true;
  } catch {
    if (process.env.CI) throw new Error(`PostgreSQL is required in CI but unreachable at ${PG_URL}`);
    console.warn(`\n${'#'.repeat(78)}\n#  PostgreSQL is NOT reachable at ${PG_URL}: ${suite} is SKIPPED.\n${'#'.repeat(78)}\n`);
    return false;
  } finally {
    await sql.close();
  }
}
