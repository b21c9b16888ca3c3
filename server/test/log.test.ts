// The pino-backed Logger: one JSON object per line with level, time, pid, hostname and msg; fields and
// child context merged in; errors serialised; lines below the level dropped.
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createLogger, type Level } from '../src/log.js';

describe('createLogger', () => {
  let dir: string;
  let file: string;
  let fd: number;
  const lines = () =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const logger = (level: Level) => createLogger({ level, fd });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'parley-log-'));
    file = join(dir, 'log.jsonl');
    fd = openSync(file, 'w');
  });
  afterEach(() => {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  });

  test('writes one JSON object per line with the standard fields and the caller\'s fields', () => {
    const log = logger('info');
    log.info('listening', { port: 8080, tls: false });
    log.warn('no fields');
    const [first, second] = lines();
    expect(first).toMatchObject({ level: 'info', msg: 'listening', port: 8080, tls: false, pid: process.pid, hostname: hostname() });
    expect(new Date(first!.time as string).toISOString()).toBe(first!.time); // ISO 8601 UTC
    expect(second).toMatchObject({ level: 'warn', msg: 'no fields' });
    expect(readFileSync(file, 'utf8').endsWith('\n')).toBe(true);
  });

  test('serialises an err field with its type, message and stack', () => {
    const log = logger('info');
    log.error('request failed', { err: new RangeError('out of range'), session: 's1' });
    const [line] = lines();
    expect(line).toMatchObject({ level: 'error', msg: 'request failed', session: 's1', err: { type: 'RangeError', message: 'out of range' } });
    expect((line!.err as { stack: string }).stack).toContain('RangeError: out of range');
  });

  test('child loggers add their context to every line, nested children accumulate it', () => {
    const log = logger('debug');
    const transport = log.child({ component: 'transport' });
    transport.child({ session: 'abc', user: 'ada' }).debug('frame handling failed', { op: 20 });
    log.info('root line');
    const [child, root] = lines();
    expect(child).toMatchObject({ level: 'debug', component: 'transport', session: 'abc', user: 'ada', op: 20, msg: 'frame handling failed' });
    expect(root).not.toHaveProperty('component');
  });

  test.each([
    ['debug', ['debug', 'info', 'warn', 'error']],
    ['info', ['info', 'warn', 'error']],
    ['warn', ['warn', 'error']],
    ['error', ['error']],
  ] as const)('level %s writes only %j', (level, written) => {
    const log = logger(level);
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    expect(lines().map((l) => l.level)).toEqual(written);
  });
});
