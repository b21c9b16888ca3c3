// The image process (files/image-maker.ts): it runs under SCHED_IDLE, so that the event loop takes the
// core back the moment it wakes, on the CPUs PARLEY_IMAGE_CPUS names; a list it cannot use fails at start.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, test } from 'vitest';
import { ImageMaker } from '../src/files/image-maker.js';

const SCHED_IDLE = 5;
const dir = mkdtempSync(join(tmpdir(), 'parley-image-maker-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Pids of this process's children running the image worker. */
function imageChildren(): number[] {
  const pids = readdirSync(`/proc/${process.pid}/task`).flatMap((tid) =>
    readFileSync(`/proc/${process.pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number),
  );
  return pids.filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('image-worker.js');
    } catch {
      return false;
    }
  });
}

/** Scheduling policy of every thread of `pid` (field 41 of /proc/<pid>/task/<tid>/stat). */
function policies(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[38]);
  });
}

describe('the image process', () => {
  test('makes images under SCHED_IDLE, every thread of it, on the CPUs it is given', async () => {
    const maker = new ImageMaker({ cpus: '0' });
    try {
      const before = new Set(imageChildren());
      maker.warm();
      const png = join(dir, 'in.png');
      await sharp({ create: { width: 640, height: 480, channels: 3, background: '#336699' } }).png().toFile(png);
      const made = await maker.process(png, 'image/png', join(dir, 'out.png'), join(dir, 'thumb.webp'), 50_000_000);
      expect(made).toMatchObject({ width: 640, height: 480, thumb: true });
      const [pid] = imageChildren().filter((p) => !before.has(p));
      expect(pid).toBeDefined();
      // libvips's threads exist by now (an image was made): each inherited the policy.
      const threads = policies(pid!);
      expect(threads.length).toBeGreaterThan(1);
      expect(new Set(threads)).toEqual(new Set([SCHED_IDLE]));
      expect(/Cpus_allowed_list:\s*(\S+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]).toBe('0');
    } finally {
      maker.close();
    }
  });

  test('a CPU list the server cannot use is refused when the server starts', () => {
    const before = new Set(imageChildren());
    const maker = new ImageMaker({ cpus: '4000' });
    expect(() => maker.warm()).toThrow(/PARLEY_IMAGE_CPUS=4000/);
    expect(imageChildren().filter((p) => !before.has(p))).toEqual([]);
  });
});
