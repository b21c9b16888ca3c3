// A bot posts images (issue 13, item 7): it uploads with its key, from a Buffer and from a path, and a
// member receives the message with its thumbnail; the bot's files go only where its messages may, and
// the upload limits hold for it as for anyone. Embedded store (the upload path is the same on both).
import { ChatClient, UploadError, type Room, type RoomEvent } from '@parley/sdk';
import { createBot, type Bot } from '@parley/sdk/bot';
import { ErrorCode, Op } from '@parley/sdk/protocol';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { RawClient } from './support/raw-client.js';
import { startNode, userToken, type TestNode } from './support/server.js';

const ADMIN = 'admin-token-for-the-bot-file-tests-0123456789';
const MAX = 1024 * 1024;
const chart = (background: string) => sharp({ create: { width: 640, height: 400, channels: 3, background } }).png().toBuffer();

describe('a bot posts images', () => {
  let node: TestNode;
  let key: string;
  let bot: Bot;
  let bo: ChatClient;
  let boLobby: Room;
  const dir = mkdtempSync(join(tmpdir(), 'parley-bot-files-'));

  beforeAll(async () => {
    node = await startNode('pglite', { adminToken: ADMIN, rooms: ['lobby', 'ops'], uploadMaxBytes: MAX });
    const created = await fetch(`${node.http}/v1/admin/bots`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'ChartBot', rooms: ['lobby'] }),
    });
    key = ((await created.json()) as { key: { key: string } }).key.key;
    bot = createBot({ url: node.url, key, WebSocket, onError: () => undefined });
    await bot.start();
    bo = new ChatClient({ url: node.url, token: userToken('bo'), WebSocket });
    await bo.connect();
    boLobby = await bo.join('lobby');
  });
  afterAll(async () => {
    await bot?.stop();
    await bo?.close();
    await node?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  test('from a Buffer and from a path: the member receives both images with thumbnails it may download', async () => {
    const path = join(dir, 'weekly-chart.png');
    writeFileSync(path, await chart('#3050a0'));
    const fromBuffer = await (await bot.upload(await chart('#a03050'), { name: 'daily.png' })).done;
    const fromPath = await (await bot.upload(path)).done;
    expect(fromPath.name).toBe('weekly-chart.png');

    const arrived = new Promise<RoomEvent>((resolve) => boLobby.on('event', ({ event }) => !('problem' in event) && event.attachments?.length && resolve(event)));
    await bot.room('lobby')!.send('this week', { files: [fromBuffer, fromPath] });
    const event = await arrived;
    expect(event.by).toBe('bot:chartbot');
    expect(event.attachments).toEqual([
      expect.objectContaining({ kind: 'image', name: 'daily.png', mime: 'image/png', width: 640, height: 400, thumb: true }),
      expect.objectContaining({ kind: 'image', name: 'weekly-chart.png', mime: 'image/png', width: 640, height: 400, thumb: true }),
    ]);
    const { urls } = await bo.fileUrls('lobby', event.attachments!.map((a) => a.id));
    expect(urls).toHaveLength(2);
    for (const u of urls) {
      const thumb = await fetch(u.thumb!);
      expect(thumb.status).toBe(200);
      expect(thumb.headers.get('content-type')).toBe('image/webp');
      expect((await sharp(Buffer.from(await thumb.arrayBuffer())).metadata()).width).toBe(480);
    }
  });

  test("a bot's file goes only to the rooms of its key, like its messages", async () => {
    const file = await (await bot.upload(await chart('#30a050'), { name: 'secret.png' })).done;
    // Signed in with the same key, outside the bot framework, to try a room the key does not hold.
    const raw = await RawClient.signedIn(node.url, key);
    try {
      const reply = await raw.request({ t: Op.Send, room: 'ops', cid: 'b1', body: '', files: [file.id] });
      expect(reply).toMatchObject({ t: Op.Error, code: ErrorCode.Forbidden });
    } finally {
      raw.ws.terminate();
    }
  });

  test("a bot's upload over the size limit is refused before its bytes are sent; a wrong key uploads nothing", async () => {
    const upload = await bot.upload(Buffer.alloc(MAX + 1, 1), { name: 'huge.bin' });
    const refused = await upload.done.catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(UploadError);
    expect(refused).toMatchObject({ code: 'too_large', status: 413 });

    const forged = `${key.slice(0, -4)}AAAA`;
    const res = await fetch(`${node.http}/v1/uploads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${forged}`, 'tus-resumable': '1.0.0', 'upload-length': '10' },
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/bot key is unknown or revoked/);
  });
});
