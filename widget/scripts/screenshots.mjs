// Takes screenshots of the widget (desktop and phone, light and dark) against a real Parley node, in
// the Debian Chromium, with the widget loaded by the node's own embed script: `node widget/scripts/screenshots.mjs [outDir]` after `npm run build`.
import { createServer } from 'node:http';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { connectAs, startParley, tokenFor } from '../test/support/parley-server.mjs';

const out = process.argv[2] ?? 'widget/screenshots';
mkdirSync(out, { recursive: true });

const parley = await startParley();
const ana = await connectAs(parley.ws, 'ana', 'Ana');
const bo = await connectAs(parley.ws, 'bo', 'Bo');
const [lobbyAna, lobbyBo] = [await ana.join('lobby'), await bo.join('lobby')];
const carla = await connectAs(parley.ws, 'me', 'Carla');
const lobbyCarla = await carla.join('lobby');
await lobbyAna.send('Hi everyone! Is the release still on for Friday?');
await lobbyAna.send('I can take the changelog.');
await lobbyBo.send('Yes, Friday. QA signs off on Thursday.');
await lobbyCarla.send('Great! I will draft the announcement.');
await carla.close();
await lobbyBo.send('<img src=x onerror=alert(1)> shows as text, by the way');
// A room showing every markdown construct the widget renders, for the rich-text picture.
const showcase = await ana.createRoom({ kind: 'public', id: 'showcase', name: 'Release notes' });
await showcase.send(
  [
    'Release **2.4** is _out_ ~~tomorrow~~ today. Run `npm i @parley/sdk` and see [the notes](https://example.com/notes) or https://example.com/changelog.',
    '> QA signed off on **Thursday**',
    '> > with one *known* issue',
    '- faster history',
    '- emoji picker',
    '  - skin tones',
    '1. update',
    '2. restart',
    '```',
    'const room = await client.join("lobby");',
    'await room.send("**hello**");',
    '```',
    'Careful: [login](https://exаmple.com/login) and <b>raw html</b> stay harmless; [this](javascript:alert(1)) is text.',
  ].join('\n'),
);

const page = (token, room = 'lobby') => `<!doctype html><html><head><meta charset="utf-8"><title>Parley demo</title>
<style>body{margin:0;font:16px Georgia,serif;background:#f4efe6;color:#333;padding:40px}h1{font-weight:400}</style></head>
<body><h1>Acme Store</h1><p>Some host page content behind the widget.</p>
<script src="${parley.http}/widget.js" data-room="${room}" ${token ? `data-token="${token}"` : ''} async></script></body></html>`;
const files = createServer((req, res) => {
  if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html' }).end(page(tokenFor('me', 'Carla')));
  else if (req.url === '/rich') res.writeHead(200, { 'content-type': 'text/html' }).end(page(tokenFor('me', 'Carla'), 'showcase'));
  else if (req.url === '/guest') res.writeHead(200, { 'content-type': 'text/html' }).end(page(undefined));
  else res.writeHead(404).end();
}).listen(0, '127.0.0.1');
await new Promise((r) => files.once('listening', r));
const origin = `http://127.0.0.1:${files.address().port}`;

const browser = await chromium.launch({
  executablePath: process.env.CHROME_PATH ?? process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  for (const [name, viewport] of [['desktop', { width: 1100, height: 760 }], ['phone', { width: 390, height: 780 }]]) {
    for (const scheme of ['light', 'dark']) {
      const ctx = await browser.newContext({ viewport, colorScheme: scheme, deviceScaleFactor: 1 });
      const p = await ctx.newPage();
      p.on('console', (m) => m.type() === 'error' && console.error('page:', m.text()));
      await p.goto(origin);
      // Through the embed script served by the node itself, as a site would use it.
      await p.locator('chat-widget [part~="launcher"]').click();
      await p.locator('chat-widget [part~="message"]').nth(3).waitFor();
      if (name === 'desktop') {
        await lobbyBo.typing(false);
        await lobbyBo.typing(true);
        await p.locator('chat-widget [part~="typing"]').waitFor({ timeout: 3000 }).catch(() => console.error('no typing indicator'));
      }
      await p.screenshot({ path: join(out, `widget-${name}-${scheme}.png`) });
      await ctx.close();
    }
  }
  // A few more states: the closed launcher with its badge, the member list, the guest form.
  const ctx = await browser.newContext({ viewport: { width: 1100, height: 760 }, colorScheme: 'light' });
  const p = await ctx.newPage();
  await p.goto(origin);
  await p.locator('chat-widget [part~="launcher"]').waitFor();
  await p.waitForFunction(() => document.querySelector('chat-widget')?.ready).then((h) => h.evaluate((r) => r));
  await lobbyAna.send('Anyone around to review my PR?');
  await p.locator('chat-widget [part~="badge"]').waitFor();
  await p.screenshot({ path: join(out, 'widget-launcher-badge.png') });
  await p.locator('chat-widget [part~="launcher"]').click();
  await p.locator('chat-widget [part~="input"]').fill('Sure, sending a link now');
  await p.keyboard.press('Enter');
  await p.locator('chat-widget [part~="message"][data-own][data-status="sent"]').last().waitFor();
  await p.locator('chat-widget [part~="members-toggle"]').click();
  await p.locator('chat-widget [part~="member"]').first().waitFor();
  await p.screenshot({ path: join(out, 'widget-members.png') });
  await p.goto(`${origin}/guest`);
  await p.locator('chat-widget [part~="launcher"]').click();
  await p.locator('chat-widget [part~="guest-form"]').waitFor();
  await p.screenshot({ path: join(out, 'widget-guest.png') });
  await ctx.close();
  // Rich text, then the emoji picker open over the composer.
  const rich = await browser.newContext({ viewport: { width: 1100, height: 900 }, colorScheme: 'light' });
  const r = await rich.newPage();
  await r.goto(`${origin}/rich`);
  await r.locator('chat-widget [part~="launcher"]').click();
  await r.locator('chat-widget [part~="message-body"] blockquote').first().waitFor();
  await r.screenshot({ path: join(out, 'widget-rich-text.png') });
  await r.locator('chat-widget [part~="emoji-button"]').click();
  await r.locator('chat-widget [part~="emoji-picker"]').waitFor();
  await r.waitForFunction(() => {
    const picker = document.querySelector('chat-widget')?.shadowRoot?.querySelector('[part~="panel"]')?.shadowRoot?.querySelector('[part~="emoji-picker"]');
    return (picker?.shadowRoot?.querySelectorAll('.grid button').length ?? 0) > 50;
  });
  await r.screenshot({ path: join(out, 'widget-emoji-picker.png') });
  await rich.close();
  const phone = await browser.newContext({ viewport: { width: 390, height: 780 }, colorScheme: 'dark' });
  const ph = await phone.newPage();
  await ph.goto(`${origin}/rich`);
  await ph.locator('chat-widget [part~="launcher"]').click();
  await ph.locator('chat-widget [part~="message-body"] blockquote').first().waitFor();
  await ph.locator('chat-widget [part~="input"]').fill('**Shipped** it, see `v2.4` ~~soon~~');
  await ph.keyboard.press('Enter');
  await ph.locator('chat-widget [part~="message"][data-own][data-status="sent"] strong').waitFor();
  await ph.screenshot({ path: join(out, 'widget-rich-text-phone-dark.png') });
  await phone.close();
} finally {
  await browser.close();
  files.close();
  await Promise.all([ana.close(), bo.close()]);
  await parley.stop();
}
console.log(`screenshots in ${out}`);
process.exit(0);
