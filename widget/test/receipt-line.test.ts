// The read receipt under a room's last message on its own: Sent / Delivered / Seen in a direct room,
// only under the user's own message; "seen by" initials in a small room, never for the author.
import { expect } from '@open-wc/testing';
import type { Receipt, RoomEvent } from '@parley/sdk';
import { render } from 'lit';
import { LANGS } from '../src/i18n.js';
import { renderTimeline } from '../src/message-list.js';
import { Timeline } from '../src/timeline.js';

let seq = 0;
const msg = (by: string, body: string): RoomEvent => {
  seq++;
  return { room: 'r', seq, id: `e${seq}`, kind: 'msg', ts: Date.now(), by, name: by, body };
};

function draw(events: RoomEvent[], direct: boolean, receipts: Receipt[], lang: 'en' | 'pt-BR' = 'en'): HTMLElement {
  const tl = new Timeline();
  for (const e of events) tl.add(e);
  const host = document.createElement('div');
  const names: Record<string, string> = { bo: 'Bo Lima', cy: 'Cy', di: 'Di Souza' };
  const ctx = { direct, receipts: new Map(receipts.map((r) => [r.user, r])), name: (u: string) => names[u] ?? u };
  render(renderTimeline(tl, { self: 'me', t: LANGS[lang], lang, retry: () => {}, receipts: ctx }), host);
  return host;
}

describe('receipt line', () => {
  it('goes Sent, Delivered, Seen under the own last message of a direct room', () => {
    const first = msg('me', 'one');
    const last = msg('me', 'two');
    const state = (r: Receipt[]) => draw([first, last], true, r).querySelector('[part~="receipt"]')?.getAttribute('data-receipt');
    expect(state([])).to.equal('sent');
    expect(state([{ user: 'bo', seq: first.seq, delivered: last.seq }])).to.equal('delivered');
    expect(state([{ user: 'bo', seq: last.seq, delivered: last.seq }])).to.equal('seen');
    const host = draw([first, last], true, [{ user: 'bo', seq: last.seq, delivered: last.seq }], 'pt-BR');
    expect(host.querySelector('[part~="receipt"]')!.textContent!.replace(/\s+/g, ' ').trim()).to.equal('✓✓ Vista');
    // Only one line, under the last message.
    expect(host.querySelectorAll('[part~="receipt"]')).to.have.length(1);
    expect(host.querySelector('[part~="receipt"]')!.previousElementSibling!.getAttribute('data-seq')).to.equal(String(last.seq));
  });

  it('shows nothing in a direct room when the last message is the other person\'s', () => {
    const theirs = msg('bo', 'hi');
    expect(draw([theirs], true, [{ user: 'bo', seq: theirs.seq, delivered: theirs.seq }]).querySelector('[part~="receipt"]')).to.equal(null);
  });

  it('names who read the last message of a small room, leaving out its author and those behind', () => {
    const last = msg('cy', 'lunch?');
    const host = draw([last], false, [
      { user: 'bo', seq: last.seq, delivered: last.seq },
      { user: 'cy', seq: last.seq, delivered: last.seq },
      { user: 'di', seq: last.seq - 1, delivered: last.seq },
    ]);
    const line = host.querySelector('[part~="seen-by"]')!;
    expect(line.getAttribute('title')).to.equal('Seen by Bo Lima');
    expect([...line.querySelectorAll('.reader')].map((r) => r.textContent)).to.deep.equal(['BL']);
    expect(draw([last], false, []).querySelector('[part~="seen-by"]')).to.equal(null);
  });

  it('shows five readers and counts the rest', () => {
    const last = msg('me', 'all read');
    const readers = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7'].map((user) => ({ user, seq: last.seq, delivered: last.seq }));
    const line = draw([last], false, readers).querySelector('[part~="seen-by"]')!;
    expect([...line.querySelectorAll('.reader')].map((r) => r.textContent)).to.deep.equal(['A1', 'A2', 'A3', 'A4', 'A5', '+2']);
    expect(line.getAttribute('title')).to.equal('Seen by a1, a2, a3, a4, a5, a6, a7');
  });
});
