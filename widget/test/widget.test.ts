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
  run(context: Element, options?: object): Promise<{ violations: { id: string; help: string; nodes: { target: unknown; failureSummary?: string }[] }[] }>;
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

  it('marks a send the server refuses as failed, with a retry that tries again', async () => {
    const { el } = await scene();
    await openPanel(el);
    const errors: string[] = [];
    el.addEventListener('chat-error', (e) => errors.push(e.detail.code));
    const tooLong = 'x'.repeat(4001);
    let rejected = false;
    await el.send(tooLong).catch(() => (rejected = true));
    expect(rejected).to.equal(true);
    const msg = await until(() => parts(el, 'message').find((m) => m.dataset.status === 'failed'), 'a failed message');
    expect(msg.hasAttribute('data-own')).to.equal(true);
    expect(errors).to.deep.equal(['too_large']);
    (msg.querySelector('[part~="retry"]') as HTMLElement).click();
    await until(() => errors.length === 2, 'the retry to be attempted');
    expect(parts(el, 'message')).to.have.length(1);
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
