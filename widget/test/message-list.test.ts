// The timeline renderer on its own, with events at chosen times: day separators, author grouping,
// notices, unknown kinds, and pending/failed sends.
import { expect } from '@open-wc/testing';
import type { RoomEvent } from '@parley/sdk';
import { render } from 'lit';
import { LANGS } from '../src/i18n.js';
import { resolveLang } from '../src/lang.js';
import { renderTimeline } from '../src/message-list.js';
import { Timeline } from '../src/timeline.js';

const DAY = 86_400_000;
const now = Date.now();
let seq = 0;

function event(kind: string, by: string, ts: number, body?: string, data?: RoomEvent['data']): RoomEvent {
  seq++;
  return { room: 'r', seq, id: `e${seq}`, kind, ts, by, name: by.toUpperCase(), body, data };
}

function draw(tl: Timeline, lang: 'en' | 'pt-BR' = 'en'): HTMLElement {
  const host = document.createElement('div');
  render(renderTimeline(tl, { self: 'me', t: LANGS[lang], lang, retry: () => {} }), host);
  return host;
}

describe('renderTimeline', () => {
  it('puts a separator before each new day: an old date, Yesterday, Today', () => {
    const tl = new Timeline();
    tl.add(event('msg', 'ana', now - 10 * DAY, 'old'));
    tl.add(event('msg', 'ana', now - DAY, 'yesterday'));
    tl.add(event('msg', 'ana', now - DAY + 1000, 'yesterday again'));
    tl.add(event('msg', 'ana', now, 'today'));
    const seps = [...draw(tl).querySelectorAll('[part~="date-separator"]')].map((s) => s.textContent!.trim());
    expect(seps).to.have.length(3);
    expect(seps[0]).to.match(/\d{4}/);
    expect(seps.slice(1)).to.deep.equal(['Yesterday', 'Today']);
    expect([...draw(tl, 'pt-BR').querySelectorAll('[part~="date-separator"]')].slice(1).map((s) => s.textContent!.trim())).to.deep.equal(['Ontem', 'Hoje']);
  });

  it('groups consecutive messages by one author within five minutes, not across authors or longer pauses', () => {
    const tl = new Timeline();
    const t0 = new Date().setHours(12, 0, 0, 0);
    tl.add(event('msg', 'ana', t0, 'a1'));
    tl.add(event('msg', 'ana', t0 + 60_000, 'a2'));
    tl.add(event('msg', 'bo', t0 + 120_000, 'b1'));
    tl.add(event('msg', 'bo', t0 + 120_000 + 6 * 60_000, 'b2'));
    tl.add(event('msg', 'me', t0 + 13 * 60_000, 'mine'));
    const rows = [...draw(tl).querySelectorAll<HTMLElement>('[part~="message"]')];
    expect(rows.map((r) => r.classList.contains('grouped'))).to.deep.equal([false, true, false, false, false]);
    expect(rows.map((r) => r.hasAttribute('data-own'))).to.deep.equal([false, false, false, false, true]);
    expect(rows[4]!.querySelector('.author')!.textContent).to.equal('You');
    expect(rows.map((r) => r.dataset.seq)).to.deep.equal(rows.map((_, i) => String(Number(rows[0]!.dataset.seq) + i)));
  });

  it('shows join, leave and rename notices, and hides creation and unknown kinds', () => {
    const tl = new Timeline();
    tl.add(event('room', 'ana', now, undefined, { name: 'r', kind: 'public' }));
    tl.add(event('join', 'bo', now));
    tl.add(event('poll', 'bo', now, 'a future kind'));
    tl.add(event('room', 'ana', now, undefined, { name: 'Plans' }));
    tl.add(event('leave', 'bo', now));
    const notices = [...draw(tl).querySelectorAll('[part~="notice"]')].map((n) => n.textContent);
    expect(notices).to.deep.equal(['BO joined', 'ANA renamed the room to Plans', 'BO left']);
    expect(draw(tl).querySelectorAll('[part~="message"]')).to.have.length(0);
    expect(tl.lastSeq, 'unknown kinds still advance the seq').to.equal(seq);
  });

  it('renders pending and failed sends after stored ones, with a retry button on failures only', () => {
    const tl = new Timeline();
    tl.add(event('msg', 'ana', now, 'stored'));
    tl.addPending('on its way');
    tl.fail(tl.addPending('refused'));
    const rows = [...draw(tl).querySelectorAll<HTMLElement>('[part~="message"]')];
    expect(rows.map((r) => r.dataset.status)).to.deep.equal(['sent', 'pending', 'failed']);
    expect(rows.map((r) => !!r.querySelector('[part~="retry"]'))).to.deep.equal([false, false, true]);
    expect(rows[1]!.hasAttribute('data-seq')).to.equal(false);
  });

  it('shows an own message once when it comes back live before its send resolves', () => {
    const tl = new Timeline(undefined, 'me');
    tl.addPending('twice');
    const first = tl.addPending('twice');
    tl.add({ ...event('msg', 'me', now, 'twice'), cid: 'c1' });
    expect(tl.pending, 'one pending entry replaced, the other still waiting').to.have.length(1);
    expect(draw(tl).querySelectorAll('[part~="message"]')).to.have.length(2);
    tl.acknowledge(first, { cid: 'c1', id: tl.events[0]!.id, seq: tl.events[0]!.seq, ts: now, duplicate: false }, { id: 'me', name: 'Me' }, 'r');
    expect(draw(tl).querySelectorAll('[part~="message"]'), 'the ack of an echoed send adds nothing').to.have.length(1);
  });

  it('offers no retry for a send refused for good, and says why instead, in both languages', () => {
    const tl = new Timeline();
    tl.fail(tl.addPending('lost with the connection'));
    tl.fail(tl.addPending('x'.repeat(10)), { code: 'too_large', message: 'message longer than 4000 characters' });
    tl.fail(tl.addPending('odd'), { code: 'bad_frame', message: 'body must be text' });
    for (const [lang, words] of [
      ['en', ['Not sent · Retry', 'Not sent: too long', 'Not sent: body must be text']],
      ['pt-BR', ['Não enviada · Tentar de novo', 'Não enviada: longa demais', 'Não enviada: body must be text']],
    ] as const) {
      const rows = [...draw(tl, lang).querySelectorAll<HTMLElement>('[part~="message"]')];
      expect(rows.map((r) => r.dataset.status)).to.deep.equal(['failed', 'failed', 'failed']);
      expect(rows.map((r) => !!r.querySelector('[part~="retry"]'))).to.deep.equal([true, false, false]);
      expect(rows.map((r) => r.querySelector('.state')!.textContent!.replace(/\s+/g, ' ').trim())).to.deep.equal(words);
    }
  });

  it('deduplicates an event seen live and again in a history page, and keeps seq order', () => {
    const tl = new Timeline();
    const a = event('msg', 'ana', now, 'one');
    const b = event('msg', 'ana', now, 'two');
    tl.add(b);
    tl.addPage([a, b], false, true);
    expect(tl.events.map((e) => e.body)).to.deep.equal(['one', 'two']);
    expect(tl.more).to.equal(false);
  });
});

describe('resolveLang', () => {
  it('prefers the lang attribute, then the browser languages, then English', () => {
    expect(resolveLang('pt-BR', ['en-US'])).to.equal('pt-BR');
    expect(resolveLang(undefined, ['pt-PT', 'en'])).to.equal('pt-BR');
    expect(resolveLang('en', ['pt-BR'])).to.equal('en');
    expect(resolveLang(undefined, ['de-DE', 'fr'])).to.equal('en');
  });
});
