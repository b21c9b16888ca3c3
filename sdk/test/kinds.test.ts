// The kinds registry against what is derived from it: the event schema, the hot encoder (every
// declared field on the wire, byte for byte as the general encoder), the client frames and
// docs/protocol.md's kind table.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  clientFrameSchemas,
  decodeServerFrame,
  encodeEventFrame,
  encodeFrame,
  eventExtensionFields,
  EventKind,
  kinds,
  kindDeclaration,
  Op,
  RoomEventShape,
  type RoomEvent,
} from '../src/protocol/index.js';

/** An event with every field the schema declares, as the store builds it (declared order). */
const everyField: RoomEvent = {
  room: 'lobby',
  seq: 42,
  id: '01HZX3K9Q7T2M4V8B6N5C1D0EF',
  kind: 'msg',
  ts: 1_718_000_000_000,
  by: 'u_ana',
  name: 'Ana',
  cid: 'k3f9x2',
  body: 'hi @bo, ' + 'long text '.repeat(20),
  data: { replyTo: 40, thread: 7 },
  mentions: [{ user: 'bo', at: 3, len: 3 }],
  rev: 50,
  edited: 1_718_000_001_000,
  deleted: false,
  reactions: [{ emoji: '👍', count: 2, me: true, users: ['u_ana', 'bo'] }],
  replies: { count: 3, last: 49, lastTs: 1_718_000_002_000 },
  actions: [{ id: 'ok', type: 'select', label: 'Pick', style: 'primary', disabled: false, options: [{ value: 'a', label: 'A' }] }],
  attachments: [
    { id: 'Fh3k', kind: 'image', name: 'cat.jpg', mime: 'image/jpeg', size: 48_213, width: 1200, height: 800, placeholder: 'HZQBBYCHh4eH', thumb: true },
    { id: 'Vx9q', kind: 'voice', name: 'voice.webm', mime: 'audio/webm', size: 9_001, duration: 4200, waveform: [0, 128, 255] },
  ],
};

const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe('event fields', () => {
  it('the test event has every field of the schema, so nothing declared goes untested', () => {
    expect(Object.keys(everyField)).toEqual(Object.keys(RoomEventShape.shape));
  });

  it('the hot encoder writes every declared field, byte for byte as encodeFrame does', () => {
    const fast = encodeEventFrame(everyField);
    expect(Buffer.from(fast).equals(Buffer.from(encodeFrame({ t: Op.Event, e: everyField })))).toBe(true);
    expect(plain(decodeServerFrame(fast))).toEqual(plain({ t: Op.Event, e: everyField }));
  });

  it('the hot encoder writes each optional field alone too', () => {
    const base: RoomEvent = { room: 'r', seq: 1, id: 'x', kind: 'msg', ts: 5, by: 'u', name: 'U' };
    for (const key of ['cid', 'body', 'data', ...Object.keys(eventExtensionFields)] as const) {
      const e = { ...base, [key]: everyField[key as keyof RoomEvent] } as RoomEvent;
      expect(plain(decodeServerFrame(encodeEventFrame(e))), key).toEqual(plain({ t: Op.Event, e }));
    }
  });

  it('a v1 reader keeps the event and drops the fields it does not know', () => {
    const v1 = ['room', 'seq', 'id', 'kind', 'ts', 'by', 'name', 'cid', 'body', 'data'];
    const extra = Object.keys(RoomEventShape.shape).filter((k) => !v1.includes(k));
    expect(extra).toEqual(Object.keys(eventExtensionFields));
  });
});

describe('kinds registry', () => {
  it('declares exactly the kinds the protocol names, each once', () => {
    expect(kinds.map((k) => k.kind).sort()).toEqual(Object.values(EventKind).sort());
    expect(kindDeclaration('edit')?.projection).toBe('edit');
    expect(kindDeclaration('poll')).toBeUndefined();
  });

  it("each kind's declared data passes the event schema, which stays flat", () => {
    const example = { string: 'x', seq: 7, bool: true };
    for (const k of kinds) {
      const data: Record<string, unknown> = {};
      for (const [name, field] of Object.entries(k.data) as [string, { schema: { parse: (v: unknown, p: string) => unknown } }][]) {
        data[name] = [example.seq, example.string, example.bool].find((v) => {
          try {
            field.schema.parse(v, name);
            return true;
          } catch {
            return false;
          }
        });
        expect(data[name], `${k.kind}.data.${name}`).not.toBeUndefined();
      }
      const event = { room: 'r', seq: 1, id: 'x', kind: k.kind, ts: 1, by: 'u', name: 'U', ...(Object.keys(data).length ? { data } : {}) };
      expect(RoomEventShape.parse(event, 'e')).toMatchObject(event);
    }
  });

  it('every change kind has a request whose frame names its target by seq', () => {
    const requests = { edit: Op.Edit, delete: Op.Delete, reaction: Op.React } as const;
    for (const [kind, op] of Object.entries(requests)) {
      expect(kindDeclaration(kind)!.data).toHaveProperty('target');
      expect(Object.keys(clientFrameSchemas[op].shape)).toEqual(expect.arrayContaining(['room', 'seq']));
    }
  });

  it("docs/protocol.md §8.3's table is the registry's", () => {
    const doc = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('### 8.3'), doc.indexOf('### 8.4'));
    const rows = section.split('\n').filter((l) => /^\| `[a-z_]+` \|/.test(l) && !l.startsWith('| `kind` |'));
    const expected = kinds.map((k) => {
      const fields = [...k.fields.map((f) => `\`${f}\``), ...Object.entries(k.data).map(([n, d]) => `\`data.${n}${d.required ? '' : '?'}\``)].join(', ') || 'none';
      return `| \`${k.kind}\` | ${k.appendedBy} | ${k.who} | ${fields} | ${k.fanOut ? 'yes' : 'no'} | ${k.effect} |`;
    });
    expect(rows).toEqual(expected);
  });
});
