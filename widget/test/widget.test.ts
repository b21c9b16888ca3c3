// <chat-widget> against a real Parley node: rendering, keyboard, events, identity, theming, i18n,
// accessibility and hostile input. Runs once on the sources and once on the minified bundle.
import { expect } from '@open-wc/testing';
import type { ChatClient, Room } from '@parley/sdk';
import { emulateMedia, sendKeys, setViewport } from '@web/test-runner-commands';
import type { ChatPanel } from '../src/chat-panel.js';
import type { ChatWidget } from '../src/index.js';
import '../src/index.js';
import { bodies, bot, deepActive, mount, parley, part, parts, tokenFor, unique, until } from './support/env.js';

declare const axe: {
  run(context: Element | Document, options?: object): Promise<{ violations: { id: string; help: string; nodes: { target: unknown; failureSummary?: string }[] }[] }>;
};

interface Scene {
  el: ChatWidget;
  room: string;
  ana: ChatClient;
  anaRoom: Room;
  me: string;
}

const cleanups: (() => unknown)[] = [];

afterEach(async () => {
  for (const el of document.querySelectorAll('chat-widget')) el.remove();
  await Promise.all(cleanups.splice(0).map((f) => f()));
  localStorage.clear();
  document.title = 'widget test';
  await emulateMedia({ colorScheme: 'light' });
  await setViewport({ width: 1000, height: 760 });
});

/** A fresh public room where "Ana" (an SDK client) is; a widget signed in as a new user shows it. */
async function scene(attrs: Record<string, string | null> = {}, beforeMount?: (anaRoom: Room) => Promise<void>): Promise<Scene> {
  const { http } = await parley();
  const room = unique('room');
  const ana = await bot(unique('ana'), 'Ana');
  cleanups.push(() => ana.close());
  const anaRoom = await ana.createRoom({ kind: 'public', id: room, name: 'Test room' });
  await beforeMount?.(anaRoom);
  const me = unique('me');
  const el = await mount({ server: http, room, token: await tokenFor(me, 'Maria'), ...attrs });
  await el.ready;
  return { el, room, ana, anaRoom, me };
}

/** Waits until neither the widget nor its panel has a render pending, plus one frame. */
async function settle(el: ChatWidget): Promise<void> {
  await el.updateComplete;
  await el.shadowRoot!.querySelector<ChatPanel>('parley-chat-panel')?.updateComplete;
  await new Promise((r) => requestAnimationFrame(r));
}

async function openPanel(el: ChatWidget): Promise<void> {
  el.open();
  await until(() => part(el, 'input'), 'the composer');
}

async function typeAndSend(text: string): Promise<void> {
  await sendKeys({ type: text });
  await sendKeys({ press: 'Enter' });
}

describe('<chat-widget> with a real server', () => {
  it('shows others’ and own messages apart, groups runs by one author, and marks stored sends', async () => {
    const { el, ana, anaRoom, me } = await scene();
    await anaRoom.send('hello from Ana');
    await anaRoom.send('second line from Ana');
    await openPanel(el);
    await until(() => parts(el, 'message').length === 2, 'Ana’s two messages');
    part(el, 'input')!.focus();
    const seen = new Promise<string>((resolve) => anaRoom.on('message', ({ event }) => resolve(event.body ?? '')));
    await typeAndSend('my reply');

    const own = await until(() => parts(el, 'message').find((m) => m.hasAttribute('data-own') && m.dataset.status === 'sent'), 'my stored message');
    expect(own.dataset.author).to.equal(me);
    expect(Number(own.dataset.seq)).to.be.greaterThan(0);
    expect(own.querySelector('[part~="message-body"]')!.textContent).to.equal('my reply');
    expect(await seen).to.equal('my reply');

    const [first, second] = parts(el, 'message');
    expect(first!.dataset.author).to.equal(ana.user!.id);
    expect(first!.hasAttribute('data-own')).to.equal(false);
    expect(first!.querySelector('.author')!.textContent).to.equal('Ana');
    expect(second!.classList.contains('grouped'), 'second message by Ana shares the first one’s header').to.equal(true);
    expect(second!.querySelector('.author')).to.equal(null);
    expect(parts(el, 'date-separator').map((s) => s.textContent?.trim())).to.deep.equal(['Today']);
  });

  it('sends on Enter, inserts a newline on Shift+Enter', async () => {
    const { el } = await scene();
    await openPanel(el);
    const input = part(el, 'input') as HTMLTextAreaElement;
    input.focus();
    await sendKeys({ type: 'line one' });
    await sendKeys({ down: 'Shift' });
    await sendKeys({ press: 'Enter' });
    await sendKeys({ up: 'Shift' });
    await sendKeys({ type: 'line two' });
    expect(input.value).to.equal('line one\nline two');
    expect(parts(el, 'message')).to.have.length(0);
    await sendKeys({ press: 'Enter' });
    await until(() => bodies(el).length === 1, 'the message');
    expect(bodies(el)).to.deep.equal(['line one\nline two']);
    expect(input.value).to.equal('');
  });

  it('moves focus into the panel on open, closes on Escape and gives focus back to the launcher', async () => {
    const { el } = await scene();
    const events: string[] = [];
    el.addEventListener('chat-open', () => events.push('open'));
    el.addEventListener('chat-close', () => events.push('close'));
    const launcher = part(el, 'launcher')!;
    expect(launcher.getAttribute('aria-expanded')).to.equal('false');
    launcher.click();
    await until(() => deepActive() === part(el, 'input'), 'focus in the composer');
    expect(el.hasAttribute('open')).to.equal(true);
    await sendKeys({ press: 'Escape' });
    await until(() => deepActive() === part(el, 'launcher'), 'focus back on the launcher');
    expect(part(el, 'panel')).to.equal(undefined);
    expect(el.hasAttribute('open')).to.equal(false);
    expect(events).to.deep.equal(['open', 'close']);
  });

  it('renders hostile message text literally, never as markup', async () => {
    const { el, anaRoom } = await scene();
    const evil = '<img src=x onerror="window.__pwned=1"><b>bold</b><script>window.__pwned=2</script>';
    await anaRoom.send(evil);
    await openPanel(el);
    const body = await until(() => part(el, 'message-body'), 'the message');
    expect(body.textContent).to.equal(evil);
    expect(body.querySelector('img, b, script')).to.equal(null);
    await new Promise((r) => setTimeout(r, 50));
    expect((window as { __pwned?: number }).__pwned).to.equal(undefined);
  });

  it('counts unread messages while closed: launcher badge, room badge, document title and events', async () => {
    const { el, anaRoom, room } = await scene({ 'title-badge': '' });
    const unread: { room: string; unread: number; total: number }[] = [];
    const messages: CustomEvent[] = [];
    document.addEventListener('chat-unread-change', (e) => unread.push(e.detail));
    document.addEventListener('chat-message', (e) => messages.push(e));
    await anaRoom.send('are you there?');
    await anaRoom.send('hello?');
    await until(() => part(el, 'badge')?.textContent === '2', 'the launcher badge to say 2');
    expect(document.title).to.equal('(2) widget test');
    expect(unread.at(-1)).to.deep.equal({ room, unread: 2, total: 2 });
    expect(messages).to.have.length(2);
    expect(messages[0]!.composed && messages[0]!.bubbles).to.equal(true);
    expect(messages[0]!.detail.room).to.equal(room);
    expect(messages[0]!.detail.message.body).to.equal('are you there?');
    expect(part(el, 'launcher')!.getAttribute('aria-label')).to.contain('2 unread messages');

    await openPanel(el);
    await until(() => !part(el, 'badge'), 'the badge to clear once the room is read');
    expect(document.title).to.equal('widget test');
    expect(unread.at(-1)).to.deep.equal({ room, unread: 0, total: 0 });
  });

  it('shows a room-unread count on another room and switches rooms', async () => {
    const { el, ana, me } = await scene();
    const other = unique('other');
    const otherRoom = await ana.createRoom({ kind: 'private', id: other, name: 'Side room', members: [me] });
    await openPanel(el);
    await until(() => parts(el, 'room').some((r) => r.dataset.room === other), 'the added room in the room list');
    await otherRoom.send('psst, over here');
    const button = await until(() => parts(el, 'room').find((r) => r.dataset.room === other && r.querySelector('[part~="room-unread"]')), 'an unread count on the other room');
    expect(button.querySelector('[part~="room-unread"]')!.textContent).to.equal('1');
    button.click();
    await until(() => bodies(el).includes('psst, over here'), 'the other room’s message');
    expect(button.getAttribute('aria-current')).to.equal('true');
    await until(() => !button.querySelector('[part~="room-unread"]'), 'the count to clear');
  });

  it('shows who is typing and members with their presence', async () => {
    const { el, ana, anaRoom } = await scene();
    await openPanel(el);
    const member = await until(() => parts(el, 'member').find((m) => m.dataset.user === ana.user!.id), 'Ana in the member list');
    expect(member.dataset.presence).to.equal('online');
    anaRoom.typing(true);
    const typing = await until(() => part(el, 'typing'), 'the typing indicator');
    expect(typing.textContent).to.equal('Ana is typing…');
    anaRoom.typing(false);
    await until(() => !part(el, 'typing'), 'the typing indicator to go away');
    ana.setPresence('away');
    await until(() => parts(el, 'member').find((m) => m.dataset.user === ana.user!.id)?.dataset.presence === 'away', 'Ana away');
    await ana.close();
    await until(() => parts(el, 'member').find((m) => m.dataset.user === ana.user!.id)?.dataset.presence === 'offline', 'Ana offline');
  });

  it('loads older history when scrolled to the top, keeps order, and offers a jump to new messages', async () => {
    const { el, anaRoom } = await scene({}, async (room) => {
      for (let i = 1; i <= 45; i++) await room.send(`message ${i}`);
    });
    await openPanel(el);
    await until(() => bodies(el).includes('message 45'), 'the newest message');
    const list = part(el, 'messages')!;
    expect(bodies(el).length).to.be.lessThan(45);
    // Let pending renders (which keep a reader at the bottom pinned there) finish before scrolling up.
    await settle(el);
    list.scrollTop = 0;
    await until(() => bodies(el).includes('message 1'), 'the oldest message after scrolling up');
    expect(bodies(el)).to.deep.equal(Array.from({ length: 45 }, (_, i) => `message ${i + 1}`));
    expect(list.scrollTop, 'the reader stays where they were, not at the top').to.be.greaterThan(0);

    list.scrollTop = 0;
    list.dispatchEvent(new Event('scroll'));
    await anaRoom.send('fresh news');
    const jump = await until(() => part(el, 'new-messages'), 'the new-messages button');
    jump.click();
    await until(() => !part(el, 'new-messages'), 'the button to go away');
    expect(list.scrollHeight - list.scrollTop - list.clientHeight).to.be.lessThan(40);
  });

  it('leaves a reader’s scroll alone when a render comes before the scroll event', async () => {
    const { el } = await scene({}, async (room) => {
      for (let i = 1; i <= 45; i++) await room.send(`message ${i}`);
    });
    await openPanel(el);
    await until(() => bodies(el).includes('message 45'), 'the newest message');
    await settle(el);
    const list = part(el, 'messages')!;
    const panel = el.shadowRoot!.querySelector<ChatPanel>('parley-chat-panel')!;
    // The scroll event comes with the next frame; a render (presence, typing…) can land first.
    list.scrollTop = 0;
    panel.requestUpdate();
    await panel.updateComplete;
    expect(list.scrollTop, 'not pulled back to the bottom').to.equal(0);
    await until(() => bodies(el).includes('message 1'), 'the oldest message after scrolling up');
  });

  it('refuses send() of text over the server’s limit before anything shows, and offers no Retry', async () => {
    const { el } = await scene();
    await openPanel(el);
    const errors: { code: string; message: string }[] = [];
    el.addEventListener('chat-error', (e) => errors.push(e.detail));
    const err = await el.send('x'.repeat(4001)).then(
      () => undefined,
      (e: Error & { code?: string }) => e,
    );
    expect(err?.name).to.equal('InvalidRequestError');
    expect(err?.code).to.equal('too_large');
    expect(err?.message).to.contain('4000');
    expect(errors.map((e) => e.code)).to.deep.equal(['too_large']);
    await settle(el);
    expect(parts(el, 'message'), 'no message that could only fail').to.have.length(0);
    expect(part(el, 'retry')).to.equal(undefined);
    // Right at the limit it is stored.
    await el.send('y'.repeat(4000));
    await until(() => parts(el, 'message').find((m) => m.dataset.status === 'sent'), 'the 4,000-character message stored');
  });

  it('keeps a 5,000-character paste whole, counts characters near the limit and refuses to send over it, with a reason', async () => {
    const { el } = await scene();
    await openPanel(el);
    const input = part(el, 'input') as HTMLTextAreaElement;
    const paste = (text: string) => {
      input.value = text;
      input.dispatchEvent(new InputEvent('input', { bubbles: true, composed: true }));
    };
    paste('a'.repeat(3000));
    await settle(el);
    expect(part(el, 'counter'), 'no counter far from the limit').to.equal(undefined);

    paste('b'.repeat(5000));
    const counter = await until(() => part(el, 'counter'), 'the counter');
    expect(input.value.length, 'nothing cut silently').to.equal(5000);
    expect(counter.textContent).to.equal('5,000 / 4,000');
    expect(counter.dataset.over).to.equal('true');
    expect(input.getAttribute('aria-invalid')).to.equal('true');
    expect(input.getAttribute('aria-describedby')).to.equal('counter');
    input.focus();
    await sendKeys({ press: 'Enter' });
    const reason = await until(() => el.shadowRoot!.querySelector('parley-chat-panel')!.shadowRoot!.querySelector('.refusal'), 'the refusal');
    expect(reason.getAttribute('role')).to.equal('alert');
    expect(reason.textContent).to.equal('This message is too long to send. Shorten it to 4,000 characters or fewer.');
    expect(input.value.length, 'the draft is kept').to.equal(5000);
    expect(parts(el, 'message')).to.have.length(0);

    paste('c'.repeat(3700));
    await until(() => part(el, 'counter')?.textContent === '3,700 / 4,000', 'the counter under the limit');
    expect(part(el, 'counter')!.dataset.over).to.equal('false');
    expect(el.shadowRoot!.querySelector('parley-chat-panel')!.shadowRoot!.querySelector('.refusal'), 'the reason goes once the text fits').to.equal(null);
    await sendKeys({ press: 'Enter' });
    await until(() => parts(el, 'message').find((m) => m.dataset.status === 'sent'), 'the message that fits, stored');
    expect(bodies(el)).to.deep.equal(['c'.repeat(3700)]);
    expect(part(el, 'counter')).to.equal(undefined);
  });

  it('counts in Brazilian Portuguese number format with lang="pt-BR"', async () => {
    const { el } = await scene({ lang: 'pt-BR' });
    await openPanel(el);
    const input = part(el, 'input') as HTMLTextAreaElement;
    input.value = 'd'.repeat(4100);
    input.dispatchEvent(new InputEvent('input', { bubbles: true, composed: true }));
    expect((await until(() => part(el, 'counter'), 'the counter')).textContent).to.equal('4.100 / 4.000');
    input.form!.requestSubmit();
    const reason = await until(() => el.shadowRoot!.querySelector('parley-chat-panel')!.shadowRoot!.querySelector('.refusal'), 'the refusal');
    expect(reason.textContent).to.equal('Esta mensagem é longa demais para enviar. Reduza para 4.000 caracteres ou menos.');
  });

  it('signs in a guest by name and reuses the remembered token after a reload', async () => {
    const { http } = await parley();
    const room = unique('guest-room');
    const ana = await bot(unique('ana'), 'Ana');
    cleanups.push(() => ana.close());
    await ana.createRoom({ kind: 'public', id: room });
    const el = await mount({ server: http, room, open: '' });
    const name = await until(() => part(el, 'guest-name') as HTMLInputElement | undefined, 'the guest form');
    expect(part(el, 'input')).to.equal(undefined);
    name.value = 'Visitor';
    part(el, 'guest-submit')!.click();
    await until(() => part(el, 'input'), 'the composer after guest sign-in');
    const stored = JSON.parse(localStorage.getItem(`parley:guest:${http}`)!);
    expect(stored.name).to.equal('Visitor');
    await el.send('hi as a guest');
    const own = await until(() => parts(el, 'message').find((m) => m.dataset.status === 'sent'), 'the guest’s message');
    const guestId = own.dataset.author;

    el.remove();
    const again = await mount({ server: http, room, open: '' });
    await until(() => parts(again, 'message').some((m) => m.dataset.author === guestId && m.hasAttribute('data-own')), 'the same guest after reload');
    expect(part(again, 'guest-form')).to.equal(undefined);
  });

  it('says “Not signed in yet” before guest sign-in and puts focus in the composer after it', async () => {
    const { http } = await parley();
    const room = unique('guest-room');
    const ana = await bot(unique('ana'), 'Ana');
    cleanups.push(() => ana.close());
    await ana.createRoom({ kind: 'public', id: room });
    const el = await mount({ server: http, room });
    part(el, 'launcher')!.click();
    const name = await until(() => part(el, 'guest-name') as HTMLInputElement | undefined, 'the guest form');
    const status = part(el, 'status')!;
    expect(status.dataset.state).to.equal('signed-out');
    expect(status.textContent).to.equal('Not signed in yet');
    await until(() => deepActive() === name, 'focus in the name field');
    await sendKeys({ type: 'Visitor' });
    await sendKeys({ press: 'Enter' });
    const input = await until(() => part(el, 'input'), 'the composer after sign-in');
    await until(() => deepActive() === input, 'focus in the composer, not on <body>');
    expect(part(el, 'status')!.dataset.state).to.equal('connected');
    await sendKeys({ type: 'typed right away' });
    await sendKeys({ press: 'Enter' });
    await until(() => bodies(el).includes('typed right away'), 'the message typed without reaching for the mouse');
  });

  it('says “Você ainda não entrou” before sign-in in Brazilian Portuguese', async () => {
    const { http } = await parley();
    const el = await mount({ server: http, lang: 'pt-BR', open: '' });
    await until(() => part(el, 'guest-name'), 'the guest form');
    expect(part(el, 'status')!.textContent).to.equal('Você ainda não entrou');
  });

  it('shows why the server refused a guest name (a right-to-left override), in the reader’s language', async () => {
    const { http } = await parley();
    for (const [lang, words] of [
      ['en', 'That name cannot be used. Use 1 to 64 characters, without control or text-direction characters.'],
      ['pt-BR', 'Esse nome não pode ser usado. Use de 1 a 64 caracteres, sem caracteres de controle ou de direção do texto.'],
    ] as const) {
      const el = await mount({ server: http, lang, open: '' });
      const errors: string[] = [];
      el.addEventListener('chat-error', (e) => errors.push(e.detail.code));
      const name = await until(() => part(el, 'guest-name') as HTMLInputElement | undefined, 'the guest form');
      name.value = 'Eve\u202Egnp.exe';
      part(el, 'guest-submit')!.click();
      const alert = await until(() => parts(el, 'guest-form')[0]?.querySelector('[role="alert"]'), 'the reason');
      expect(alert.textContent).to.equal(words);
      expect(errors).to.deep.equal(['bad_request']);
      expect(part(el, 'input')).to.equal(undefined);
      expect(deepActive(), 'focus back on the name to fix').to.equal(name);
      el.remove();
    }
  });

  it('shows why the server refused a new display name', async () => {
    const { el } = await scene();
    await openPanel(el);
    part(el, 'rename')!.click();
    const sheet = () => el.shadowRoot!.querySelector('parley-chat-panel')!.shadowRoot!;
    const input = await until(() => sheet().querySelector<HTMLInputElement>('#rename-input'), 'the rename form');
    input.value = 'Mallory\u202E';
    input.form!.requestSubmit();
    const alert = await until(() => sheet().querySelector('.sheet [role="alert"]'), 'the reason');
    expect(alert.textContent).to.equal('That name cannot be used. Use 1 to 64 characters, without control or text-direction characters.');
  });

  it('renames the user', async () => {
    const { el, anaRoom } = await scene();
    await openPanel(el);
    part(el, 'rename')!.click();
    const input = await until(() => el.shadowRoot!.querySelector('parley-chat-panel')!.shadowRoot!.querySelector<HTMLInputElement>('#rename-input'), 'the rename form');
    expect(deepActive()).to.equal(input);
    input.value = 'Maria Silva';
    input.form!.requestSubmit();
    await until(() => !el.shadowRoot!.querySelector('parley-chat-panel')!.shadowRoot!.querySelector('#rename-input'), 'the form to close');
    const name = new Promise<string>((resolve) => anaRoom.on('message', ({ event }) => resolve(event.name)));
    await el.send('renamed');
    expect(await name).to.equal('Maria Silva');
  });

  it('remembers the sound mute choice', async () => {
    const { el } = await scene();
    await openPanel(el);
    const toggle = part(el, 'sound-toggle')!;
    expect(toggle.getAttribute('aria-pressed')).to.equal('true');
    toggle.click();
    await until(() => part(el, 'sound-toggle')!.getAttribute('aria-pressed') === 'false', 'muted');
    el.remove();
    const { el: again } = await scene();
    await openPanel(again);
    expect(part(again, 'sound-toggle')!.getAttribute('aria-pressed')).to.equal('false');
  });

  it('speaks Brazilian Portuguese with lang="pt-BR"', async () => {
    const { el, anaRoom } = await scene({ lang: 'pt-BR' });
    await anaRoom.send('olá');
    await openPanel(el);
    expect((part(el, 'input') as HTMLTextAreaElement).placeholder).to.equal('Escreva uma mensagem…');
    expect(part(el, 'status')!.textContent).to.equal('Conectado');
    expect(part(el, 'close')!.getAttribute('aria-label')).to.equal('Fechar o chat');
    anaRoom.typing(true);
    expect((await until(() => part(el, 'typing'), 'typing')).textContent).to.equal('Ana está digitando…');
    expect(parts(el, 'date-separator').map((d) => d.textContent?.trim())).to.deep.equal(['Hoje']);
  });

  it('shows a notice when a member joins and when one leaves, in English and Portuguese', async () => {
    for (const lang of ['en', 'pt-BR'] as const) {
      const { el, room } = await scene({ lang });
      await openPanel(el);
      const bo = await bot(unique('bo'), 'Bo');
      cleanups.push(() => bo.close());
      const boRoom = await bo.join(room);
      await until(() => parts(el, 'notice').some((n) => n.textContent === (lang === 'en' ? 'Bo joined' : 'Bo entrou')), `the join notice (${lang})`);
      await boRoom.leave();
      await until(() => parts(el, 'notice').some((n) => n.textContent === (lang === 'en' ? 'Bo left' : 'Bo saiu')), `the leave notice (${lang})`);
      el.remove();
    }
  });

  it('takes its colours from --parley-* custom properties and the theme attribute', async () => {
    const { el } = await scene();
    el.style.setProperty('--parley-accent', 'rgb(200, 10, 20)');
    await openPanel(el);
    expect(getComputedStyle(part(el, 'launcher')!).backgroundColor).to.equal('rgb(200, 10, 20)');
    expect(getComputedStyle(part(el, 'send')!).backgroundColor).to.equal('rgb(200, 10, 20)');
    const panel = part(el, 'panel')!;
    expect(getComputedStyle(panel).backgroundColor).to.equal('rgb(255, 255, 255)');
    el.theme = 'dark';
    await el.updateComplete;
    expect(getComputedStyle(panel).backgroundColor).to.equal('rgb(22, 24, 29)');
    el.theme = 'auto';
    await el.updateComplete;
    expect(getComputedStyle(panel).backgroundColor).to.equal('rgb(255, 255, 255)');
    await emulateMedia({ colorScheme: 'dark' });
    await until(() => getComputedStyle(panel).backgroundColor === 'rgb(22, 24, 29)', 'auto to follow prefers-color-scheme: dark');
  });

  it('tightens spacing in compact density', async () => {
    const { el, anaRoom } = await scene();
    await anaRoom.send('spacing');
    await openPanel(el);
    const body = await until(() => part(el, 'message-body'), 'the message');
    const comfortable = parseFloat(getComputedStyle(body).paddingTop);
    el.density = 'compact';
    await el.updateComplete;
    expect(parseFloat(getComputedStyle(body).paddingTop)).to.be.lessThan(comfortable);
    expect(getComputedStyle(body).fontSize).to.equal('13px');
  });

  it('floats beside the page on desktop and fills the screen on a phone', async () => {
    await setViewport({ width: 1000, height: 760 });
    const { el } = await scene();
    await openPanel(el);
    const panel = part(el, 'panel')!;
    let rect = panel.getBoundingClientRect();
    expect(rect.width).to.equal(370);
    expect(rect.right).to.equal(1000 - 20);
    await setViewport({ width: 390, height: 700 });
    await until(() => panel.getBoundingClientRect().width === 390, 'the panel to fill the phone screen');
    rect = panel.getBoundingClientRect();
    expect([rect.top, rect.left, rect.height]).to.deep.equal([0, 0, 700]);
  });

  it('floats in the top layer and still takes ::part styles and custom properties from the page', async () => {
    const style = document.createElement('style');
    style.textContent = 'body { --parley-accent: rgb(0, 120, 60) } chat-widget::part(launcher) { width: 64px; height: 64px }';
    document.head.append(style);
    cleanups.push(() => style.remove());
    const { el } = await scene();
    const launcher = part(el, 'launcher')!;
    expect(launcher.closest('.root')!.matches(':popover-open')).to.equal(true);
    expect(launcher.getBoundingClientRect().width).to.equal(64);
    expect(getComputedStyle(launcher).backgroundColor, 'inherited from <body>').to.equal('rgb(0, 120, 60)');
    await openPanel(el);
    expect(getComputedStyle(part(el, 'send')!).backgroundColor).to.equal('rgb(0, 120, 60)');
  });

  it('stays in the page flow in inline mode: no launcher, no top layer, the panel fills the element', async () => {
    const box = document.createElement('div');
    box.style.cssText = 'margin: 40px; width: 420px';
    document.body.append(box);
    cleanups.push(() => box.remove());
    const { http } = await parley();
    const el = document.createElement('chat-widget');
    el.setAttribute('server', http);
    el.setAttribute('mode', 'inline');
    el.setAttribute('token', await tokenFor(unique('me'), 'Maria'));
    box.append(el);
    await el.ready;
    const panel = await until(() => part(el, 'panel'), 'the inline panel');
    expect(part(el, 'launcher')).to.equal(undefined);
    expect(el.shadowRoot!.querySelector('[popover]')).to.equal(null);
    expect(el.parentElement, 'left where the page put it').to.equal(box);
    const outer = box.getBoundingClientRect();
    const inner = panel.getBoundingClientRect();
    expect([inner.left, inner.top, inner.width, inner.height]).to.deep.equal([outer.left, outer.top, 420, 520]);
  });

  it('keeps its look under hostile host-page CSS', async () => {
    const style = document.createElement('style');
    style.textContent = '* { color: rgb(255, 0, 0) !important; font: 40px serif !important; line-height: 9 !important; letter-spacing: 9px !important } chat-widget { all: unset !important }';
    document.head.append(style);
    cleanups.push(() => style.remove());
    const { el, anaRoom } = await scene();
    await anaRoom.send('still readable');
    await openPanel(el);
    const body = await until(() => part(el, 'message-body'), 'the message');
    const css = getComputedStyle(body);
    expect(css.color).to.not.equal('rgb(255, 0, 0)');
    expect(css.fontSize).to.equal('14px');
    expect(css.letterSpacing).to.equal('normal');
  });

  it('keeps a 64-character name inside the panel, cut with an ellipsis and whole in a tooltip', async () => {
    const long = 'W'.repeat(64);
    const { el, room } = await scene();
    await openPanel(el);
    const wide = await bot(unique('wide'), long);
    cleanups.push(() => wide.close());
    const wideRoom = await wide.join(room);
    await wideRoom.send('hi');
    wideRoom.typing(true);
    part(el, 'members-toggle')!.click();
    const message = await until(() => parts(el, 'message').find((m) => m.dataset.author === wide.user!.id), 'the message');
    const typing = await until(() => part(el, 'typing'), 'the typing line');
    expect(typing.textContent).to.equal(`${'W'.repeat(23)}… is typing…`);
    expect(typing.title).to.equal(`${long} is typing…`);
    const member = await until(() => parts(el, 'member').find((m) => m.dataset.user === wide.user!.id), 'the member');
    await settle(el);
    const panel = part(el, 'panel')!.getBoundingClientRect();
    const author = message.querySelector<HTMLElement>('.author')!;
    expect(author.title).to.equal(long);
    expect(author.textContent).to.equal(long);
    const name = member.querySelector<HTMLElement>('.name')!;
    expect(name.title).to.equal(long);
    for (const [what, box] of [
      ['author', author],
      ['member', name],
      ['typing', part(el, 'typing')!.parentElement!],
      ['notice', parts(el, 'notice').find((n) => n.textContent!.includes(long))!],
    ] as const) {
      const r = box.getBoundingClientRect();
      expect(r.right, `${what} ends inside the panel`).to.be.at.most(panel.right);
      expect(r.left, `${what} starts inside the panel`).to.be.at.least(panel.left);
    }
    expect(author.scrollWidth, 'the name is cut, not squeezed').to.be.greaterThan(author.clientWidth);
    const list = part(el, 'messages')!;
    expect(list.scrollWidth, 'no sideways scrolling').to.equal(list.clientWidth);
  });

  it('stays left-to-right in English on a right-to-left page, and lets a message pick its own direction', async () => {
    document.documentElement.dir = 'rtl';
    document.body.style.direction = 'rtl';
    cleanups.push(() => {
      document.documentElement.removeAttribute('dir');
      document.body.style.removeProperty('direction');
    });
    const { el, anaRoom } = await scene();
    await openPanel(el);
    const panelRoot = el.shadowRoot!.querySelector('parley-chat-panel')!.shadowRoot!;
    for (const name of ['panel', 'header', 'status', 'input', 'launcher']) expect(getComputedStyle(part(el, name)!).direction, name).to.equal('ltr');
    expect(part(el, 'status')!.textContent).to.equal('Online');
    // Not mirrored: the title on the left, the close button on the right.
    const heading = panelRoot.querySelector('h2')!.getBoundingClientRect();
    expect(part(el, 'close')!.getBoundingClientRect().left).to.be.greaterThan(heading.left);
    await anaRoom.send('مرحبا بالجميع');
    const body = await until(() => part(el, 'message-body'), 'the Arabic message');
    expect(getComputedStyle(body).direction, 'an Arabic message still reads right to left').to.equal('rtl');
  });

  it('does not animate the launcher under prefers-reduced-motion', async () => {
    const { el } = await scene();
    const launcher = part(el, 'launcher')!;
    expect(getComputedStyle(launcher).transitionDuration).to.not.equal('0s');
    await emulateMedia({ reducedMotion: 'reduce' });
    cleanups.push(() => emulateMedia({ reducedMotion: 'no-preference' }));
    await until(() => getComputedStyle(launcher).transitionDuration === '0s', 'no launcher transition');
  });

  it('passes axe on a page with its own banner, with a member list long enough to scroll', async () => {
    const header = document.createElement('header');
    header.textContent = 'The host site’s own header';
    document.body.prepend(header);
    cleanups.push(() => header.remove());
    await setViewport({ width: 1000, height: 520 });
    const { el, ana } = await scene();
    // 40 more members than fit: the list must scroll, so a keyboard must be able to reach it.
    const crowd = await ana.createRoom({ kind: 'public', id: unique('crowd'), name: 'Crowd', members: Array.from({ length: 40 }, (_, i) => unique(`m${i}`)) });
    el.room = crowd.id;
    await openPanel(el);
    await until(() => parts(el, 'room').find((r) => r.dataset.room === crowd.id && r.getAttribute('aria-current') === 'true'), 'the crowded room');
    part(el, 'members-toggle')!.click();
    await until(() => parts(el, 'member').length >= 41, 'the member list');
    const list = el.shadowRoot!.querySelector('parley-chat-panel')!.shadowRoot!.querySelector<HTMLElement>('#members')!;
    expect(list.scrollHeight).to.be.greaterThan(list.clientHeight);
    expect(list.tabIndex).to.equal(0);
    // The bare test page has no <main> or <h1> of its own: rules about the host page itself are off.
    const { violations } = await axe.run(document, { rules: { region: { enabled: false }, 'landmark-one-main': { enabled: false }, 'page-has-heading-one': { enabled: false } } });
    const found = violations.map((v) => `${v.id}: ${v.help} at ${v.nodes.map((n) => JSON.stringify(n.target)).join('; ')}`);
    expect(found).to.deep.equal([]);
  });

  it('says so when the room it was given cannot be opened, instead of showing another room', async () => {
    const { http } = await parley();
    const me = unique('me');
    const token = await tokenFor(me, 'Maria');
    const first = await scene();
    // The user is a member of a real room; the page now names one that does not exist.
    const known = await mount({ server: http, room: first.room, token });
    await known.ready;
    known.remove();
    const logged: unknown[][] = [];
    const realError = console.error;
    console.error = (...args: unknown[]) => logged.push(args);
    cleanups.push(() => (console.error = realError));
    const errors: { code: string; message: string }[] = [];
    document.addEventListener('chat-error', (e) => errors.push(e.detail), { once: true });
    const missing = unique('no-such-room');
    const el = await mount({ server: http, room: missing, token, open: '' });
    await el.ready;
    const notice = await until(() => el.shadowRoot!.querySelector('parley-chat-panel')?.shadowRoot!.querySelector('.empty[role="alert"]'), 'the notice');
    expect(notice.textContent).to.equal(`The room “${missing}” is not available.`);
    expect(errors).to.have.length(1);
    expect(errors[0]!.code).to.equal('room_unavailable');
    expect(errors[0]!.message).to.contain(missing);
    expect(logged.map((args) => String(args[0]))).to.deep.equal([`[parley] ${errors[0]!.message}`]);
    expect(part(el, 'messages'), 'no other room’s messages').to.equal(undefined);
    // The user's own room is still one click away.
    const other = await until(() => parts(el, 'room').find((r) => r.dataset.room === first.room), 'the user’s room in the list');
    other.click();
    await until(() => part(el, 'messages'), 'the chosen room');
  });

  it('has no axe accessibility violations, open with messages, light and dark', async () => {
    const { el, anaRoom } = await scene();
    await anaRoom.send('An accessible hello');
    await openPanel(el);
    await until(() => part(el, 'message'), 'a message');
    await el.send('and a reply');
    part(el, 'members-toggle')!.click();
    await until(() => part(el, 'member'), 'members');
    for (const theme of ['light', 'dark'] as const) {
      el.theme = theme;
      await el.updateComplete;
      const { violations } = await axe.run(el);
      const found = violations.map((v) => `${v.id}: ${v.help} at ${v.nodes.map((n) => `${JSON.stringify(n.target)} (${n.failureSummary})`).join('; ')}`);
      expect(found, theme).to.deep.equal([]);
    }
  });
});

describe('<chat-widget> attention', () => {
  it('chimes with Web Audio for messages while closed, and not once muted', async () => {
    const proto = BaseAudioContext.prototype;
    const realCreate = proto.createOscillator;
    let notes = 0;
    // Counts the oscillators the chime starts; the sound itself still plays through the real context.
    proto.createOscillator = function (this: BaseAudioContext) {
      notes++;
      return realCreate.call(this);
    };
    cleanups.push(() => (proto.createOscillator = realCreate));
    const { el, anaRoom } = await scene({ notifications: 'false' });
    part(el, 'launcher')!.click(); // the user gesture that unlocks audio
    await until(() => part(el, 'input'), 'the panel');
    el.close();
    await anaRoom.send('ding');
    await until(() => notes > 0, 'a chime');
    const afterFirst = notes;
    el.open();
    await until(() => part(el, 'sound-toggle'), 'the sound toggle').then((b) => b.click());
    el.close();
    await anaRoom.send('quiet please');
    await until(() => part(el, 'badge')?.textContent === '1', 'the second message to arrive (the first was read on opening)');
    await new Promise((r) => setTimeout(r, 100));
    expect(notes).to.equal(afterFirst);
  });

  it('shows a system notification for a message while the page is hidden', async () => {
    const shown: { title: string; body?: string }[] = [];
    const RealNotification = window.Notification;
    // Headless Chromium cannot grant permission or show notifications; this stand-in records them.
    window.Notification = Object.assign(
      class {
        static permission = 'granted';
        onclick: (() => void) | null = null;
        constructor(title: string, options?: NotificationOptions) {
          shown.push({ title, body: options?.body });
        }
        close(): void {}
      },
      { requestPermission: async () => 'granted' },
    ) as unknown as typeof Notification;
    Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
    cleanups.push(() => {
      window.Notification = RealNotification;
      delete (document as { visibilityState?: string }).visibilityState;
    });
    const { el, anaRoom } = await scene({ sound: 'false' });
    await anaRoom.send('are you still there?');
    await until(() => shown.length, 'a notification');
    expect(shown).to.deep.equal([{ title: 'Ana in Test room', body: 'are you still there?' }]);
    expect(part(el, 'launcher')).to.not.equal(undefined);
  });
});
