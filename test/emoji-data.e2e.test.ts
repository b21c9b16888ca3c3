// The emoji data route on a real node: the picker's data comes from Parley itself, as JSON, cacheable
// and revalidated by ETag, readable from other origins, and nothing else is reachable under /emoji/.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startNode, type TestNode } from './support/server.js';

describe('emoji data route', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startNode('pglite');
  });
  afterAll(async () => {
    await node?.destroy();
  });

  test('serves the English data with shortcodes as cacheable JSON any origin may read', async () => {
    const res = await fetch(`${node.http}/emoji/en.json`, { headers: { origin: 'https://elsewhere.example', 'accept-encoding': 'gzip' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('public, max-age=86400');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-expose-headers')).toMatch(/etag/i);
    expect(res.headers.get('content-encoding')).toBe('gzip');
    const etag = res.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]+"$/);
    const data = (await res.json()) as Array<{ emoji: string; shortcodes?: string[]; skins?: unknown[] }>;
    expect(data.length).toBeGreaterThan(1500);
    const thumbs = data.find((e) => e.shortcodes?.includes('thumbsup'));
    expect(thumbs?.emoji.replace('\ufe0f', '')).toBe('👍');
    expect(thumbs?.skins?.length).toBe(5);

    const again = await fetch(`${node.http}/emoji/en.json`, { headers: { 'if-none-match': etag!, 'accept-encoding': 'gzip' } });
    expect(again.status).toBe(304);
    const head = await fetch(`${node.http}/emoji/en.json`, { method: 'HEAD', headers: { 'accept-encoding': 'gzip' } });
    expect(head.status).toBe(200);
    expect(head.headers.get('etag')).toBe(etag);
  });

  test('serves Portuguese names for pt-BR readers', async () => {
    const res = await fetch(`${node.http}/emoji/pt.json`);
    expect(res.status).toBe(200);
    const data = (await res.json()) as Array<{ emoji: string; annotation: string }>;
    expect(data.find((e) => e.emoji === '😀')?.annotation).toBe('rosto risonho');
  });

  test('answers 404 for every other path under /emoji/', async () => {
    for (const path of ['/emoji/', '/emoji/de.json', '/emoji/en.JSON', '/emoji/en.json/', '/emoji/../package.json', '/emoji/%2e%2e/package.json', '/emoji/en/emojibase/data.json', '/emoji/data.json']) {
      const res = await fetch(`${node.http}${path}`);
      expect(res.status, path).toBe(404);
      await res.arrayBuffer();
    }
    const post = await fetch(`${node.http}/emoji/en.json`, { method: 'POST', body: '{}' });
    expect(post.status).toBe(404);
  });
});
