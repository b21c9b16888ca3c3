// foldChange: the client half of the projection rule (ADR 0011): a change applies once, only when
// newer than the view, never to a deleted message, and reaction counts stay consistent.
import { describe, expect, it } from 'vitest';
import { foldChange, type MessageView, type RoomEvent } from '../src/index.js';

const ME = 'ana';
let ids = 0;

function msg(seq: number, fields: Partial<RoomEvent> = {}): MessageView {
  return { room: 'lobby', seq, id: `m${seq}`, kind: 'msg', ts: 1000 + seq, by: ME, name: 'Ana', cid: `c${seq}`, body: `text ${seq}`, ...fields };
}

function change(seq: number, kind: string, fields: Partial<RoomEvent> = {}): RoomEvent {
  return { room: 'lobby', seq, id: `e${++ids}`, kind, ts: 2000 + seq, by: ME, name: 'Ana', ...fields };
}

const edit = (seq: number, target: number, body: string, fields: Partial<RoomEvent> = {}) => change(seq, 'edit', { body, data: { target }, ...fields });
const del = (seq: number, target: number) => change(seq, 'delete', { data: { target } });
const react = (seq: number, target: number, emoji: string, on: boolean, by = ME) => change(seq, 'reaction', { by, data: { target, emoji, on } });
const reply = (seq: number, thread: number) => msg(seq, { data: { thread }, by: 'bo' });

/** Folds every change into the view in turn, skipping the ones that do not apply. */
function foldAll(view: MessageView, changes: RoomEvent[], me = ME): MessageView {
  return changes.reduce((v, c) => foldChange(v, c, me) ?? v, view);
}

describe('foldChange', () => {
  it('applies an edit: new body and mentions, edited = its ts, rev = its seq; the original stays untouched', () => {
    const original = msg(1, { mentions: [{ user: 'bo', at: 0, len: 3 }] });
    const e = edit(2, 1, '@cy hi', { mentions: [{ user: 'cy', at: 0, len: 3 }] });

    const view = foldChange(original, e, ME);

    expect(view).toEqual({ ...original, body: '@cy hi', mentions: [{ user: 'cy', at: 0, len: 3 }], edited: e.ts, rev: 2 });
    expect(original.body).toBe('text 1');
    expect(original.rev).toBeUndefined();
  });

  it('drops the old mentions when an edit names nobody', () => {
    const view = foldChange(msg(1, { mentions: [{ user: 'bo', at: 0, len: 3 }] }), edit(2, 1, 'plain'), ME);

    expect(view).not.toHaveProperty('mentions');
    expect(view?.body).toBe('plain');
  });

  it('ignores a change for another message, another room, or not newer than the view (rev, else seq)', () => {
    const view = msg(5, { rev: 8 });

    expect(foldChange(view, edit(9, 4, 'x'), ME)).toBeUndefined();
    expect(foldChange(view, { ...edit(9, 5, 'x'), room: 'other' }, ME)).toBeUndefined();
    expect(foldChange(view, edit(8, 5, 'x'), ME)).toBeUndefined();
    expect(foldChange(view, edit(7, 5, 'x'), ME)).toBeUndefined();
    expect(foldChange(msg(5), edit(5, 5, 'x'), ME)).toBeUndefined();
    expect(foldChange(view, edit(9, 5, 'x'), ME)?.body).toBe('x');
  });

  it('ignores kinds that change no message (join, leave, unknown) and malformed reactions', () => {
    const view = msg(1);

    expect(foldChange(view, change(2, 'join', { data: { target: 1 } }), ME)).toBeUndefined();
    expect(foldChange(view, change(2, 'unknown', { data: { target: 1 } }), ME)).toBeUndefined();
    expect(foldChange(view, change(2, 'reaction', { data: { target: 1, emoji: '👍' } }), ME)).toBeUndefined();
    expect(foldChange(view, msg(2), ME)).toBeUndefined();
  });

  it('is idempotent: folding the same changes twice, or a view already folded from history, changes nothing', () => {
    const changes = [edit(2, 1, 'v2'), react(3, 1, '👍', true, 'bo'), react(4, 1, '👍', true), reply(5, 1), edit(6, 1, 'v3')];
    const once = foldAll(msg(1), changes);

    expect(foldAll(once, changes)).toEqual(once);
    for (const c of changes) expect(foldChange(once, c, ME)).toBeUndefined();
    expect(once).toMatchObject({ body: 'v3', rev: 6, replies: { count: 1, last: 5, lastTs: 1005 } });
  });

  it('gives the same view whatever prefix came from history, as long as live changes continue from it', () => {
    const changes = [react(2, 1, '👍', true, 'bo'), edit(3, 1, 'v2'), react(4, 1, '🎉', true), react(5, 1, '👍', false, 'bo'), reply(6, 1), react(7, 1, '👍', true)];
    const full = foldAll(msg(1), changes);

    for (let cut = 0; cut <= changes.length; cut++) {
      const fromHistory = foldAll(msg(1), changes.slice(0, cut));
      // A resuming client may see again some changes its history page already covered.
      expect(foldAll(fromHistory, changes.slice(Math.max(0, cut - 2)))).toEqual(full);
    }
  });

  it('counts reactions per emoji in first-reaction order, with me and the reactors named', () => {
    const view = foldAll(msg(1), [react(2, 1, '👍', true, 'bo'), react(3, 1, '🎉', true, 'cy'), react(4, 1, '👍', true)]);

    expect(view.reactions).toEqual([
      { emoji: '👍', count: 2, me: true, users: ['bo', ME] },
      { emoji: '🎉', count: 1, me: false, users: ['cy'] },
    ]);
    expect(view.rev).toBe(4);
  });

  it('takes a reaction back: the count drops, me clears, an emoji at zero disappears, the field too when none is left', () => {
    const on = foldAll(msg(1), [react(2, 1, '👍', true), react(3, 1, '👍', true, 'bo')]);

    const mine = foldChange(on, react(4, 1, '👍', false), ME)!;
    expect(mine.reactions).toEqual([{ emoji: '👍', count: 1, me: false, users: ['bo'] }]);
    const none = foldChange(mine, react(5, 1, '👍', false, 'bo'), ME)!;
    expect(none).not.toHaveProperty('reactions');
    expect(none.rev).toBe(5);
  });

  it('never lets a count go negative, nor counts twice a reactor the view already shows', () => {
    const view = msg(1, { rev: 3, reactions: [{ emoji: '👍', count: 1, me: true, users: [ME] }] });

    expect(foldChange(view, react(4, 1, '👍', true), ME)!.reactions).toEqual([{ emoji: '👍', count: 1, me: true, users: [ME] }]);
    expect(foldChange(view, react(4, 1, '🎉', false, 'bo'), ME)!.reactions).toEqual(view.reactions);
    const gone = foldAll(view, [react(4, 1, '👍', false), react(5, 1, '👍', false)]);
    expect(gone).not.toHaveProperty('reactions');
    expect(gone.rev).toBe(5);
  });

  it('names at most the first 10 reactors but counts everyone', () => {
    const users = Array.from({ length: 12 }, (_, i) => `u${i}`);
    const view = foldAll(msg(1), users.map((u, i) => react(2 + i, 1, '👍', true, u)));

    expect(view.reactions).toEqual([{ emoji: '👍', count: 12, me: false, users: users.slice(0, 10) }]);
  });

  it('turns a deleted message into a tombstone: no body, mentions or reactions (edited stays); later edits and reactions are ignored', () => {
    const live = foldAll(msg(1, { mentions: [{ user: 'bo', at: 0, len: 2 }] }), [edit(2, 1, 'v2'), react(3, 1, '👍', true)]);

    const gone = foldChange(live, del(4, 1), ME)!;

    expect(gone).toEqual({ room: 'lobby', seq: 1, id: 'm1', kind: 'msg', ts: 1001, by: ME, name: 'Ana', cid: 'c1', edited: 2002, deleted: true, rev: 4 });
    expect(foldChange(gone, edit(5, 1, 'back'), ME)).toBeUndefined();
    expect(foldChange(gone, react(6, 1, '👍', true), ME)).toBeUndefined();
    expect(foldChange(gone, del(7, 1), ME)).toBeUndefined();
  });

  it('counts thread replies on the root, even a deleted one, and ignores a quote-only reply', () => {
    const root = foldAll(msg(1), [reply(2, 1), reply(3, 1), msg(4, { data: { replyTo: 1 } })]);

    expect(root.replies).toEqual({ count: 2, last: 3, lastTs: 1003 });
    expect(root.rev).toBe(3);
    const tombstone = foldAll(root, [del(5, 1), reply(6, 1)]);
    expect(tombstone).toMatchObject({ deleted: true, replies: { count: 3, last: 6 }, rev: 6 });
  });
});
