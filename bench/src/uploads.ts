#!/usr/bin/env node
// Uploads and the server (issue 13): (1) the server's resident memory while one large file streams in
// over tus (it must not grow with the file), and (2) the WebSocket ping round trip p99 of other
// connections while image uploads run back to back, N at once, against the same without uploads, in
// alternating rounds (thumbnails are made off the event loop: the ratio should stay within 2×).
// Part of `npm run bench` (run.ts, `--only=uploads`); alone:
//
//   node bench/dist/uploads.js [--big-mb=1024] [--images=20] [--pingers=20] [--seconds=10] [--rounds=3] [--server=<main.js>] [--image-cpus=<list>]
//
// The server runs on core 0 and this measurement on core 1 (taskset, when available): the pingers on
// this process's main thread, the uploader on a worker thread, so that neither's JavaScript delays the
// other's round trips. The server's image process stays on the server's core (under SCHED_IDLE): the
// node pays for its images with its own core, none of it lands on the load generator's; --image-cpus
// (PARLEY_IMAGE_CPUS) measures another placement.
import { ChatClient } from '@parley/sdk';
import { decodeServerFrame, encodeFrame, Op, PROTOCOL_VERSION } from '@parley/sdk/protocol';
import jwt from 'jsonwebtoken';
import { execFile } from 'node:child_process';
import { closeSync, mkdtempSync, openAsBlob, openSync, rmSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import sharp from 'sharp';
import WebSocket from 'ws';
import { hasTaskset, launchServer, PARLEY_UNLIMITED, pinned } from './launch.js';
import { rssBytes } from './proc-stats.js';

const SECRET = 'uploads-bench-secret-that-is-at-least-32-bytes';
const MB = 1024 * 1024;
const require = createRequire(import.meta.url);
const token = (sub: string) => jwt.sign({ sub, name: sub }, SECRET, { algorithm: 'HS256', expiresIn: 3600 });
const HERE = fileURLToPath(import.meta.url);

export interface UploadsOptions {
  /** Size of the large upload, MiB. */
  bigMb: number;
  /** Image uploads in flight at once. */
  images: number;
  /** Connections that ping in a loop. */
  pingers: number;
  /** Length of each phase, seconds. */
  seconds: number;
  /** Quiet + busy phase pairs. */
  rounds: number;
  /** Size of the uploaded photo (a noisy JPEG), pixels. */
  photo: { width: number; height: number };
  /** The server's entry point (default: @parley/server's dist/main.js). */
  server?: string;
  /** PARLEY_IMAGE_CPUS for the server (default: unset, the image process shares the server's core). */
  imageCpus?: string;
}

/** Ping round trips of one phase, ms. */
export interface PingPhase {
  pings: number;
  p50: number;
  p99: number;
}

export interface UploadsRound {
  quiet: PingPhase;
  busy: PingPhase;
  /** Image uploads finished (checked, cleaned, thumbnailed) in the busy phase and the batch it ended in. */
  processed: number;
  /** busy p99 ÷ quiet p99. */
  ratio: number;
}

export interface UploadsResult {
  bigMb: number;
  images: number;
  pingers: number;
  seconds: number;
  photo: { width: number; height: number };
  pinned: boolean;
  /** PARLEY_IMAGE_CPUS of the run; absent: the image process shared the server's core. */
  imageCpus?: string;
  /** Load average (1, 5, 15 min) when the measurement started: the machine may have been shared. */
  loadavg: number[];
  photoBytes: number;
  big: { seconds: number; rssBeforeMiB: number; rssPeakMiB: number };
  rounds: UploadsRound[];
  /** Median of the rounds' ratios (the target: ≤ 2). */
  ratio: number;
}

/** Runs the measurement in a process of its own on core 1 (the server on core 0). */
export async function runUploads(options: UploadsOptions): Promise<UploadsResult> {
  const args = [HERE, '--json', ...Object.entries(flags(options)).map(([k, v]) => `--${k}=${v}`)];
  const [cmd, argv] = pinned(hasTaskset ? 1 : undefined, args);
  const { stdout } = await promisify(execFile)(cmd, argv, { maxBuffer: 4 * MB, timeout: 30 * 60_000 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as UploadsResult;
}

function flags(o: UploadsOptions): Record<string, string | number> {
  const out: Record<string, string | number> = { 'big-mb': o.bigMb, images: o.images, pingers: o.pingers, seconds: o.seconds, rounds: o.rounds, photo: `${o.photo.width}x${o.photo.height}` };
  if (o.server) out.server = o.server;
  if (o.imageCpus) out['image-cpus'] = o.imageCpus;
  return out;
}

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** Raw connections that ping in a loop, 20 ms apart, for `ms`. */
async function pingLoad(port: number, n: number, ms: number): Promise<PingPhase> {
  const rtts: number[] = [];
  const until = Date.now() + ms;
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
      await new Promise((r) => ws.once('open', r));
      let r = 1;
      const reply = () => new Promise<void>((resolve) => ws.once('message', (d: Buffer) => (decodeServerFrame(new Uint8Array(d)), resolve())));
      ws.send(encodeFrame({ t: Op.Hello, r: r++, v: PROTOCOL_VERSION, token: token(`pinger${i}`) }));
      await reply();
      while (Date.now() < until) {
        const t0 = performance.now();
        ws.send(encodeFrame({ t: Op.Ping, r: r++ }));
        await reply();
        rtts.push(performance.now() - t0);
        await new Promise((res) => setTimeout(res, 20));
      }
      ws.close();
    }),
  );
  return { pings: rtts.length, p50: percentile(rtts, 50), p99: percentile(rtts, 99) };
}

/** The uploader thread: `images` uploads of the photo at once, again and again until told to stop; answers how many finished. */
async function uploaderThread(): Promise<void> {
  const { port, photo, images } = workerData as { port: number; photo: Uint8Array; images: number };
  const client = new ChatClient({ url: `ws://127.0.0.1:${port}/ws`, token: token('uploader'), WebSocket });
  await client.connect();
  const bytes = Buffer.from(photo);
  let uploading = false;
  let done = 0;
  let loop: Promise<void> = Promise.resolve();
  parentPort!.on('message', (msg: 'start' | 'stop') => {
    if (msg === 'start') {
      uploading = true;
      done = 0;
      loop = (async () => {
        while (uploading) {
          await Promise.all(Array.from({ length: images }, (_, i) => client.upload(bytes, { name: `photo${i}.jpg` }).done.then(() => done++)));
        }
      })();
    } else {
      uploading = false;
      void loop.then(() => parentPort!.postMessage({ done }));
    }
  });
  parentPort!.postMessage('ready');
}

async function measure(o: UploadsOptions): Promise<UploadsResult> {
  const startLoad = loadavg();
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-bench-uploads-'));
  const script = o.server ?? join(dirname(require.resolve('@parley/server/package.json')), 'dist/main.js');
  const server = await launchServer(
    script,
    {
      ...PARLEY_UNLIMITED,
      PARLEY_PORT: '0',
      PARLEY_HOST: '127.0.0.1',
      PARLEY_JWT_SECRET: SECRET,
      PARLEY_DATA_DIR: dataDir,
      PARLEY_UPLOAD_MAX_BYTES: String(4 * 1024 * MB),
      PARLEY_UPLOAD_QUOTA_BYTES: '0',
      PARLEY_UPLOADS_PER_MINUTE: '100000',
      ...(o.imageCpus ? { PARLEY_IMAGE_CPUS: o.imageCpus } : {}),
    },
    hasTaskset ? 0 : undefined,
    // The embedded store compiles PGlite and creates its database first: on a shared core, minutes.
    180_000,
  );
  const client = new ChatClient({ url: `ws://127.0.0.1:${server.port}/ws`, token: token('big'), WebSocket });
  await client.connect();
  let uploader: Worker | undefined;
  try {
    // (1) A large file, the server's RSS sampled every 100 ms.
    const bigPath = join(dataDir, 'big.bin');
    const fd = openSync(bigPath, 'w');
    const block = Buffer.alloc(MB, 0x5a);
    for (let i = 0; i < o.bigMb; i++) writeSync(fd, block);
    closeSync(fd);
    server.gc();
    await new Promise((r) => setTimeout(r, 500));
    const before = rssBytes(server.pid);
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(server.pid))), 100);
    const t0 = performance.now();
    await client.upload(await openAsBlob(bigPath), { name: 'big.bin', chunkSize: 16 * MB }).done;
    const bigSeconds = (performance.now() - t0) / 1000;
    clearInterval(sampler);
    rmSync(bigPath, { force: true });

    // (2) Ping round trips without, then with, image uploads; `rounds` times.
    const photo = await sharp({ create: { ...o.photo, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } }).jpeg({ quality: 90 }).toBuffer();
    uploader = new Worker(HERE, { workerData: { port: server.port, photo, images: o.images } });
    const w = uploader;
    const next = () => new Promise<unknown>((resolve, reject) => (w.once('message', resolve), w.once('error', reject)));
    await next();
    const rounds: UploadsRound[] = [];
    for (let i = 0; i < o.rounds; i++) {
      const quiet = await pingLoad(server.port, o.pingers, o.seconds * 1000);
      w.postMessage('start');
      const busy = await pingLoad(server.port, o.pingers, o.seconds * 1000);
      const stopped = next();
      w.postMessage('stop');
      const { done } = (await stopped) as { done: number };
      rounds.push({ quiet, busy, processed: done, ratio: busy.p99 / quiet.p99 });
    }
    return {
      bigMb: o.bigMb,
      images: o.images,
      pingers: o.pingers,
      seconds: o.seconds,
      photo: o.photo,
      pinned: hasTaskset,
      ...(o.imageCpus ? { imageCpus: o.imageCpus } : {}),
      loadavg: startLoad,
      photoBytes: photo.byteLength,
      big: { seconds: bigSeconds, rssBeforeMiB: before / MB, rssPeakMiB: peak / MB },
      rounds,
      ratio: median(rounds.map((r) => r.ratio)),
    };
  } finally {
    await uploader?.terminate();
    await client.close();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function arg(name: string, fallback: string): string {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : fallback;
}

if (!isMainThread) {
  void uploaderThread();
} else if (process.argv[1] === HERE) {
  const [width, height] = arg('photo', '4000x3000').split('x').map(Number);
  const options: UploadsOptions = {
    bigMb: Number(arg('big-mb', '1024')),
    images: Number(arg('images', '20')),
    pingers: Number(arg('pingers', '20')),
    seconds: Number(arg('seconds', '10')),
    rounds: Number(arg('rounds', '3')),
    photo: { width: width!, height: height! },
  };
  const server = arg('server', '');
  if (server) options.server = server;
  const imageCpus = arg('image-cpus', '');
  if (imageCpus) options.imageCpus = imageCpus;
  measure(options).then(
    (result) => {
      if (process.argv.includes('--json')) console.log(JSON.stringify(result));
      else console.log(describeUploads(result));
      process.exit(0);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}

/** The result in words, for a run of this script alone. */
export function describeUploads(r: UploadsResult): string {
  const lines = [
    `large upload: ${r.bigMb} MiB in ${r.big.seconds.toFixed(1)} s; server RSS ${r.big.rssBeforeMiB.toFixed(0)} MiB before, peak ${r.big.rssPeakMiB.toFixed(0)} MiB (+${(r.big.rssPeakMiB - r.big.rssBeforeMiB).toFixed(0)} MiB)`,
    `load average at the start: ${r.loadavg.map((n) => n.toFixed(2)).join(' ')}`,
  ];
  for (const [i, round] of r.rounds.entries()) {
    lines.push(
      `round ${i + 1}: ping p99 ${round.quiet.p99.toFixed(1)} ms without uploads (p50 ${round.quiet.p50.toFixed(1)}), ${round.busy.p99.toFixed(1)} ms with ${r.images} at once ` +
        `(p50 ${round.busy.p50.toFixed(1)}; ${round.processed} images made): ratio ${round.ratio.toFixed(2)}`,
    );
  }
  lines.push(`median ratio ${r.ratio.toFixed(2)}`);
  return lines.join('\n');
}
