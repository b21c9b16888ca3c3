// The S3 blob driver end to end against s3rver (an S3-compatible server started here, on port 0): an
// image and a file go up through tus, land in the bucket (cleaned, with a thumbnail), stream back with
// ranges through signed URLs, and leave the bucket when their message is deleted or when no message
// took them in time. The driver speaks plain S3 (path-style, as MinIO and other self-hosted services
// want); it was written for Amazon S3, MinIO, Cloudflare R2, Backblaze B2 and DigitalOcean Spaces.
import { ChatClient } from '@parley/sdk';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { startNode, userToken, type TestNode } from './support/server.js';
import { until } from './support/until.js';

const BUCKET = 'parley-files';
const KEY = 'S3RVER';

describe('files in S3 (s3rver)', () => {
  let s3rver: S3rver;
  let dir: string;
  let endpoint: string;
  let s3: S3Client;
  let node: TestNode;
  let ana: ChatClient;

  const exists = async (key: string): Promise<boolean> => {
    try {
      await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
      return true;
    } catch {
      return false;
    }
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-s3rver-'));
    s3rver = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir, configureBuckets: [{ name: BUCKET }] });
    const address = (await s3rver.run()) as AddressInfo;
    endpoint = `http://127.0.0.1:${address.port}`;
    s3 = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials: { accessKeyId: KEY, secretAccessKey: KEY } });
    node = await startNode('pglite', {
      fileStore: 's3',
      s3Bucket: BUCKET,
      s3Endpoint: endpoint,
      s3PathStyle: true,
      s3AccessKey: KEY,
      s3SecretKey: KEY,
    });
    ana = new ChatClient({ url: node.url, token: userToken('ana'), WebSocket });
    await ana.connect();
  });
  afterAll(async () => {
    await ana?.close();
    await node?.destroy();
    s3?.destroy();
    await s3rver?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('an image and a file are stored in the bucket, served back (ranges too) and removed with their message', async () => {
    const room = await ana.join('lobby');
    const photo = await sharp({ create: { width: 1000, height: 700, channels: 3, background: '#8e24aa' } })
      .withExif({ IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '52/1 31/1 0/1' } })
      .jpeg()
      .toBuffer();
    const notes = Buffer.from('meeting notes\n'.repeat(1000));
    const [img, txt] = await Promise.all([ana.upload(photo, { name: 'trip.jpg' }).done, ana.upload(notes, { name: 'notes.txt' }).done]);
    expect(img).toMatchObject({ kind: 'image', width: 1000, height: 700, thumb: true });
    expect(txt).toMatchObject({ kind: 'file', mime: 'text/plain', size: notes.length });
    for (const key of [`files/${img.id}`, `thumbs/${img.id}`, `files/${txt.id}`]) expect(await exists(key), key).toBe(true);

    const ack = await room.send('from the trip', { files: [img, txt] });
    const { urls } = await ana.fileUrls('lobby', [img.id, txt.id]);
    const got = await fetch(urls[0]!.url);
    const image = Buffer.from(await got.arrayBuffer());
    expect([got.status, got.headers.get('content-type'), image.length]).toEqual([200, 'image/jpeg', img.size]);
    expect((await sharp(image).metadata()).exif).toBeUndefined();
    const part = await fetch(urls[1]!.url, { headers: { range: 'bytes=14-27' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 14-27/${notes.length}`);
    expect(await part.text()).toBe('meeting notes\n');
    expect((await fetch(urls[0]!.thumb!)).headers.get('content-type')).toBe('image/webp');

    await room.delete(ack.seq);
    await until(async () => !(await exists(`files/${img.id}`)) && !(await exists(`thumbs/${img.id}`)) && !(await exists(`files/${txt.id}`)));
    expect((await fetch(urls[1]!.url)).status).toBe(404);
  });

  test('an upload no message took leaves the bucket after the TTL', async () => {
    const orphan = await ana.upload(Buffer.from('%PDF-1.4\n%%EOF\n'), { name: 'orphan.pdf' }).done;
    expect(await exists(`files/${orphan.id}`)).toBe(true);
    const sql = (node.server.store as unknown as { sql: { query(t: string, p: unknown[]): Promise<unknown> } }).sql;
    await sql.query('UPDATE uploads SET created_at = 0 WHERE id = $1', [orphan.id]);
    await node.server.hub.files!.sweep();
    expect(await exists(`files/${orphan.id}`)).toBe(false);
  });
});
