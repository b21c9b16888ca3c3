// The fault suite: 3 node processes behind a load balancer over a private Redis and PostgreSQL;
// each scenario must lose, duplicate and reorder nothing, and no client may be refused for its rate.
// It runs with two profiles: quick SDK reconnects and generous rates, and the SDK's default options
// against the server's default rate limits. Short by default (part of `npm test`, where the second
// profile takes only the scenarios it decides); `npm run fault` runs the long version of every
// scenario with both. Each scenario prints its figures.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { formatFigures, type Figures } from './check.js';
import { FaultCluster } from './cluster.js';
import { LONG, PROFILES, roomsOf, runScenario, SCENARIOS, SHORT } from './scenarios.js';
import { PrivatePostgres } from '../support/services.js';
import { redisAvailable } from '../support/redis.js';

const long = process.env.PARLEY_FAULT === 'long';
const scale = long ? LONG : SHORT;
const presenceTtlMs = 3000;

const pgInstalled = new PrivatePostgres().installed;
if (!pgInstalled && process.env.CI) throw new Error('the fault suite needs PostgreSQL server binaries (initdb, pg_ctl) in CI');
if (!pgInstalled) console.warn(`\n${'!'.repeat(78)}\n!! PostgreSQL server binaries not found (set PG_BIN): the fault suite is SKIPPED.\n${'!'.repeat(78)}\n`);
const available = pgInstalled && (await redisAvailable()); // redis-server is installed with the Redis the other suites use

for (const profile of PROFILES) {
  describe.skipIf(!available)(`fault suite (${long ? 'long' : 'short'}, ${profile.name}): 3 nodes, private Redis and PostgreSQL`, () => {
    const cluster = new FaultCluster({
      nodes: 3,
      rooms: SCENARIOS.flatMap((s) => roomsOf(s, scale)),
      presenceTtlMs,
      catchUpMs: 500,
      rates: profile.rates,
    });
    const all: Figures[] = [];

    beforeAll(async () => {
      await cluster.start();
    }, 60_000);
    afterAll(async () => {
      console.log(['', `[fault] ${long ? 'LONG' : 'SHORT'} run, ${profile.name}: ${JSON.stringify(scale)}`, ...all.map(formatFigures), ''].join('\n'));
      await cluster.stop();
    }, 60_000);

    for (const name of long ? SCENARIOS : profile.short) {
      const trafficMs = scale.durationMs + (name === 'network-cut' ? scale.cutMs + scale.afterCutMs : 0);
      test(`${name}: nothing lost, duplicated or reordered`, { timeout: trafficMs + 180_000 }, async () => {
        const f = await runScenario(cluster, name, scale, profile);
        all.push(f);
        console.log(formatFigures(f));
        expect(f.messages).toBeGreaterThan(0);
        expect({
          lost: f.lost,
          duplicated: f.duplicated,
          inversions: f.inversions,
          reordered: f.reordered,
          failedSends: f.failedSends,
          resets: f.resets,
          refused: f.extra.refused,
          floodCloses: f.extra.floodCloses,
        }).toEqual({ lost: 0, duplicated: 0, inversions: 0, reordered: 0, failedSends: 0, resets: 0, refused: 0, floodCloses: 0 });
        // The server aborts a client that does not read: no close frame could reach it behind the unread bytes.
        if (name === 'slow-consumer') expect(String(f.extra.slowClosedWith)).toMatch(/^1006/);
        if (name === 'redis-restart') expect(typeof f.extra.presenceRestoredMs).toBe('number'); // everyone online again
        if (name === 'node-kill') {
          expect(typeof f.extra.presenceOfflineMs).toBe('number'); // the ghost did go offline
          expect(f.extra.reconnected).toBeGreaterThan(0); // the kill did cut clients off
        }
        if (name === 'network-cut') expect(f.extra.reconnected).toBe(scale.clients); // the cut did reach everyone
      });
    }
  });
}
