#!/usr/bin/env node
// Uploads and the server (issue 13): (1) the server's resident memory while one large file streams in
// over tus (it must not grow with the file), and (2) the WebSocket ping round trip p99 of other
// connections while 20 image uploads are made at once, against the same without uploads (thumbnails
// are made off the event loop: the ratio should stay within 2x).
//
//   node bench/dist/uploads.js [--big-mb=1024] [--images=20] [--pingers=20] [--seconds=10] [--server=<main.js>]
//
// The server runs on core 0 (taskset, when available); run this script on core 1 (`taskset -c 1`).
import { ChatClient } from '@parley/sdk';
import { decodeServerFrame, encodeFrame, Op, PROTOCOL_VERSION } from '@parley/sdk/protocol';
import jwt from 'jsonwebtoken';
import { closeSync, mkdtempSync, openAsBlob, openSync, rmSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import WebSocket from 'ws';
import { launchServer, PARLEY_UNLIMITED } from './launch.js';
import { rssBytes } from './proc-stats.js';

const SECRET = 'uploads-bench-secret-that-is-at-least-32-bytes';
const require = createRequire(import.meta.url);
const token = (sub: string) => jwt.sign({ sub, name: sub }, SECRET, { algorithm: 'HS256', expiresIn: 3600 });

function arg(name: string, fallback: string): string {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : fallback;
}

const MB = 1024 * 1024;
const bigMb = Number(arg('big-mb', '1024'));
const images = Number(arg('images', '20'));
const pingers = Number(arg('pingers', '20'));
const seconds = Number(arg('seconds', '10'));
const script = arg('server', join(dirname(require.resolve('@parley/server/package.json')), 'dist/main.js'));

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

/** Raw connections that ping in a loop and record each round trip (ms). */
async function pingLoad(port: number, n: number, ms: number): Promise<number[]> {
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
  return rtts;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-bench-uploads-'));
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
      PARLEY_UPLOADS_PER_MINUTE: '1000',
    },
    0,
  );
  const url = `ws://127.0.0.1:${server.port}/ws`;
  const client = new ChatClient({ url, token: token('uploader'), WebSocket });
  await client.connect();
  try {
    // (1) A large file, sampled every 100 ms.
    const bigPath = join(dataDir, 'big.bin');
    const fd = openSync(bigPath, 'w');
    const block = Buffer.alloc(MB, 0x5a);
    for (let i = 0; i < bigMb; i++) writeSync(fd, block);
    closeSync(fd);
    server.gc();
    await new Promise((r) => setTimeout(r, 500));
    const before = rssBytes(server.pid);
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(server.pid))), 100);
    const t0 = performance.now();
    const upload = client.upload(await openAsBlob(bigPath), { name: 'big.bin', chunkSize: 16 * MB });
    await upload.done;
    const secs = (performance.now() - t0) / 1000;
    clearInterval(sampler);
    rmSync(bigPath, { force: true });
    console.log(`large upload: ${bigMb} MiB in ${secs.toFixed(1)} s (${(bigMb / secs).toFixed(0)} MiB/s); server RSS ${(before / MB).toFixed(0)} MiB before, peak ${(peak / MB).toFixed(0)} MiB (+${((peak - before) / MB).toFixed(0)} MiB)`);

    // (2) Ping p99 without, then with, concurrent image uploads.
    const quiet = await pingLoad(server.port, pingers, seconds * 1000);
    const photo = await sharp({ create: { width: 4000, height: 3000, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } }).jpeg({ quality: 90 }).toBuffer();
    let uploading = true;
    const uploads = (async () => {
      let done = 0;
      while (uploading) {
        await Promise.all(Array.from({ length: images }, (_, i) => client.upload(photo, { name: `photo${i}.jpg` }).done));
        done += images;
      }
      return done;
    })();
    const busy = await pingLoad(server.port, pingers, seconds * 1000);
    uploading = false;
    const made = await uploads;
    const [q99, b99] = [percentile(quiet, 99), percentile(busy, 99)];
    console.log(
      `ping p99 with ${pingers} connections: ${q99.toFixed(1)} ms without uploads (p50 ${percentile(quiet, 50).toFixed(1)}), ` +
        `${b99.toFixed(1)} ms with ${images} concurrent 12-megapixel JPEG uploads (p50 ${percentile(busy, 50).toFixed(1)}; ${made} images processed): ratio ${(b99 / q99).toFixed(2)}`,
    );
  } finally {
    await client.close();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

void main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
