// The emoji picker and `:shortcode:` completion in <chat-widget> against a real Parley node (which also
// serves the emoji data): picking into the composer, reacting through the picker, skin tones,
// recently used, completion by keyboard, Portuguese words and search, and the switch that turns it off.
import { expect } from '@open-wc/testing';
import type { ChatClient, Room, RoomEvent } from '@parley/sdk';
import { sendKeys } from '@web/test-runner-commands';
import type { EmojiPicker } from '../src/emoji-picker.js';
import type { ChatWidget } from '../src/index.js';
import '../src/index.js';
import { bot, deepActive, mount, parley, part, parts, tokenFor, unique, until } from './support/env.js';

declare const axe: { run(context: Element): Promise<{ violations: { id: string; nodes: unknown[] }[] }> };

const cleanups: (() => unknown)[] = [];

afterEach(async () => {
  for (const el of document.querySelectorAll('chat-widget')) el.remove();
  await Promise.all(cleanups.splice(0).map((f) => f()));
  localStorage.clear();
});

interface Scene {
  el: ChatWidget;
  anaRoom: Room;
  me: string;
  seen: RoomEvent[];
}

async function scene(attrs: Record<string, string> = {}): Promise<Scene> {
  const { http } = await parley();
  const room = unique('room');
  const ana: ChatClient = await bot(unique('ana'), 'Ana');
  cleanups.push(() => ana.close());
  const anaRoom = await ana.createRoom({ kind: 'public', id: room, name: 'Emoji' });
  const seen: RoomEvent[] = [];
  anaRoom.on('event', ({ event }) => {
    if (!('problem' in event)) seen.push(event);
  });
  const me = unique('me');
  const el = await mount({ server: http, room, token: await tokenFor(me, 'Maria'), mode: 'inline', ...attrs });
  await el.ready;
  await until(() => part(el, 'input'), 'the composer');
  return { el, anaRoom, me, seen };
}

const input = (el: ChatWidget) => part(el, 'input') as HTMLTextAreaElement;
const pickerRoot = (el: ChatWidget) => part(el, 'emoji-picker')?.shadowRoot ?? undefined;
const gridButtons = (el: ChatWidget) => [...(pickerRoot(el)?.querySelectorAll<HTMLButtonElement>('.grid button') ?? [])];

/** Opens the composer's picker and waits for its emoji. */
async function openPicker(el: ChatWidget): Promise<void> {
  part(el, 'emoji-button')!.click();
  await until(() => gridButtons(el).length > 50, 'the picker with its emoji', 15000);
  await until(() => pickerRoot(el)!.activeElement?.matches('input'), 'focus in the search field');
}

describe('emoji picker', () => {
  it('opens from the composer, searches, picks by keyboard and inserts at the caret', async () => {
    const { el } = await scene();
    const area = input(el);
    area.focus();
    await sendKeys({ type: 'hi  there' });
    area.setSelectionRange(3, 3);
    await openPicker(el);
    expect(part(el, 'emoji-button')!.getAttribute('aria-expanded')).to.equal('true');
    await sendKeys({ type: 'tada' });
    await until(() => gridButtons(el)[0]?.dataset.emoji === '🎉', 'the party popper first');
    await sendKeys({ press: 'ArrowDown' });
    expect(pickerRoot(el)!.activeElement?.getAttribute('data-emoji')).to.equal('🎉');
    await sendKeys({ press: 'Enter' });
    await until(() => !part(el, 'emoji-picker'), 'the picker to close');
    expect(area.value).to.equal('hi 🎉 there');
    expect(deepActive()).to.equal(area);
    expect(area.selectionStart).to.equal(3 + '🎉'.length);
  });

  it('closes on Escape and gives focus back to its button', async () => {
    const { el } = await scene();
    await openPicker(el);
    await sendKeys({ press: 'Escape' });
    await until(() => !part(el, 'emoji-picker'), 'the picker to close');
    expect(deepActive()).to.equal(part(el, 'emoji-button'));
    expect(part(el, 'composer')).to.not.equal(undefined);
  });

  it('applies the chosen skin tone and shows recently used emoji first', async () => {
    const { el } = await scene();
    await openPicker(el);
    const root = pickerRoot(el)!;
    const select = root.querySelector('select')!;
    select.value = '3';
    select.dispatchEvent(new Event('change'));
    (root.querySelector('.groups button:nth-child(2)') as HTMLButtonElement).click();
    const wave = await until(() => gridButtons(el).find((b) => b.getAttribute('aria-label') === 'waving hand'), 'the waving hand');
    expect(wave.dataset.emoji).to.equal('👋🏽');
    wave.click();
    expect(input(el).value).to.equal('👋🏽');
    await openPicker(el);
    const recent = await until(() => pickerRoot(el)!.querySelector('.grid'), 'the first grid');
    expect(recent.getAttribute('aria-label')).to.equal('Recently used');
    // Ordered by use count, which other tests (and the bundle's run) add to: it is there, in the chosen tone.
    expect([...recent.querySelectorAll<HTMLElement>('button')].map((b) => b.dataset.emoji)).to.include('👋🏽');
    // Back to the default tone for the other tests (the preference is kept in IndexedDB).
    const again = pickerRoot(el)!.querySelector('select')!;
    again.value = '0';
    again.dispatchEvent(new Event('change'));
    const picker = part(el, 'emoji-picker') as EmojiPicker;
    await until(async () => (await picker.db.getPreferredSkinTone()) === 0, 'the default tone stored');
  });

  it('reacts to a message through "More reactions…"; a look-alike of a quick reaction joins it', async () => {
    const { el, anaRoom, me, seen } = await scene();
    const ack = await anaRoom.send('party?');
    await anaRoom.react(ack.seq, '🎉', true);
    const msg = await until(() => parts(el, 'message').find((m) => m.textContent?.includes('party?')), 'the message');
    (msg.querySelector('[part~="actions"]') as HTMLElement).click();
    const more = await until(() => msg.querySelector<HTMLElement>('[data-action="more-reactions"]'), 'the More reactions item');
    expect(more.textContent?.trim()).to.equal('More reactions…');
    more.click();
    await until(() => gridButtons(el).length > 50, 'the picker', 15000);
    await until(() => pickerRoot(el)!.activeElement?.matches('input'), 'focus in the search field');
    await sendKeys({ type: 'tada' });
    await until(() => gridButtons(el)[0]?.dataset.emoji === '🎉', 'the party popper');
    await sendKeys({ press: 'Enter' });
    const reaction = await until(() => seen.find((e) => e.kind === 'reaction' && e.by === me), 'Ana to see my reaction');
    expect(reaction.data).to.deep.equal({ target: ack.seq, emoji: '🎉', on: true });
    await until(() => part(el, 'reaction')?.textContent?.includes('2'), 'one chip with two reactions');
    expect(parts(el, 'reaction')).to.have.length(1);
  });
});

describe('emoji and rich text, accessibility', () => {
  it('has no axe violations with a rich message, the shortcode list and the open picker', async () => {
    const { el, anaRoom } = await scene();
    await anaRoom.send('**bold** `code` [link](https://example.com/)\n> quote\n- item');
    await until(() => parts(el, 'message-body').find((b) => b.querySelector('blockquote')), 'the rich message');
    input(el).focus();
    await sendKeys({ type: ':smil' });
    await until(() => part(el, 'shortcode-list'), 'the shortcode list', 15000);
    const panel = part(el, 'panel')!;
    let { violations } = await axe.run(panel);
    expect(violations.map((v) => `${v.id} (${v.nodes.length})`)).to.deep.equal([]);
    await sendKeys({ press: 'Escape' });
    await openPicker(el);
    ({ violations } = await axe.run(panel));
    expect(violations.map((v) => `${v.id} (${v.nodes.length})`)).to.deep.equal([]);
  });
});

describe(':shortcode: completion', () => {
  it('lists matches while typing, picks with the arrow keys and Enter, and replaces a closed :code: as typed', async () => {
    const { el } = await scene();
    const area = input(el);
    area.focus();
    await sendKeys({ type: 'great :thumbsu' });
    const list = await until(() => part(el, 'shortcode-list'), 'the shortcode list', 15000);
    expect(area.getAttribute('aria-controls')).to.equal('shortcode-list');
    const options = parts(el, 'shortcode-option');
    expect(options[0]!.textContent).to.contain(':thumbsup:');
    expect(list.getAttribute('aria-label')).to.equal('Emoji suggestions');
    await sendKeys({ press: 'Enter' });
    await until(() => !part(el, 'shortcode-list'), 'the list to close');
    expect(area.value.replace(/\uFE0F/g, '')).to.equal('great 👍');
    expect(parts(el, 'message')).to.have.length(0);

    await sendKeys({ type: ' and :tada:' });
    await until(() => area.value.endsWith('🎉'), 'the closed shortcode replaced');
    expect(area.value.replace(/\uFE0F/g, '')).to.equal('great 👍 and 🎉');
    // Text that only looks like a shortcode stays: a time, and an unknown code.
    await sendKeys({ type: ' at 12:30: :nosuchcode:' });
    await new Promise((r) => setTimeout(r, 300));
    expect(area.value).to.contain('12:30: :nosuchcode:');
    await sendKeys({ press: 'Enter' });
    await until(() => parts(el, 'message-body').some((b) => b.textContent?.includes('🎉')), 'the message sent');
  });

  it('Escape closes the list and keeps the text', async () => {
    const { el } = await scene();
    const area = input(el);
    area.focus();
    await sendKeys({ type: ':smil' });
    await until(() => part(el, 'shortcode-list'), 'the shortcode list', 15000);
    await sendKeys({ press: 'Escape' });
    await until(() => !part(el, 'shortcode-list'), 'the list to close');
    expect(area.value).to.equal(':smil');
  });
});

describe('emoji in Portuguese and turned off', () => {
  it('speaks pt-BR and searches Portuguese names', async () => {
    const { el } = await scene({ lang: 'pt-BR' });
    expect(part(el, 'emoji-button')!.getAttribute('aria-label')).to.equal('Inserir emoji');
    part(el, 'emoji-button')!.click();
    await until(() => gridButtons(el).length > 50, 'the picker', 15000);
    const root = pickerRoot(el)!;
    expect(root.querySelector('input')!.getAttribute('aria-label')).to.equal('Buscar emoji');
    expect(root.querySelector('select')!.getAttribute('aria-label')).to.equal('Tom de pele');
    await sendKeys({ type: 'risonho' });
    await until(() => gridButtons(el)[0]?.dataset.emoji === '😀', 'the grinning face by its Portuguese name');
  });

  it('emoji="off" shows no picker button and no More reactions item', async () => {
    const { el, anaRoom } = await scene({ emoji: 'off' });
    await anaRoom.send('no emoji here');
    const msg = await until(() => parts(el, 'message').find((m) => m.textContent?.includes('no emoji here')), 'the message');
    expect(part(el, 'emoji-button')).to.equal(undefined);
    (msg.querySelector('[part~="actions"]') as HTMLElement).click();
    await until(() => msg.querySelector('[data-action="reply"]'), 'the menu');
    expect(msg.querySelector('[data-action="more-reactions"]')).to.equal(null);
    input(el).focus();
    await sendKeys({ type: ':tada:' });
    await new Promise((r) => setTimeout(r, 300));
    expect(input(el).value).to.equal(':tada:');
  });
});
