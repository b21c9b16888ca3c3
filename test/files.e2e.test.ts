// Files end to end on both stores (protocol section 24): tus uploads through the SDK and by hand, the
// attachment on the msg event live, in history and on resume, signed downloads with their safety
// headers and ranges, images cleaned (EXIF gone, animation kept) with thumbnails, and the whole
// bad-input list of issue 13: hostile types, bombs, truncated and empty files, oversize files refused
// before a byte is sent, hostile names, non-members, expired links, deleted messages' files.
import { ChatClient, UploadError, type Attachment, type Room, type RoomEvent } from '@parley/sdk';
import { ErrorCode, Op } from '@parley/sdk/protocol';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync, deflateSync, crc32 } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { scrape } from './support/prometheus.js';
import { RawClient } from './support/raw-client.js';
import { postgresAvailable, startNode, userToken, type StoreKind, type TestNode } from './support/server.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { until } from './support/until.js';

const kinds: StoreKind[] = (await postgresAvailable()) ? ['pglite', 'postgres'] : ['pglite'];

const MAX = 3 * 1024 * 1024;

// ---- files the tests make ---------------------------------------------------------------------

const photo = () =>
  sharp({ create: { width: 1600, height: 1200, channels: 3, background: '#3366cc' } })
    .withExif({ IFD0: { Make: 'SpyCam', Copyright: 'me' }, IFD3: { GPSLatitudeRef: 'S', GPSLatitude: '23/1 33/1 0/1', GPSLongitudeRef: 'W', GPSLongitude: '46/1 38/1 0/1' } })
    .jpeg()
    .toBuffer();

const frame = (background: string) => sharp({ create: { width: 64, height: 48, channels: 3, background } }).png().toBuffer();
const animatedGif = async () => sharp([await frame('red'), await frame('green'), await frame('blue')], { join: { animated: true } }).gif({ delay: [100, 100, 100] }).toBuffer();

/** A valid PNG header claiming `width`×`height` with one row of data: a tiny file that would decode to gigabytes. */
function pngBomb(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8); // 8-bit greyscale
  const row = Buffer.alloc(width + 1);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(row)), chunk('IEND', Buffer.alloc(0))]);
}

/** A zip holding one file of `size` zero bytes, deflated: a few hundred KB that unpack to `size`. */
function zipBomb(size: number): Buffer {
  const data = deflateRawSync(Buffer.alloc(size), { level: 9 });
  const name = Buffer.from('zeros.bin');
  const crc = crc32(Buffer.alloc(size));
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(size, 22);
  local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(size, 24);
  central.writeUInt16LE(name.length, 28);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(46 + name.length, 12);
  end.writeUInt32LE(30 + name.length + data.length, 16);
  return Buffer.concat([local, name, data, central, name, end]);
}

const pdf = () => Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

// ---- tus by hand ----------------------------------------------------------------------------------

const b64 = (s: string) => Buffer.from(s).toString('base64');

interface Tus {
  status: number;
  headers: Headers;
  body: { error?: { code: string; message: string }; attachment?: Attachment } | undefined;
}

async function tus(node: TestNode, method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<Tus> {
  const res = await fetch(node.http + path, { method, headers: { 'tus-resumable': '1.0.0', ...headers }, ...(body && { body: new Uint8Array(body) }) });
  const text = method === 'HEAD' ? '' : await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

/** Uploads `bytes` in one PATCH by hand; the PATCH's answer (and the upload's path). */
async function rawUpload(node: TestNode, user: string, bytes: Buffer, name = 'file.bin'): Promise<{ created: Tus; patched?: Tus; path?: string }> {
  const auth = { authorization: `Bearer ${userToken(user)}` };
  const created = await tus(node, 'POST', '/v1/uploads', { ...auth, 'upload-length': String(bytes.length), 'upload-metadata': `filename ${b64(name)}` });
  const path = created.headers.get('location') ?? undefined;
  if (created.status !== 201 || !path) return { created };
  let patched = await tus(node, 'PATCH', path, { ...auth, 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' }, bytes);
  // A file still being checked when the last PATCH is answered: its outcome comes from GET.
  while (patched.status === 204 || patched.status === 202) {
    const got = await tus(node, 'GET', path, auth);
    if (got.status === 200) break;
    patched = got;
    if (got.status === 202) await new Promise((r) => setTimeout(r, 200));
  }
  return { created, patched, path };
}

const connect = async (node: TestNode, user: string, httpUrl?: string): Promise<ChatClient> => {
  const client = new ChatClient({ url: node.url, token: userToken(user), WebSocket, ...(httpUrl && { httpUrl }) });
  await client.connect();
  return client;
};

const nextMessage = (room: Room): Promise<RoomEvent> =>
  new Promise((resolve) => {
    const off = room.on('event', ({ event }) => {
      if (event.kind === 'msg') {
        off();
        resolve(event as RoomEvent);
      }
    });
  });

/** Files kept in the node's blob directory (`files/` and `thumbs/`). */
const storedBlobs = (node: TestNode): string[] =>
  ['files', 'thumbs'].flatMap((d) => {
    const dir = join(node.config.fileDir ?? join(node.config.dataDir, 'files'), d);
    return existsSync(dir) ? readdirSync(dir).map((f) => `${d}/${f}`) : [];
  });

describe.each(kinds)('files (%s)', (kind) => {
  let node: TestNode;
  let ana: ChatClient;
  let bo: ChatClient;
  let anaLobby: Room;
  let boLobby: Room;

  beforeAll(async () => {
    node = await startNode(kind, { uploadMaxBytes: MAX, uploadQuotaBytes: 4 * MAX, maxImagePixels: 40_000_000 });
    ana = await connect(node, 'ana');
    bo = await connect(node, 'bo');
    anaLobby = await ana.join('lobby');
    boLobby = await bo.join('lobby');
  });
  afterAll(async () => {
    await ana?.close();
    await bo?.close();
    await node?.destroy();
  });

  test('welcome announces files and every file limit', () => {
    expect(ana.features.has('files')).toBe(true);
    expect(ana.limits).toMatchObject({
      maxUploadBytes: MAX,
      maxFilesPerMessage: 10,
      uploadQuotaBytes: 4 * MAX,
      uploadsPerMinute: 30,
      uploadTtlMs: 86_400_000,
      maxImagePixels: 40_000_000,
      allowedTypes: [],
    });
    expect(ana.limits?.refusedTypes).toEqual(expect.arrayContaining(['text/html', 'image/svg+xml', 'application/x-msdownload']));
  });

  test('images are made in a child process of the server at the lowest CPU priority, started with the server', () => {
    // /proc/<pid>/stat: field 4 is the parent, field 19 the nice value (after the parenthesised name).
    const children = readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .flatMap((pid) => {
        try {
          const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
          const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
          return Number(fields[1]) === process.pid && cmdline.includes('image-worker.js') ? [Number(fields[16])] : [];
        } catch {
          return []; // gone meanwhile
        }
      });
    expect(children.length).toBeGreaterThanOrEqual(1);
    expect(children.every((nice) => nice === 19)).toBe(true);
  });

  test('two images and a PDF in one message reach the other member live, in history and on resume, with thumbnails and placeholders', async () => {
    const progress: number[] = [];
    const up = ana.upload(await photo(), { name: 'beach.jpg', chunkSize: 64 * 1024 });
    up.on('progress', ({ sent }) => progress.push(sent));
    const gif = ana.upload(await animatedGif(), { name: 'party.gif' });
    const doc = ana.upload(pdf(), { name: 'report.pdf' });
    const files = await Promise.all([up.done, gif.done, doc.done]);
    expect(progress.at(-1)).toBe(up.size);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(up.state).toBe('done');

    const arrived = nextMessage(boLobby);
    const ack = await anaLobby.send('holiday', { files });
    const live = await arrived;
    expect(live.seq).toBe(ack.seq);
    expect(live.attachments).toEqual(files);
    const [img, anim, paper] = live.attachments!;
    expect(img).toMatchObject({ kind: 'image', name: 'beach.jpg', mime: 'image/jpeg', width: 1600, height: 1200, thumb: true });
    expect(img!.placeholder).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(anim).toMatchObject({ kind: 'image', mime: 'image/gif', animated: true, width: 64, height: 48 });
    expect(paper).toMatchObject({ kind: 'file', name: 'report.pdf', mime: 'application/pdf', size: pdf().length });

    const page = await boLobby.history({ limit: 5 });
    expect((page.events.find((e) => e.seq === ack.seq) as RoomEvent | undefined)?.attachments).toEqual(files);

    // A client that was away gets them replayed from storage.
    const raw = await RawClient.signedIn(node.url, userToken('cy'));
    await raw.request({ t: Op.Join, room: 'lobby' });
    const replayed = await raw.request({ t: Op.Subscribe, room: 'lobby', after: ack.seq - 1 });
    expect(replayed.t).toBe(Op.Result);
    await until(() => raw.frames.some((f) => f.t === Op.Event && (f as { e: RoomEvent }).e.seq === ack.seq));
    const event = raw.frames.find((f) => f.t === Op.Event && (f as { e: RoomEvent }).e.seq === ack.seq) as unknown as { e: RoomEvent };
    expect(event.e.attachments).toEqual(files);
    raw.ws.close();
  });

  test('many uploads at once all arrive whole, paced over the turns of the event loop', async () => {
    // Twelve bodies of 2.5 MB at once: far over the node's intake per turn (two socket reads), so most
    // requests wait their turn in the pacer (files/slabs.ts) and are let go in order.
    const size = 2.5 * 1024 * 1024;
    const waits = async () => {
      const value = (await scrape(`${node.http}/metrics`)).value('parley_upload_intake_waits_total');
      expect(value).toBeTypeOf('number');
      return value!;
    };
    const waitsBefore = await waits();
    const others = Array.from({ length: 11 }, (_, i) => rawUpload(node, `pace${i}`, Buffer.alloc(size, i + 1), `p${i}.bin`));
    const mine = randomBytes(size);
    const [att, ...rest] = await Promise.all([ana.upload(mine, { name: 'mine.bin' }).done, ...others]);
    for (const [i, r] of rest.entries()) {
      expect(r.patched?.status).toBe(204);
      const got = await tus(node, 'GET', r.path!, { authorization: `Bearer ${userToken(`pace${i}`)}` });
      expect(got).toMatchObject({ status: 200, body: { attachment: { kind: 'file', size } } });
    }
    await anaLobby.send('paced', { files: [att] });
    const { urls } = await bo.fileUrls('lobby', [att.id]);
    const res = await fetch(urls[0]!.url);
    expect(Buffer.from(await res.arrayBuffer()).equals(mine)).toBe(true);
    expect(await waits()).toBeGreaterThan(waitsBefore); // some did wait their turn
  });

  test('downloads are signed, typed by their bytes, sandboxed, EXIF-free, ranged, and images keep their animation', async () => {
    const files = await Promise.all([ana.upload(await photo(), { name: 'gps.jpg' }).done, ana.upload(await animatedGif(), { name: 'a.gif' }).done, ana.upload(pdf(), { name: 'r.pdf' }).done]);
    await anaLobby.send('files', { files });
    const { urls, exp } = await bo.fileUrls('lobby', files.map((f) => f.id));
    expect(exp).toBeGreaterThan(Date.now());
    expect(urls.map((u) => u.id)).toEqual(files.map((f) => f.id));

    const photoRes = await fetch(urls[0]!.url);
    expect(photoRes.status).toBe(200);
    expect(photoRes.headers.get('content-type')).toBe('image/jpeg');
    expect(photoRes.headers.get('x-content-type-options')).toBe('nosniff');
    expect(photoRes.headers.get('content-security-policy')).toContain('sandbox');
    expect(photoRes.headers.get('content-disposition')).toMatch(/^inline; filename="gps.jpg"/);
    const bytes = Buffer.from(await photoRes.arrayBuffer());
    const meta = await sharp(bytes).metadata();
    expect(meta.exif).toBeUndefined();
    expect(bytes.includes(Buffer.from('SpyCam'))).toBe(false);
    expect([meta.width, meta.height]).toEqual([1600, 1200]);

    const thumb = await fetch(urls[0]!.thumb!);
    expect(thumb.headers.get('content-type')).toBe('image/webp');
    expect((await sharp(Buffer.from(await thumb.arrayBuffer())).metadata()).width).toBe(480);

    const gif = Buffer.from(await (await fetch(urls[1]!.url)).arrayBuffer());
    expect((await sharp(gif, { animated: true }).metadata()).pages).toBe(3);

    const pdfRes = await fetch(urls[2]!.url);
    expect(pdfRes.headers.get('content-disposition')).toMatch(/^attachment; filename="r.pdf"/);

    const ranged = await fetch(urls[0]!.url, { headers: { range: 'bytes=10-19' } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-range')).toBe(`bytes 10-19/${files[0]!.size}`);
    expect(Buffer.from(await ranged.arrayBuffer())).toEqual(bytes.subarray(10, 20));
    expect((await fetch(urls[0]!.url, { headers: { range: `bytes=${files[0]!.size}-` } })).status).toBe(416);
  });

  test('a resumable upload survives a cut connection: retry() goes on from what the server has', async () => {
    const proxy = new TcpProxy(node.server.port);
    await proxy.start();
    const client = await connect(node, 'dee', `http://127.0.0.1:${proxy.port}`);
    const bytes = Buffer.alloc(MAX - 1, 7);
    const up = client.upload(bytes, { name: 'big.bin', chunkSize: 256 * 1024 });
    // From the first chunk on, the server's answers are lost (its bytes still arrive): the upload
    // cannot finish before the cut, however fast this machine sends the rest.
    const off = up.on('progress', ({ sent }) => {
      if (sent < 256 * 1024) return;
      off();
      proxy.loseReplies();
    });
    await until(() => up.sent >= 256 * 1024, 60_000);
    await proxy.cut();
    await expect(up.done).rejects.toMatchObject({ retryable: true });
    expect(up.state).toBe('failed');
    const had = up.sent;
    await proxy.start();
    const attachment = await up.retry();
    expect(attachment.size).toBe(bytes.length);
    expect(up.sent).toBe(bytes.length);
    expect(had).toBeGreaterThan(0);
    await client.close();
    await proxy.cut();
  });

  test('cancel stops an upload and the server forgets it', async () => {
    const up = ana.upload(Buffer.alloc(2 * 1024 * 1024, 1), { name: 'x.bin', chunkSize: 128 * 1024 });
    await until(() => up.sent > 0);
    await up.cancel();
    await expect(up.done).rejects.toBeInstanceOf(UploadError);
    expect(up.state).toBe('canceled');
  });

  describe('bad input', () => {
    test('an SVG with script and HTML named .png are refused by their bytes (415), whatever name or type the client gives', async () => {
      const svg = Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>');
      const svgUp = await rawUpload(node, 'ana', svg, 'cat.png');
      expect(svgUp.patched).toMatchObject({ status: 415, body: { error: { code: 'type_refused' } } });
      const html = Buffer.from('<!doctype html><html><body><script>fetch("/steal")</script></body></html>');
      const htmlUp = await rawUpload(node, 'ana', html, 'photo.png');
      expect(htmlUp.patched).toMatchObject({ status: 415, body: { error: { code: 'type_refused' } } });
      // Refused uploads are gone, not parked.
      expect((await tus(node, 'HEAD', htmlUp.path!, { authorization: `Bearer ${userToken('ana')}` })).status).toBe(404);
      await expect(ana.upload(svg, { name: 'a.png' }).done).rejects.toMatchObject({ code: 'type_refused', status: 415, retryable: false });
    });

    test('a polyglot JPEG/HTML is stored as a clean JPEG: the HTML is gone and it is served as an image, sandboxed', async () => {
      const poly = Buffer.concat([await sharp({ create: { width: 300, height: 200, channels: 3, background: 'red' } }).jpeg().toBuffer(), Buffer.from('<html><script>alert(1)</script></html>')]);
      const att = await ana.upload(poly, { name: 'poly.html' }).done;
      expect(att).toMatchObject({ kind: 'image', mime: 'image/jpeg', name: 'poly.html' });
      await anaLobby.send('', { files: [att] });
      const { urls } = await bo.fileUrls('lobby', [att.id]);
      const res = await fetch(urls[0]!.url);
      expect(res.headers.get('content-type')).toBe('image/jpeg');
      expect(Buffer.from(await res.arrayBuffer()).includes(Buffer.from('<script'))).toBe(false);
    });

    test('a zip bomb is kept as the bytes it is, never unpacked, and served as a download', async () => {
      const bomb = zipBomb(200 * 1024 * 1024);
      expect(bomb.length).toBeLessThan(MAX);
      const att = await ana.upload(bomb, { name: 'bomb.zip' }).done;
      expect(att).toMatchObject({ kind: 'file', mime: 'application/zip', size: bomb.length });
      await anaLobby.send('zip', { files: [att] });
      const { urls } = await bo.fileUrls('lobby', [att.id]);
      const res = await fetch(urls[0]!.url);
      expect(res.headers.get('content-disposition')).toMatch(/^attachment/);
      expect(Buffer.from(await res.arrayBuffer()).length).toBe(bomb.length);
    });

    test('a decompression-bomb PNG (huge dimensions, tiny file) is refused before it is decoded', async () => {
      const bomb = pngBomb(60_000, 60_000);
      expect(bomb.length).toBeLessThan(200 * 1024);
      const { patched } = await rawUpload(node, 'ana', bomb, 'bomb.png');
      expect(patched).toMatchObject({ status: 422, body: { error: { code: 'image_too_large' } } });
      expect(patched!.body!.error!.message).toContain('60000×60000');
    });

    test('a truncated image and an empty file are refused with what is wrong', async () => {
      const whole = await sharp({ create: { width: 800, height: 600, channels: 3, background: 'green' } }).jpeg().toBuffer();
      const { patched } = await rawUpload(node, 'ana', whole.subarray(0, whole.length >> 1), 'half.jpg');
      expect(patched).toMatchObject({ status: 422, body: { error: { code: 'bad_image' } } });
      const empty = await tus(node, 'POST', '/v1/uploads', { authorization: `Bearer ${userToken('ana')}`, 'upload-length': '0' });
      expect(empty).toMatchObject({ status: 400, body: { error: { code: 'empty_file' } } });
      await expect(ana.upload(Buffer.alloc(0)).done).rejects.toMatchObject({ code: 'empty_file' });
    });

    test('a file over the limit is refused at creation, before any byte is sent, and a PATCH cannot go past the declared length', async () => {
      const auth = { authorization: `Bearer ${userToken('ana')}` };
      const over = await tus(node, 'POST', '/v1/uploads', { ...auth, 'upload-length': String(MAX + 1) });
      expect(over).toMatchObject({ status: 413, body: { error: { code: 'too_large' } } });
      expect(over.body!.error!.message).toContain(String(MAX));
      const created = await tus(node, 'POST', '/v1/uploads', { ...auth, 'upload-length': '10' });
      const longer = await tus(node, 'PATCH', created.headers.get('location')!, { ...auth, 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' }, Buffer.alloc(20));
      expect(longer.status).toBe(413);
      await expect(ana.upload(Buffer.alloc(MAX + 1)).done).rejects.toMatchObject({ code: 'too_large', status: 413 });
    });

    test('path traversal, control and right-to-left characters leave the name; the blob key never comes from it', async () => {
      const a = await ana.upload(pdf(), { name: '../../../etc/passwd' }).done;
      expect(a.name).toBe('passwd');
      const b = await ana.upload(pdf(), { name: 'in\u0000vo\u0007ice\u202Efdp.exe\r\n' }).done;
      expect(b.name).toBe('invoicefdp.exe');
      const c = await ana.upload(pdf(), { name: '..\\..\\win.ini' }).done;
      expect(c.name).toBe('win.ini');
      expect(storedBlobs(node).every((k) => /^(files|thumbs)\/[A-Za-z0-9_-]+$/.test(k))).toBe(true);
    });

    test('uploads need a token; an upload of someone else is invisible; offsets must match', async () => {
      expect((await tus(node, 'POST', '/v1/uploads', { 'upload-length': '5' })).status).toBe(401);
      expect((await tus(node, 'POST', '/v1/uploads', { authorization: 'Bearer nope', 'upload-length': '5' })).status).toBe(401);
      const auth = { authorization: `Bearer ${userToken('ana')}` };
      const created = await tus(node, 'POST', '/v1/uploads', { ...auth, 'upload-length': '10' });
      const path = created.headers.get('location')!;
      expect((await tus(node, 'HEAD', path, { authorization: `Bearer ${userToken('bo')}` })).status).toBe(404);
      const wrong = await tus(node, 'PATCH', path, { ...auth, 'upload-offset': '3', 'content-type': 'application/offset+octet-stream' }, Buffer.alloc(2));
      expect(wrong.status).toBe(409);
      expect(wrong.headers.get('upload-offset')).toBe('0');
      const noTus = await fetch(node.http + path, { method: 'HEAD', headers: auth });
      expect(noTus.status).toBe(412);
    });

    test('a send may only attach the sender\'s own finished uploads, each once, at most maxFilesPerMessage', async () => {
      const mine = await ana.upload(pdf(), { name: 'mine.pdf' }).done;
      const bosRoom = await bo.join('lobby');
      await expect(bosRoom.send('steal', { files: [mine] })).rejects.toMatchObject({ code: ErrorCode.NotFound });
      const auth = { authorization: `Bearer ${userToken('ana')}` };
      const unfinished = (await tus(node, 'POST', '/v1/uploads', { ...auth, 'upload-length': '10' })).headers.get('location')!.split('/').pop()!;
      await expect(anaLobby.send('half', { files: [unfinished] })).rejects.toMatchObject({ code: ErrorCode.NotFound });
      await expect(anaLobby.send('twice', { files: [mine, mine] })).rejects.toMatchObject({ code: ErrorCode.BadFrame });
      await anaLobby.send('once', { files: [mine] });
      await expect(anaLobby.send('again', { files: [mine] })).rejects.toMatchObject({ code: ErrorCode.NotFound });
      const raw = await RawClient.signedIn(node.url, userToken('ana'));
      const tooMany = await raw.request({ t: Op.Send, room: 'lobby', cid: 'many', body: 'x', files: Array.from({ length: 11 }, (_, i) => `f${i}`) });
      expect(tooMany).toMatchObject({ t: Op.Error, code: ErrorCode.TooLarge });
      const blank = await raw.request({ t: Op.Send, room: 'lobby', cid: 'blank', body: '' });
      expect(blank).toMatchObject({ t: Op.Error, code: ErrorCode.BadFrame });
      raw.ws.close();
    });

    test('a non-member of a private room gets no URL, and a URL cannot be forged, stretched or reused past its expiry', async () => {
      const room = await ana.createRoom({ kind: 'private', name: 'secret', members: ['bo'] });
      const att = await ana.upload(pdf(), { name: 'secret.pdf' }).done;
      await room.send('for bo', { files: [att] });
      const eve = await connect(node, 'eve');
      await expect(eve.fileUrls(room.id, [att.id])).rejects.toMatchObject({ code: ErrorCode.NotFound });
      // Asking through a room one may read for a file another room holds gives nothing either.
      expect((await eve.fileUrls('lobby', [att.id])).urls).toEqual([]);
      const { urls } = await bo.fileUrls(room.id, [att.id]);
      expect((await fetch(urls[0]!.url)).status).toBe(200);
      const url = new URL(urls[0]!.url);
      url.searchParams.set('exp', String(Number(url.searchParams.get('exp')) + 86_400_000));
      expect((await fetch(url)).status).toBe(403);
      const unsigned = new URL(urls[0]!.url);
      unsigned.search = '';
      expect((await fetch(unsigned)).status).toBe(403);
      // A link signed with the real key, but expired.
      const key = Buffer.from(await node.server.store.sharedSetting('file_url_key', 'unused'), 'base64url');
      const exp = Date.now() - 1000;
      const sig = createHmac('sha256', key).update(`${att.id}\nfile\n${exp}`).digest('base64url');
      const expired = await fetch(`${node.http}/v1/files/${att.id}?exp=${exp}&sig=${sig}`);
      expect(expired.status).toBe(403);
      expect(((await expired.json()) as { error: { code: string } }).error.code).toBe('expired');
      await eve.close();
    });

    test('a deleted message\'s files are gone from storage, from history and from their links', async () => {
      const files = await Promise.all([ana.upload(await photo(), { name: 'del.jpg' }).done, ana.upload(pdf(), { name: 'del.pdf' }).done]);
      const ack = await anaLobby.send('soon gone', { files });
      const { urls } = await bo.fileUrls('lobby', files.map((f) => f.id));
      const keys = [`files/${files[0]!.id}`, `thumbs/${files[0]!.id}`, `files/${files[1]!.id}`];
      expect(storedBlobs(node)).toEqual(expect.arrayContaining(keys));
      await anaLobby.delete(ack.seq);
      await until(async () => (await fetch(urls[0]!.url)).status === 404);
      await until(() => keys.every((k) => !storedBlobs(node).includes(k)));
      const page = await boLobby.history({ limit: 10 });
      const tomb = page.events.find((e) => e.seq === ack.seq) as RoomEvent | undefined;
      expect(tomb).toMatchObject({ deleted: true });
      expect(tomb?.attachments).toBeUndefined();
      expect((await bo.fileUrls('lobby', files.map((f) => f.id))).urls).toEqual([]);
    });

    test('uploads no message took are collected after the TTL, with their bytes', async () => {
      const att = await ana.upload(pdf(), { name: 'orphan.pdf' }).done;
      expect(storedBlobs(node)).toContain(`files/${att.id}`);
      await node.server.store.uploads.get(att.id);
      const sql = (node.server.store as unknown as { sql: { query(t: string, p: unknown[]): Promise<unknown> } }).sql;
      await sql.query('UPDATE uploads SET created_at = 0 WHERE id = $1', [att.id]);
      await node.server.hub.files!.sweep();
      expect(await node.server.store.uploads.get(att.id)).toBeNull();
      expect(storedBlobs(node)).not.toContain(`files/${att.id}`);
    });

    test('the quota and the upload rate are per user, refused with their codes', async () => {
      const auth = { authorization: `Bearer ${userToken('quota')}` };
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await tus(node, 'POST', '/v1/uploads', { ...auth, 'upload-length': String(MAX) })).status);
      expect(statuses).toEqual([201, 201, 201, 201, 413]);
      const full = await tus(node, 'POST', '/v1/uploads', { ...auth, 'upload-length': '1' });
      expect(full.body?.error?.code).toBe('quota_exceeded');
      const rate = { authorization: `Bearer ${userToken('rate')}` };
      const codes: number[] = [];
      for (let i = 0; i < 31; i++) codes.push((await tus(node, 'POST', '/v1/uploads', { ...rate, 'upload-length': '1' })).status);
      expect(codes.slice(0, 30).every((c) => c === 201)).toBe(true);
      expect(codes[30]).toBe(429);
    }, 120_000);
  });
});
