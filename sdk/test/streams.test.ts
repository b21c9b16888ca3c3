// The client side of section 26: a bot's edit replaces its buttons (an edit without them keeps them,
// a delete drops them), and a stream's text is kept by offset, overlaps and repeats harmless, a frame
// past what is held skipped until one from 0 comes.
import { describe, expect, it } from 'vitest';
import { foldChange, type MessageView, type RoomEvent } from '../src/index.js';
import { Op, type StreamFrame } from '../src/protocol/index.js';
import { StreamTexts } from '../src/streams.js';

const YES = { id: 'yes', type: 'button', label: 'Yes' };
const message: MessageView = { room: 'r', seq: 1, id: 'm1', kind: 'msg', ts: 1, by: 'bot:b', name: 'B', body: 'Vote?', actions: [YES] };
const change = (seq: number, kind: string, fields: Partial<RoomEvent>): RoomEvent => ({ room: 'r', seq, id: `e${seq}`, kind, ts: 10 + seq, by: 'bot:b', name: 'B', data: { target: 1 }, ...fields });

describe('buttons on a message', () => {
  it('an edit with actions replaces them, one without keeps them, a delete drops them', () => {
    const disabled = foldChange(message, change(2, 'edit', { body: 'Voted', actions: [{ ...YES, disabled: true }] }), 'ana')!;
    expect(disabled.actions).toEqual([{ ...YES, disabled: true }]);
    expect(foldChange(disabled, change(3, 'edit', { body: 'Voted!' }), 'ana')!.actions).toEqual([{ ...YES, disabled: true }]);
    expect(foldChange(disabled, change(3, 'delete', {}), 'ana')!.actions).toBeUndefined();
  });
});

describe('StreamTexts', () => {
  const frame = (at: number, text: string): StreamFrame => ({ t: Op.Stream, room: 'r', stream: 'st_1', by: 'bot:b', name: 'B', ts: 1, at, text });

  it('appends at offsets, ignores repeats, takes overlaps, skips gaps until the text from 0 comes', () => {
    const s = new StreamTexts();
    expect(s.text(frame(3, 'lo'))).toBeUndefined(); // joined mid-stream: nothing held yet
    expect(s.text(frame(0, 'Hel'))!.text).toBe('Hel');
    expect(s.text(frame(3, 'lo'))!.text).toBe('Hello');
    expect(s.text(frame(3, 'lo'))).toBeUndefined(); // a repeat
    expect(s.text(frame(0, 'Hello, wo'))!.text).toBe('Hello, wo'); // the text from 0 again, longer
    expect(s.text(frame(12, 'x'))).toBeUndefined(); // a gap
    expect(s.of('r').map((x) => x.text)).toEqual(['Hello, wo']);
    expect(s.done({ room: 'r', stream: 'st_1' })!.text).toBe('Hello, wo');
    expect(s.of('r')).toEqual([]);
  });
});
