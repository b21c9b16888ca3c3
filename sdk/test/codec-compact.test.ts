// The whole frame codec suite again, with the browser msgpack backend (msgpack-compact.ts) in place of
// msgpackr: browser builds swap the modules through package.json `browser`, so both must pass it.
import { expect, it, vi } from 'vitest';
import * as compact from '../src/protocol/msgpack-compact.js';

vi.mock('../src/protocol/msgpack.js', () => import('../src/protocol/msgpack-compact.js'));

it('runs the codec suite on the compact backend', async () => {
  const backend = await import('../src/protocol/msgpack.js');
  expect(backend.unpackValue).toBe(compact.unpackValue);
});

await import('./codec.test.js');
