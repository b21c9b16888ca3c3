// The PostgreSQL the server's store suites run against, and whether it answers: a suite skips loudly
// without it on a developer's machine, and fails in CI, where it must be there.
import { openPg } from '../../src/store/index.js';

export const PG_URL = process.env.DATABASE_URL || 'postgres://127.0.0.1:5432/test';

/** True when PostgreSQL answers; `suite` names what is skipped otherwise. Throws in CI. */
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
