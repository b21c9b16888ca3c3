// The message actions in the panel, by keyboard and by click: reactions, replies, threads, edit,
// delete and the @ autocomplete. The room behind the session is an in-page stand-in for the SDK room
// calls of ADR 0011 (edit, delete, react, send with options, thread history) that answers like the
// server does and delivers the change events back, until the server and SDK branches land here.
import { expect } from '@open-wc/testing';
import { foldChange, type ChangeAck, type Member, type MessageView as Message, type Room, type RoomEvent, type SendAck, type SendOptions } from '@parley/sdk';
import { sendKeys } from '@web/test-runner-commands';
import '../src/chat-panel.js';
import type { ChatPanel } from '../src/chat-panel.js';
import { ChatSession, type RoomView } from '../src/chat-session.js';
import { Timeline } from '../src/timeline.js';
import { deepActive, until } from './support/env.js';

declare const axe: { run(context: Element): Promise<{ violations: { id: string; nodes: unknown[] }[] }> };

const ME = 'me';
const FEATURES = new Set(['edit', 'delete', 'reactions', 'replies', 'threads', 'mentions']);

/** A room that stores what it is asked to and delivers each change as the live event the server would. */
class StandInRoom {
  readonly calls: unknown[][] = [];
  seq = 0;
  /** Set to make the next edit fail with this error code. */
  refuseNext: string | undefined;
  readonly log: Message[] = [];
  constructor(
    readonly id: string,
    private readonly deliver: (e: RoomEvent) => void,
  ) {}
  /** Stores `e`; `live`: also delivers it, as the server fans it out (seeds are history only). */
  private append(e: Omit<Message, 'room' | 'seq' | 'id' | 'ts'>, live = true): Message {
    const seq = ++this.seq;
    const event: Message = { room: this.id, seq, id: `e${seq}`, ts: Date.now(), ...e };
    this.log.push(event);
    if (live) setTimeout(() => this.deliver(event), 0);
    return event;
  }
  private ack(e: Message): ChangeAck {
    return { seq: e.seq, id: e.id, ts: e.ts, changed: true };
  }
  seed(by: string, body: string, extra: Partial<Message> = {}): Message {
    return this.append({ kind: 'msg', by, name: by.toUpperCase(), body, ...extra }, false);
  }
  async send(body: string, options: SendOptions = {}): Promise<SendAck> {
    this.calls.push(['send', body, options]);
    const data = { ...(options.replyTo !== undefined && { replyTo: options.replyTo }), ...(options.thread !== undefined && { thread: options.thread }) };
    const e = this.append({ kind: 'msg', by: ME, name: 'Me', body, cid: 'c', ...(Object.keys(data).length && { data }), ...(options.mentions && { mentions: options.mentions }) });
    return { cid: 'c', id: e.id, seq: e.seq, ts: e.ts, duplicate: false };
  }
  async edit(seq: number, body: string, options: { mentions?: unknown[] } = {}): Promise<ChangeAck> {
    this.calls.push(['edit', seq, body, options]);
    if (this.refuseNext) throw Object.assign(new Error('the edit window is over'), { code: this.refuseNext });
    return this.ack(this.append({ kind: 'edit', by: ME, name: 'Me', body, data: { target: seq } }));
  }
  async delete(seq: number): Promise<ChangeAck> {
    this.calls.push(['delete', seq]);
    return this.ack(this.append({ kind: 'delete', by: ME, name: 'Me', data: { target: seq } }));
  }
  async react(seq: number, emoji: string, on = true): Promise<ChangeAck> {
    this.calls.push(['react', seq, emoji, on]);
    return this.ack(this.append({ kind: 'reaction', by: ME, name: 'Me', data: { target: seq, emoji, on } }));
  }
  async history(options: { thread?: number; main?: boolean; before?: number; limit?: number }): Promise<{ events: Message[]; more: boolean }> {
    this.calls.push(['history', options]);
    // Messages in their current state, as the projection gives them.
    const state = new Map<number, Message>();
    for (const e of this.log) {
      const target = e.data?.target ?? (e.kind === 'msg' ? e.data?.thread : undefined);
      if (typeof target === 'number' && state.has(target)) state.set(target, foldChange(state.get(target)!, e, ME) ?? state.get(target)!);
      if (e.kind === 'msg') state.set(e.seq, { ...e });
    }
    const events = [...state.values()].filter((m) => (options.thread === undefined ? m.data?.thread === undefined : m.data?.thread === options.thread) && (options.before === undefined || m.seq < options.before));
    // The newest `limit` of them, as a page back from the end.
    const limit = options.limit ?? 50;
    return { events: events.slice(-limit), more: events.length > limit };
  }
  typing(): void {}
  async members(): Promise<Member[]> {
    return [
      { user: ME, name: 'Me', role: 'member', state: 'online' },
      { user: 'ana', name: 'Ana', role: 'member', state: 'online' },
      { user: 'anabel', name: 'Anabel', role: 'member', state: 'online' },
      { user: 'bo', name: 'Bo', role: 'member', state: 'online' },
    ];
  }
}

interface Scene {
  panel: ChatPanel;
  room: StandInRoom;
  view: RoomView;
  session: ChatSession;
}

async function scene(seed: (room: StandInRoom) => void, lang: 'en' | 'pt-BR' = 'en'): Promise<Scene> {
  const panel = document.createElement('parley-chat-panel');
  const session = new ChatSession({ changed: () => panel.rev++, message: () => {}, unread: () => {}, error: () => {}, reading: () => true });
  Object.defineProperty(session, 'features', { value: FEATURES });
  let view: RoomView | undefined;
  const room = new StandInRoom('r', (e) => {
    if (!view) return;
    const inThread = !!session.thread?.timeline.add(e);
    if (view.timeline.add(e) || inThread) panel.rev++;
  });
  seed(room);
  const handle = room as unknown as Room;
  view = { id: 'r', summary: undefined, timeline: new Timeline(undefined, ME), typing: new Map(), members: await room.members(), unread: 0, handle };
  session.user = { id: ME, name: 'Me', guest: false };
  session.status = 'connected';
  session.rooms.set('r', view);
  session.active = 'r';
  const page = await room.history({ main: true, limit: 30 });
  view.timeline.addPage(page.events, page.more, false);
  room.calls.length = 0;
  Object.assign(panel, { session, actions: { close() {}, toggleSound() {}, signIn: async () => {}, rename: async () => {}, selectRoom() {} }, locale: lang, floating: false, needGuest: false, soundOn: false, showSound: false });
  panel.style.cssText = 'display:flex;height:600px;width:420px';
  document.body.append(panel);
  await panel.updateComplete;
  return { panel, room, view, session };
}

afterEach(() => {
  for (const el of document.querySelectorAll('parley-chat-panel')) el.remove();
});

const q = <T extends HTMLElement = HTMLElement>(panel: ChatPanel, sel: string) => panel.shadowRoot!.querySelector<T>(sel);
const qa = (panel: ChatPanel, sel: string) => [...panel.shadowRoot!.querySelectorAll<HTMLElement>(sel)];
const message = (panel: ChatPanel, seq: number) => q(panel, `[part~="messages"] [part~="message"][data-seq="${seq}"]`)!;

/** Focuses message `seq` by keyboard: into the list, then arrows up from the newest. */
async function focusMessage(panel: ChatPanel, seq: number): Promise<void> {
  q(panel, '[part~="messages"]')!.focus();
  const all = qa(panel, '[part~="messages"] [part~="message"][tabindex]');
  const steps = all.length - all.findIndex((m) => m.dataset.seq === String(seq));
  for (let i = 0; i < steps; i++) await sendKeys({ press: 'ArrowUp' });
  expect(deepActive()).to.equal(message(panel, seq));
}

describe('message actions, keyboard only', () => {
  it('opens a message menu with Enter, reacts from the quick bar, and shows a pressed chip naming who reacted', async () => {
    const { panel, room } = await scene((r) => r.seed('ana', 'hello'));
    await focusMessage(panel, 1);
    await sendKeys({ press: 'Enter' });
    await until(() => deepActive()?.getAttribute('role') === 'menuitemcheckbox', 'focus in the menu');
    expect(q(panel, '[part~="actions"]')!.getAttribute('aria-expanded')).to.equal('true');
    await sendKeys({ press: 'ArrowRight' });
    expect(deepActive()?.getAttribute('data-emoji')).to.equal('❤️');
    await sendKeys({ press: 'Enter' });
    const chip = await until(() => q(panel, '[part~="reaction"]'), 'a reaction chip');
    expect(room.calls).to.deep.equal([['react', 1, '❤️', true]]);
    expect(chip.getAttribute('aria-pressed')).to.equal('true');
    expect(chip.textContent!.replace(/\s+/g, ' ').trim()).to.equal('❤️ 1');
    expect(chip.title).to.equal('❤️ 1: You. Press to take yours back');
    expect(q(panel, '[part~="actions-menu"]'), 'the menu closed').to.equal(null);
    expect(deepActive()?.getAttribute('part')).to.equal('actions');
    // Toggling the chip takes the reaction back.
    chip.focus();
    await sendKeys({ press: 'Enter' });
    await until(() => !q(panel, '[part~="reaction"]'), 'the chip to go');
    expect(room.calls[1]).to.deep.equal(['react', 1, '❤️', false]);
  });

  it('names other reactors in the chip and counts past the named ones', async () => {
    const { panel } = await scene((r) => r.seed('ana', 'vote', { reactions: [{ emoji: '👍', count: 12, me: false, users: ['ana', 'bo'] }] }));
    const chip = q(panel, '[part~="reaction"]')!;
    expect(chip.getAttribute('aria-pressed')).to.equal('false');
    expect(chip.getAttribute('aria-label')).to.equal('👍 12: Ana, Bo and 10 more');
  });

  it('closes the menu with Escape and gives focus back to its button; arrows wrap around the items', async () => {
    const { panel } = await scene((r) => r.seed(ME, 'mine'));
    await focusMessage(panel, 1);
    await sendKeys({ press: 'Enter' });
    await until(() => deepActive()?.getAttribute('role') === 'menuitemcheckbox', 'focus in the menu');
    await sendKeys({ press: 'End' });
    expect(deepActive()?.getAttribute('data-action')).to.equal('delete');
    await sendKeys({ press: 'ArrowDown' });
    expect(deepActive()?.getAttribute('data-emoji'), 'wrapped to the first').to.equal('👍');
    const items = qa(panel, '[part~="menu-item"]').map((b) => b.dataset.action);
    expect(items).to.deep.equal(['more-reactions', 'reply', 'reply-thread', 'edit', 'delete']);
    await sendKeys({ press: 'Escape' });
    await panel.updateComplete;
    expect(q(panel, '[part~="actions-menu"]')).to.equal(null);
    expect(deepActive()?.getAttribute('part')).to.equal('actions');
  });

  it('offers edit and delete on own messages only', async () => {
    const { panel } = await scene((r) => {
      r.seed('ana', 'theirs');
      r.seed(ME, 'mine');
    });
    q<HTMLButtonElement>(panel, '[data-seq="1"] [part~="actions"]')!.click();
    await panel.updateComplete;
    expect(qa(panel, '[part~="menu-item"]').map((b) => b.dataset.action)).to.deep.equal(['more-reactions', 'reply', 'reply-thread']);
  });

  it('edits own message inline: Enter saves, "edited" shows; Escape cancels without a request', async () => {
    const { panel, room } = await scene((r) => r.seed(ME, 'frist'));
    await focusMessage(panel, 1);
    await sendKeys({ press: 'Enter' });
    await until(() => deepActive()?.getAttribute('role')?.startsWith('menuitem'), 'the menu');
    await sendKeys({ press: 'End' });
    await sendKeys({ press: 'ArrowUp' });
    expect(deepActive()?.getAttribute('data-action')).to.equal('edit');
    await sendKeys({ press: 'Enter' });
    const area = await until(() => (deepActive()?.getAttribute('part') === 'edit-input' ? (deepActive() as HTMLTextAreaElement) : undefined), 'the editor focused');
    expect(area.value).to.equal('frist');
    await sendKeys({ press: 'Escape' });
    await panel.updateComplete;
    expect(q(panel, '[part~="edit-input"]')).to.equal(null);
    expect(room.calls).to.deep.equal([]);
    expect(deepActive()?.getAttribute('part')).to.equal('actions');

    q<HTMLButtonElement>(panel, '[part~="actions"]')!.click();
    await panel.updateComplete;
    q<HTMLButtonElement>(panel, '[data-action="edit"]')!.click();
    await until(() => deepActive()?.getAttribute('part') === 'edit-input', 'the editor');
    for (let i = 0; i < 4; i++) await sendKeys({ press: 'Backspace' });
    await sendKeys({ type: 'irst' });
    await sendKeys({ press: 'Enter' });
    await until(() => q(panel, '[part~="edited"]'), '"edited"');
    expect(room.calls).to.deep.equal([['edit', 1, 'first', {}]]);
    expect(q(panel, '[part~="message-body"]')!.textContent!.replace(/\s+/g, ' ').trim()).to.equal('first (edited)');
    expect(deepActive()).to.equal(message(panel, 1));
  });

  it('says in words that an edit came too late, and keeps the editor open', async () => {
    const { panel, room } = await scene((r) => r.seed(ME, 'old'), 'pt-BR');
    room.refuseNext = 'too_late';
    q<HTMLButtonElement>(panel, '[part~="actions"]')!.click();
    await panel.updateComplete;
    q<HTMLButtonElement>(panel, '[data-action="edit"]')!.click();
    await until(() => deepActive()?.getAttribute('part') === 'edit-input', 'the editor');
    await sendKeys({ type: '!' });
    await sendKeys({ press: 'Enter' });
    const error = await until(() => q(panel, '[part~="edit-error"]'), 'the error');
    expect(error.getAttribute('role')).to.equal('alert');
    expect(error.textContent).to.equal('Tarde demais para mudar esta mensagem: o prazo para editá-la acabou.');
    expect(q(panel, '[part~="edit-input"]')!.getAttribute('aria-invalid')).to.equal('true');
    expect(q(panel, '[part~="edited"]')).to.equal(null);
  });

  it('deletes own message after a confirmation and leaves a "message deleted" tombstone', async () => {
    const { panel, room } = await scene((r) => {
      r.seed(ME, 'oops');
      r.seed('ana', 'after');
    });
    await focusMessage(panel, 1);
    await sendKeys({ press: 'Enter' });
    await until(() => deepActive()?.getAttribute('role')?.startsWith('menuitem'), 'the menu');
    await sendKeys({ press: 'End' });
    await sendKeys({ press: 'Enter' });
    await until(() => deepActive()?.getAttribute('part') === 'confirm-delete-yes', 'the confirmation');
    expect(room.calls).to.deep.equal([]);
    await sendKeys({ press: 'Enter' });
    await until(() => message(panel, 1).hasAttribute('data-deleted'), 'the tombstone');
    expect(room.calls).to.deep.equal([['delete', 1]]);
    expect(q(panel, '[part~="confirm-delete"]'), 'the confirmation closed').to.equal(null);
    expect(message(panel, 1).querySelector('[part~="message-body"]')!.textContent).to.equal('Message deleted');
    expect(message(panel, 1).textContent).not.to.contain('oops');
    expect(message(panel, 1).querySelector('[part~="actions"]'), 'a tombstone has no actions').to.equal(null);
    expect(qa(panel, '[part~="message"]')).to.have.length(2);
  });

  it('cancels a delete with Escape, sending nothing', async () => {
    const { panel, room } = await scene((r) => r.seed(ME, 'keep me'));
    q<HTMLButtonElement>(panel, '[part~="actions"]')!.click();
    await panel.updateComplete;
    q<HTMLButtonElement>(panel, '[data-action="delete"]')!.click();
    await until(() => deepActive()?.getAttribute('part') === 'confirm-delete-yes', 'the confirmation');
    await sendKeys({ press: 'Escape' });
    await panel.updateComplete;
    expect(q(panel, '[part~="confirm-delete"]')).to.equal(null);
    expect(room.calls).to.deep.equal([]);
    expect(message(panel, 1).hasAttribute('data-deleted')).to.equal(false);
  });

  it('replies: the composer quotes the message (cancelable), the sent reply shows the quote, and the quote jumps to the original', async () => {
    const { panel, room } = await scene((r) => {
      r.seed('ana', 'the original question');
      for (let i = 0; i < 25; i++) r.seed('bo', `filler ${i}`);
    });
    q<HTMLButtonElement>(panel, '[data-seq="1"] [part~="actions"]')!.click();
    await panel.updateComplete;
    q<HTMLButtonElement>(panel, '[data-action="reply"]')!.click();
    await until(() => deepActive()?.getAttribute('part') === 'input', 'the composer focused');
    expect(q(panel, '[part~="reply-preview"]')!.textContent).to.contain('Replying to Ana').and.contain('the original question');
    // Escape drops the quote, keeping the draft.
    await sendKeys({ press: 'Escape' });
    await panel.updateComplete;
    expect(q(panel, '[part~="reply-preview"]')).to.equal(null);
    q<HTMLButtonElement>(panel, '[data-seq="1"] [part~="actions"]')!.click();
    await panel.updateComplete;
    q<HTMLButtonElement>(panel, '[data-action="reply"]')!.click();
    await until(() => deepActive()?.getAttribute('part') === 'input', 'the composer focused');
    await sendKeys({ type: 'here is the answer' });
    await sendKeys({ press: 'Enter' });
    const quote = await until(() => q(panel, '[part~="quote"]'), 'the quote on the reply');
    expect(room.calls[0]).to.deep.equal(['send', 'here is the answer', { replyTo: 1 }]);
    expect(quote.textContent).to.contain('Ana').and.contain('the original question');
    expect(q(panel, '[part~="reply-preview"]')).to.equal(null);
    const list = q(panel, '[part~="messages"]')!;
    expect(message(panel, 1).getBoundingClientRect().bottom, 'at the bottom, the original out of sight').to.be.at.most(list.getBoundingClientRect().top);
    quote.focus();
    await sendKeys({ press: 'Enter' });
    await until(() => deepActive() === message(panel, 1), 'the original focused');
    const box = message(panel, 1).getBoundingClientRect();
    const view = list.getBoundingClientRect();
    expect(box.top >= view.top && box.bottom <= view.bottom, 'the original scrolled into view').to.equal(true);
  });

  it('jumps from a quote to an original older than the loaded page, loading history back to it', async () => {
    const { panel, room } = await scene((r) => {
      r.seed('ana', 'long ago');
      for (let i = 0; i < 40; i++) r.seed('bo', `filler ${i}`);
      r.seed('bo', 'about that', { data: { replyTo: 1 } });
    });
    expect(message(panel, 1), 'not loaded yet').to.equal(null);
    const quote = q(panel, '[part~="quote"]')!;
    expect(quote.textContent!.trim()).to.equal('An earlier message');
    quote.focus();
    await sendKeys({ press: 'Enter' });
    await until(() => deepActive() === message(panel, 1), 'the original focused');
    expect(room.calls.filter((c) => c[0] === 'history').map((c) => (c[1] as { before?: number }).before)).to.deep.equal([13]);
    expect(q(panel, '[part~="quote"]')!.textContent, 'the quote now names it').to.contain('long ago');
  });

  it('pages a long thread back as the reader scrolls up', async () => {
    const { panel, room } = await scene((r) => {
      const root = r.seed('ana', 'busy thread');
      for (let i = 0; i < 40; i++) r.seed('bo', `reply ${i}`, { data: { thread: root.seq } });
    });
    q<HTMLButtonElement>(panel, '[part~="thread-link"]')!.click();
    await until(() => qa(panel, '[part~="message-body"]').length === 31, 'the root and the latest 30 replies');
    const list = q(panel, '[part~="thread"]')!;
    await until(() => list.scrollTop > 0, 'the thread scrolled to its end');
    list.scrollTop = 0;
    await until(() => qa(panel, '[part~="message-body"]').length === 41, 'the older replies');
    const pages = room.calls.filter((c) => c[0] === 'history').map((c) => c[1]);
    expect(pages).to.deep.equal([{ thread: 1, limit: 30 }, { before: 12, limit: 30, thread: 1 }]);
    expect(qa(panel, '[part~="message-body"]')[1]!.textContent).to.equal('reply 0');
  });

  it('opens a thread from the reply count, pages its history, sends into it, and comes back', async () => {
    const { panel, room, view } = await scene((r) => {
      const root = r.seed('ana', 'thread root');
      r.seed('bo', 'in thread 1', { data: { thread: root.seq } });
      r.seed('bo', 'in thread 2', { data: { thread: root.seq } });
      r.seed('bo', 'main after');
    });
    expect(qa(panel, '[part~="message-body"]').map((b) => b.textContent), 'thread replies stay out of the room').to.deep.equal(['thread root', 'main after']);
    const link = q<HTMLButtonElement>(panel, '[part~="thread-link"]')!;
    expect(link.textContent).to.equal('2 replies');
    link.focus();
    await sendKeys({ press: 'Enter' });
    await until(() => q(panel, '[part~="thread-bar"]'), 'the thread view');
    await until(() => qa(panel, '[part~="message-body"]').length === 3, 'root and replies');
    expect(room.calls).to.deep.include(['history', { thread: 1, limit: 30 }]);
    expect(qa(panel, '[part~="message-body"]').map((b) => b.textContent)).to.deep.equal(['thread root', 'in thread 1', 'in thread 2']);
    expect(deepActive()?.getAttribute('part')).to.equal('input');
    expect(deepActive()?.getAttribute('placeholder')).to.equal('Reply in the thread…');
    await sendKeys({ type: 'my thread reply' });
    await sendKeys({ press: 'Enter' });
    await until(() => qa(panel, '[part~="message-body"]').some((b) => b.textContent === 'my thread reply'), 'the reply in the thread');
    expect(room.calls.find((c) => c[0] === 'send')).to.deep.equal(['send', 'my thread reply', { thread: 1 }]);
    q<HTMLButtonElement>(panel, '[part~="thread-back"]')!.click();
    await until(() => !q(panel, '[part~="thread-bar"]'), 'back in the room');
    expect(qa(panel, '[part~="message-body"]').map((b) => b.textContent)).to.deep.equal(['thread root', 'main after']);
    await until(() => q(panel, '[part~="thread-link"]')!.textContent === '3 replies', 'the count to grow');
    expect(view.timeline.find(1)!.replies!.count).to.equal(3);
    expect(deepActive()).to.equal(message(panel, 1));
  });

  it('completes @mentions from the members with arrows and Enter, sends them as entities, and highlights mentions of me more strongly', async () => {
    const { panel, room } = await scene((r) => r.seed('ana', 'hey @Me look', { mentions: [{ user: ME, at: 4, len: 3 }] }));
    const mine = q(panel, '[part~="mention-me"]')!;
    expect(mine.textContent).to.equal('@Me');
    expect(getComputedStyle(mine).backgroundColor).to.equal('rgb(255, 213, 74)');
    const input = q<HTMLTextAreaElement>(panel, '[part~="input"]')!;
    input.focus();
    await sendKeys({ type: 'hi @an' });
    const list = await until(() => q(panel, '[part~="mention-list"]'), 'the suggestions');
    expect(list.getAttribute('role')).to.equal('listbox');
    expect(qa(panel, '[part~="mention-option"]').map((o) => o.textContent!.trim())).to.deep.equal(['Ana', 'Anabel']);
    expect(input.getAttribute('aria-activedescendant')).to.equal('mention-0');
    await sendKeys({ press: 'ArrowDown' });
    await panel.updateComplete;
    expect(input.getAttribute('aria-activedescendant')).to.equal('mention-1');
    expect(q(panel, '#mention-1')!.getAttribute('aria-selected')).to.equal('true');
    await sendKeys({ press: 'Enter' });
    await panel.updateComplete;
    expect(input.value).to.equal('hi @Anabel ');
    expect(q(panel, '[part~="mention-list"]')).to.equal(null);
    // Escape closes the list without picking.
    await sendKeys({ type: 'and @b' });
    await until(() => q(panel, '[part~="mention-list"]'), 'the suggestions again');
    await sendKeys({ press: 'Escape' });
    await panel.updateComplete;
    expect(q(panel, '[part~="mention-list"]')).to.equal(null);
    expect(input.value).to.equal('hi @Anabel and @b');
    await sendKeys({ press: 'Enter' });
    await until(() => room.calls.length, 'the send');
    expect(room.calls[0]).to.deep.equal(['send', 'hi @Anabel and @b', { mentions: [{ user: 'anabel', at: 3, len: 7 }] }]);
    const shown = await until(() => qa(panel, '[part~="mention"]').find((m) => m.dataset.user === 'anabel'), 'the mention rendered');
    expect(shown.textContent).to.equal('@Anabel');
    expect(shown.getAttribute('part')).to.equal('mention');
  });

  it('has no axe violations with reactions, a quote, a thread link, an open menu and the mention list', async () => {
    const { panel } = await scene((r) => {
      r.seed('ana', 'hi @Me', { mentions: [{ user: ME, at: 3, len: 3 }], reactions: [{ emoji: '👍', count: 2, me: true, users: [ME, 'ana'] }], replies: { count: 2, last: 5, lastTs: 0 } });
      r.seed(ME, 'answer', { data: { replyTo: 1 }, edited: Date.now() });
    });
    const input = q<HTMLTextAreaElement>(panel, '[part~="input"]')!;
    input.focus();
    await sendKeys({ type: '@a' });
    await until(() => q(panel, '[part~="mention-list"]'), 'the suggestions');
    q<HTMLButtonElement>(panel, '[data-seq="2"] [part~="actions"]')!.click();
    await panel.updateComplete;
    expect(q(panel, '[part~="actions-menu"]')).to.not.equal(null);
    const { violations } = await axe.run(panel);
    expect(violations.map((v) => `${v.id} (${v.nodes.length})`)).to.deep.equal([]);
  });

  it('labels everything in pt-BR', async () => {
    const { panel } = await scene((r) => r.seed(ME, 'oi', { replies: { count: 1, last: 9, lastTs: 0 } }), 'pt-BR');
    expect(q(panel, '[part~="actions"]')!.getAttribute('aria-label')).to.equal('Ações da mensagem');
    expect(q(panel, '[part~="thread-link"]')!.textContent).to.equal('1 resposta');
    q<HTMLButtonElement>(panel, '[part~="actions"]')!.click();
    await panel.updateComplete;
    expect(qa(panel, '[part~="menu-item"]').map((b) => b.textContent)).to.deep.equal(['Mais reações…', 'Responder', 'Responder em conversa', 'Editar', 'Apagar']);
    expect(q(panel, '[part~="quick-reaction"]')!.getAttribute('aria-label')).to.equal('Reagir com 👍');
  });
});
