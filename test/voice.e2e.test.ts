// Voice messages on the wire (protocol section 25): a recording uploaded over tus with its claimed
// duration and waveform becomes a `voice` attachment that a raw socket sends and another receives;
// bad claims are refused before a byte is stored, and a recording that does not play as long as it
// says (or is not audio at all) is refused when its last byte arrives, and dropped.
import { Op } from '@parley/sdk/protocol';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RawClient } from './support/raw-client.js';
import { postgresAvailable, startNode, userToken, type StoreKind, type TestNode } from './support/server.js';

const kinds: StoreKind[] = (await postgresAvailable()) ? ['pglite', 'postgres'] : ['pglite'];

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));
/** A plausible waveform: 64 levels 0..255. */
const WAVE = Array.from({ length: 64 }, (_, i) => (i * 37) % 256);
const MAX_VOICE_MS = 60_000;

/** Upload-Metadata from pairs; an undefined value is a key alone (`voice`). */
function metadata(fields: Record<string, string | undefined>): string {
  return Object.entries(fields)
    .map(([k, v]) => (v === undefined ? k : `${k} ${Buffer.from(v).toString('base64')}`))
    .join(',');
}

const voice = (duration: number | string, waveform: readonly (number | string)[] = WAVE) => ({ filename: 'voice.webm', voice: undefined, duration: String(duration), waveform: waveform.join(',') });

/** An Ogg Opus stream of `ms` (two pages after the headers; CRCs left zero: nothing on the way checks them). */
function oggOpus(ms: number): Uint8Array {
  const page = (granule: number, packet: Uint8Array, type: number) => {
    const p = Buffer.alloc(28 + packet.length);
    p.write('OggS', 0);
    p[5] = type;
    p.writeBigUInt64LE(BigInt(granule), 6);
    p[26] = 1;
    p[27] = packet.length;
    p.set(packet, 28);
    return p;
  };
  const head = Buffer.alloc(19);
  head.write('OpusHead', 0);
  head[8] = 1;
  head[9] = 1;
  head.writeUInt16LE(312, 10);
  head.writeUInt32LE(48_000, 12);
  return Buffer.concat([page(0, head, 2), page(0, Buffer.from('OpusTags\0\0\0\0\0\0\0\0'), 0), page((ms * 48) / 2, Buffer.alloc(60, 1), 0), page(ms * 48 + 312, Buffer.alloc(60, 1), 4)]);
}

describe.each(kinds)('voice messages (%s)', (kind) => {
  let node: TestNode;
  const clients: RawClient[] = [];
  const ana = userToken('ana', 'Ana');
  const bruno = userToken('bruno', 'Bruno');

  beforeAll(async () => {
    node = await startNode(kind, { maxVoiceMs: MAX_VOICE_MS });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await node?.destroy();
  });

  const headers = (token: string, more: Record<string, string> = {}) => ({ authorization: `Bearer ${token}`, 'tus-resumable': '1.0.0', ...more });

  async function create(token: string, size: number, fields: Record<string, string | undefined>): Promise<Response> {
    return fetch(`${node.http}/v1/uploads`, { method: 'POST', headers: headers(token, { 'upload-length': String(size), 'upload-metadata': metadata(fields) }) });
  }

  /** Creates and sends `bytes` in one PATCH: the PATCH's answer and where the upload is. */
  async function upload(token: string, bytes: Uint8Array, fields: Record<string, string | undefined>): Promise<{ patched: Response; location: string }> {
    const created = await create(token, bytes.length, fields);
    // Only a refusal has a body worth reading (a 201's is empty).
    if (created.status !== 201) expect.fail(`upload refused: ${created.status} ${await created.text()}`);
    const location = new URL(created.headers.get('location')!, node.http).toString();
    const patched = await fetch(location, { method: 'PATCH', headers: headers(token, { 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' }), body: Buffer.from(bytes) });
    return { patched, location };
  }

  async function client(token: string): Promise<RawClient> {
    const c = await RawClient.signedIn(node.url, token);
    clients.push(c);
    return c;
  }

  test('announces the feature and the limit', async () => {
    const c = await client(ana);
    const welcome = c.frames.find((f) => f.t === Op.Welcome)!;
    expect(welcome.features).toEqual(expect.arrayContaining(['files', 'voice']));
    expect((welcome.limits as { maxVoiceMs?: number }).maxVoiceMs).toBe(MAX_VOICE_MS);
  });

  test('a recording whose claims hold becomes a voice attachment; a raw socket sends it and another receives it', async () => {
    const webm = fixture('voice-tone-2s.webm');
    const { patched, location } = await upload(ana, webm, voice(1980));
    expect(patched.status).toBe(204);
    const { attachment } = (await (await fetch(location, { headers: headers(ana) })).json()) as { attachment: Record<string, unknown> };
    // Sniffed as video/webm (an audio-only WebM looks like any other), served as the audio it is.
    expect(attachment).toMatchObject({ kind: 'voice', mime: 'audio/webm', size: webm.length, duration: 1980, waveform: WAVE });

    const a = await client(ana);
    const b = await client(bruno);
    const room = `voice-${Date.now().toString(36)}`;
    await a.ok({ t: Op.RoomCreate, kind: 'public', id: room });
    await b.ok({ t: Op.Join, room });
    await b.ok({ t: Op.Subscribe, room });
    const mark = b.mark;
    await a.ok({ t: Op.Send, room, cid: 'v1', body: '', files: [attachment.id] });
    const got = await b.next((f) => f.t === Op.Event && (f.e as { kind: string }).kind === 'msg', 5000, mark);
    const e = got.e as { by: string; body: string; attachments: Record<string, unknown>[] };
    expect(e.by).toBe('ana');
    expect(e.body).toBe('');
    expect(e.attachments).toEqual([expect.objectContaining({ id: attachment.id, kind: 'voice', mime: 'audio/webm', duration: 1980, waveform: WAVE })]);

    // Bruno downloads what Ana recorded, byte for byte, as audio.
    const urls = await b.ok({ t: Op.FileUrls, room, ids: [attachment.id] });
    const file = await fetch(new URL(urls.urls[0].url, node.http));
    expect(file.headers.get('content-type')).toMatch(/^audio\/webm/);
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(webm);
  });

  test.each([
    ['a duration over limits.maxVoiceMs', voice(MAX_VOICE_MS + 1), 'bad_voice', /longer than the 60000 ms this server allows/],
    ['a duration under the shortest', voice(120), 'bad_voice', /at least 300/],
    ['no duration', { filename: 'v.webm', voice: undefined, waveform: WAVE.join(',') }, 'bad_voice', /needs "duration"/],
    ['no waveform', { filename: 'v.webm', voice: undefined, duration: '2000' }, 'bad_voice', /needs "waveform", an array of 8 to 256 levels/],
    ['a waveform of 7 levels', voice(2000, WAVE.slice(0, 7)), 'bad_voice', /8 to 256 levels/],
    ['a waveform of 257 levels', voice(2000, Array.from({ length: 257 }, () => 1)), 'bad_request', /at most 256/],
    ['a level of 256', voice(2000, [...WAVE.slice(1), 256]), 'bad_request', /0\.\.255/],
    ['a level that is not a whole number', voice(2000, [...WAVE.slice(1), '1.5']), 'bad_request', /0\.\.255/],
    ['a duration that is not a number', voice('2s'), 'bad_request', /whole number of milliseconds/],
  ])('refuses %s before a byte is stored', async (_what, fields, code, message) => {
    const res = await create(ana, 8556, fields);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(res.status).toBe(400);
    expect(body.error.code).toBe(code);
    expect(body.error.message).toMatch(message);
    expect(res.headers.get('location')).toBeNull();
  });

  test('refuses a file far bigger than a voice message of its duration can be', async () => {
    const res = await create(ana, 5_000_000, voice(2000));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string; message: string } }).error).toEqual({ code: 'bad_voice', message: 'a voice message of 2000 ms takes at most 145536 bytes; this one declares 5000000' });
  });

  test.each([
    ['a recording that plays 2 s claimed as 10 s', () => fixture('voice-tone-2s.webm'), 10_000, /plays for 19\d\d ms, not the 10000 ms its duration says/],
    ['a truncated recording', () => fixture('voice-tone-2s.webm').subarray(0, 4300), 1980, /plays for \d{3} ms, not the 1980 ms/],
    ['a recording longer than the limit, claimed within it', () => oggOpus(90_000), MAX_VOICE_MS, /plays for 90000 ms, longer than the 60000 ms this server allows/],
    ['an image sent as a voice message', () => pngBytes(), 2000, /must be audio in WebM, Ogg or MP4; this file is image\/png/],
  ])('refuses %s once it arrives, and drops it', async (_what, bytes, duration, message) => {
    const { patched, location } = await upload(ana, bytes(), voice(duration));
    const body = (await patched.json()) as { error: { code: string; message: string } };
    expect(patched.status).toBe(422);
    expect(body.error.code).toBe('bad_voice');
    expect(body.error.message).toMatch(message);
    expect((await fetch(location, { method: 'HEAD', headers: headers(ana) })).status).toBe(404);
  });

  test('takes Ogg Opus and fragmented MP4 recordings as they are', async () => {
    for (const [bytes, duration, mime] of [
      [oggOpus(3000), 3000, 'audio/ogg'],
      [fixture('voice-tone-2s.mp4'), 1900, 'audio/mp4'],
    ] as const) {
      const { patched, location } = await upload(ana, bytes, voice(duration));
      expect(patched.status).toBe(204);
      const { attachment } = (await (await fetch(location, { headers: headers(ana) })).json()) as { attachment: Record<string, unknown> };
      expect(attachment).toMatchObject({ kind: 'voice', mime, duration });
    }
  });
});

/** A 1×1 PNG. */
function pngBytes(): Uint8Array {
  return Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
}
