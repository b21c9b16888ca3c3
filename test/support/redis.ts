// The shared Redis of the test machine: reachability (a failure under CI, a loud skip elsewhere) and
// prefixes that keep each test's channels and keys apart from every other suite's.
import { randomBytes } from 'node:crypto';
import { createConnection } from 'node:net';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

let available: boolean | undefined;

/** Whether Redis answers PING. Throws under CI when it does not. */
export async function redisAvailable(): Promise<boolean> {
  if (available !== undefined) return available;
  const url = new URL(REDIS_URL);
  const error = await new Promise<string | undefined>((resolve) => {
    const socket = createConnection(Number(url.port || 6379), url.hostname);
    const timer = setTimeout(() => (socket.destroy(), resolve('no answer within 3 s')), 3000);
    socket.once('error', (err) => (clearTimeout(timer), resolve(err.message)));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (d) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(d.toString().startsWith('+PONG') ? undefined : `unexpected reply ${d.toString().trim()}`);
    });
  });
  if (error && process.env.CI) throw new Error(`Redis is required in CI but unreachable at ${REDIS_URL}: ${error}`);
  if (error) console.warn(`\n${'!'.repeat(78)}\n!! Redis unreachable at ${REDIS_URL}: the Redis suites are SKIPPED.\n!! (${error})\n${'!'.repeat(78)}\n`);
  available = !error;
  return available;
}

/** A channel/key prefix no other test uses. */
export function uniquePrefix(): string {
  return `parley-test:${randomBytes(6).toString('hex')}:`;
}
