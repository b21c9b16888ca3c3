// <chat-widget> against a real Parley node, with "Ana" an SDK client: what the widget's message
// actions put on the wire (reactions, replies, mentions, edits, deletes, thread replies) and how the
// widget shows Ana's changes, all driven by keyboard.
import { expect } from '@open-wc/testing';
import type { ChatClient, MessageView, Room, RoomEvent } from '@parley/sdk';
import { sendKeys } from '@web/test-runner-commands';
import type { ChatWidget } from '../src/index.js';
import '../src/index.js';
import { bot, deepActive, mount, parley, part, parts, tokenFor, unique, until } from './support/env.js';

const cleanups: (() => unknown)[] = [];

afterEach(async () => {
  for (const el of document.querySelectorAll('chat-widget')) el.remove();
  await Promise.all(cleanups.splice(0).map((f) => f()));
  localStorage.clear();
});

interface Scene {
  el: ChatWidget;
  ana: ChatClient;
  anaRoom: Room;
  me: string;
  /** Every event Ana's client receives, in order. */
  seen: RoomEvent[];
}

async function scene(): Promise<Scene> {
  const { http } = await parley();
  const room = unique('room');
  const ana = await bot(unique('ana'), 'Ana');
  cleanups.push(() => ana.close());
  const anaRoom = await ana.createRoom({ kind: 'public', id: room, name: 'Changes' });
  const seen: RoomEvent[] = [];
  anaRoom.on('event', ({ event }) => {
    if (!('problem' in event)) seen.push(event);
  });
  const me = unique('me');
  const el = await mount({ server: http, room, token: await tokenFor(me, 'Maria'), mode: 'inline' });
  await el.ready;
  await until(() => part(el, 'input'), 'the composer');
  return { el, ana, anaRoom, me, seen };
}

const messageWith = (el: ChatWidget, text: string) => parts(el, 'message').find((m) => m.querySelector('[part~="message-body"]')?.textContent?.startsWith(text));

/** Focuses the message that starts with `text` through the list's arrow keys, then opens its menu with Enter. */
async function openMenu(el: ChatWidget, text: string): Promise<void> {
  const target = await until(() => messageWith(el, text), `the message "${text}"`);
  part(el, 'messages')!.focus();
  for (let i = 0; i < 40 && deepActive() !== target; i++) await sendKeys({ press: 'ArrowUp' });
  expect(deepActive()).to.equal(target);
  await sendKeys({ press: 'Enter' });
  await until(() => deepActive()?.getAttribute('role')?.startsWith('menuitem'), 'focus in the menu');
}

/** Moves through the open menu to the item `action` and activates it. */
async function choose(action: string): Promise<void> {
  for (let i = 0; i < 12 && deepActive()?.getAttribute('data-action') !== action; i++) await sendKeys({ press: 'ArrowDown' });
  expect(deepActive()?.getAttribute('data-action')).to.equal(action);
  await sendKeys({ press: 'Enter' });
}

describe('message changes between the widget and a real server', () => {
  it('reacts, replies with a mention, edits and deletes by keyboard; Ana receives each as the protocol says', async () => {
    const { el, ana, anaRoom, me, seen } = await scene();
    const ack = await anaRoom.send('lunch at noon?');

    // React with the first quick reaction.
    await openMenu(el, 'lunch at noon?');
    await sendKeys({ press: 'Enter' });
    const reaction = await until(() => seen.find((e) => e.kind === 'reaction'), 'Ana to see the reaction');
    expect(reaction).to.include({ by: me });
    expect(reaction.data).to.deep.equal({ target: ack.seq, emoji: '👍', on: true });
    await until(() => part(el, 'reaction')?.getAttribute('aria-pressed') === 'true', 'my pressed chip');

    // Reply, naming Ana from the @ list.
    await openMenu(el, 'lunch at noon?');
    await choose('reply');
    await until(() => deepActive()?.getAttribute('part') === 'input', 'the composer');
    await sendKeys({ type: 'yes @An' });
    await until(() => part(el, 'mention-option'), 'the suggestions');
    await sendKeys({ press: 'Enter' });
    await sendKeys({ type: 'see you' });
    await sendKeys({ press: 'Enter' });
    const reply = await until(() => seen.find((e) => e.kind === 'msg' && e.by === me), 'Ana to get the reply');
    expect(reply.body).to.equal('yes @Ana see you');
    expect(reply.data).to.deep.equal({ replyTo: ack.seq });
    expect(reply.mentions).to.deep.equal([{ user: ana.user!.id, at: 4, len: 4 }]);

    // Edit the reply.
    await openMenu(el, 'yes @Ana see you');
    await choose('edit');
    await until(() => deepActive()?.getAttribute('part') === 'edit-input', 'the editor');
    await sendKeys({ type: ' there' });
    await sendKeys({ press: 'Enter' });
    const edit = await until(() => seen.find((e) => e.kind === 'edit'), 'Ana to see the edit');
    expect(edit.body).to.equal('yes @Ana see you there');
    expect(edit.data).to.deep.equal({ target: reply.seq });
    expect(edit.mentions, 'the mention kept through the edit').to.deep.equal(reply.mentions);
    await until(() => part(el, 'edited'), '"edited"');

    // Delete it.
    await openMenu(el, 'yes @Ana see you there');
    await choose('delete');
    await until(() => deepActive()?.getAttribute('part') === 'confirm-delete-yes', 'the confirmation');
    await sendKeys({ press: 'Enter' });
    const deleted = await until(() => seen.find((e) => e.kind === 'delete'), 'Ana to see the delete');
    expect(deleted.data).to.deep.equal({ target: reply.seq });
    await until(() => part(el, 'tombstone'), 'the tombstone');
    const history = await anaRoom.history({});
    const stored = history.events.find((e) => e.seq === reply.seq) as MessageView;
    expect(stored.deleted).to.equal(true);
    expect(stored.body, 'the text is gone from the server').to.equal(undefined);
  });

  it("shows Ana's edits, reactions and deletes live, and a mention of me highlighted", async () => {
    const { el, anaRoom, me } = await scene();
    const first = await anaRoom.send('hi Maria', { mentions: [{ user: me, at: 3, len: 5 }] });
    const second = await anaRoom.send('typo hree');
    await until(() => part(el, 'mention-me'), 'the mention of me');
    await anaRoom.edit(second.seq, 'typo here');
    await until(() => messageWith(el, 'typo here')?.querySelector('[part~="edited"]'), 'the edit');
    await anaRoom.react(first.seq, '🎉');
    const chip = await until(() => part(el, 'reaction'), 'the chip');
    expect(chip.getAttribute('aria-pressed')).to.equal('false');
    expect(chip.getAttribute('aria-label')).to.equal('🎉 1: Ana');
    await anaRoom.delete(first.seq);
    await until(() => part(el, 'tombstone'), 'the tombstone');
    expect(part(el, 'mention-me'), 'the deleted text is gone from the page').to.equal(undefined);
    expect(part(el, 'reaction')).to.equal(undefined);
  });

  it('a thread: the reply count, the thread view with its history, my reply sent into the thread (not room news)', async () => {
    const { el, anaRoom, me, seen } = await scene();
    const news: string[] = [];
    el.addEventListener('chat-message', (e) => news.push((e as CustomEvent<{ message: RoomEvent }>).detail.message.body ?? ''));
    const root = await anaRoom.send('thread about the release');
    await anaRoom.send('first in thread', { thread: root.seq });
    await anaRoom.send('back in the room');
    await until(() => parts(el, 'message-body').length === 2, 'the room’s two messages');
    const link = await until(() => part(el, 'thread-link'), 'the reply count');
    expect(link.textContent).to.equal('1 reply');
    expect(parts(el, 'message-body').map((b) => b.textContent)).to.deep.equal(['thread about the release', 'back in the room']);
    link.focus();
    await sendKeys({ press: 'Enter' });
    await until(() => parts(el, 'message-body').some((b) => b.textContent === 'first in thread'), 'the thread history');
    await until(() => deepActive()?.getAttribute('part') === 'input', 'the composer');
    await sendKeys({ type: 'count me in' });
    await sendKeys({ press: 'Enter' });
    const mine = await until(() => seen.find((e) => e.kind === 'msg' && e.by === me), 'Ana to get the thread reply');
    expect(mine.data).to.deep.equal({ thread: root.seq });
    part(el, 'thread-back')!.click();
    await until(() => part(el, 'thread-link')?.textContent === '2 replies', 'the count to grow');
    await anaRoom.send('later in the room');
    await until(() => news.includes('later in the room'), 'chat-message for a room message');
    expect(news).to.not.include('count me in');
    expect(news).to.not.include('first in thread');
  });

  it('typing in a thread: shown in that thread only, room typing in the room only; my typing there carries the thread', async () => {
    const { el, anaRoom, me } = await scene();
    const typing: { user: string; on: boolean; thread?: number }[] = [];
    anaRoom.on('typing', ({ user, on, thread }) => typing.push({ user, on, ...(thread !== undefined ? { thread } : {}) }));
    const typingLine = () => part(el, 'typing')?.textContent ?? '';
    const root = await anaRoom.send('who is writing where?');
    await anaRoom.send('a first reply', { thread: root.seq });
    const link = await until(() => part(el, 'thread-link'), 'the reply count');
    link.click();
    await until(() => parts(el, 'message-body').some((b) => b.textContent === 'a first reply'), 'the thread view');

    // Ana types in the room: nothing in the thread view. Her next reply there is the sync point,
    // since her frames arrive in order.
    anaRoom.typing(true);
    await anaRoom.send('sync in the thread', { thread: root.seq });
    await until(() => parts(el, 'message-body').some((b) => b.textContent === 'sync in the thread'), 'the reply');
    expect(typingLine(), 'room typing in the thread view').to.equal('');
    anaRoom.typing(true, { thread: root.seq });
    await until(() => typingLine().includes('Ana'), 'Ana typing in the thread view');

    // Back in the room: her room typing shows; when she stops it, her thread typing does not take its place.
    part(el, 'thread-back')!.click();
    await until(() => typingLine().includes('Ana'), 'Ana typing in the room view');
    anaRoom.typing(false);
    await until(() => typingLine() === '', 'the room line to clear');
    await anaRoom.send('sync in the room');
    await until(() => parts(el, 'message-body').some((b) => b.textContent === 'sync in the room'), 'the room message');
    expect(typingLine(), 'thread typing in the room view').to.equal('');
    anaRoom.typing(false, { thread: root.seq });

    // My typing in the thread view goes out with the thread; in the room view, without one.
    part(el, 'thread-link')!.click();
    await until(() => part(el, 'thread-back'), 'the thread view again');
    part(el, 'input')!.focus();
    await sendKeys({ type: 'hmm' });
    await until(() => typing.some((t) => t.user === me && t.on), 'Ana to see me typing');
    expect(typing.filter((t) => t.user === me)).to.deep.equal([{ user: me, on: true, thread: root.seq }]);
    part(el, 'thread-back')!.click(); // leaving the thread ends my typing there
    await until(() => typing.filter((t) => t.user === me).length === 2, 'my typing in the thread to end');
    expect(typing.filter((t) => t.user === me)[1]).to.deep.equal({ user: me, on: false, thread: root.seq });
    part(el, 'input')!.focus();
    await sendKeys({ type: 'x' });
    await until(() => typing.filter((t) => t.user === me).length === 3, 'my typing in the room');
    expect(typing.filter((t) => t.user === me)[2]).to.deep.equal({ user: me, on: true });
  });
});
