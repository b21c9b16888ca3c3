// The emoji picker element on its own, fed by a real Parley node's emoji data: keyboard movement
// through its grid (roving focus) and what it says when the data cannot be loaded.
import { expect } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import Database from 'emoji-picker-element/database.js';
import { EmojiPicker } from '../src/emoji-picker.js';
import { LANGS } from '../src/i18n.js';
import { parley, unique, until } from './support/env.js';

const cleanups: (() => unknown)[] = [];

afterEach(() => {
  for (const f of cleanups.splice(0)) f();
});

describe('emoji picker on its own', () => {
  it('moves through the grid with the arrow keys, back up to the search, and Home/End', async () => {
    const { http } = await parley();
    const picker = new EmojiPicker();
    picker.db = new Database({ dataSource: `${http}/emoji/en.json`, locale: 'parley-en' });
    picker.words = LANGS.en.emoji;
    document.body.append(picker);
    cleanups.push(() => picker.remove());
    const root = picker.shadowRoot!;
    await until(() => root.querySelectorAll('.grid button').length > 50, 'the emoji', 15000);
    picker.focus();
    await until(() => root.activeElement?.matches('input'), 'focus in the search');
    const at = () => Number((root.activeElement as HTMLElement | null)?.dataset.index);
    await sendKeys({ press: 'ArrowDown' });
    expect(at()).to.equal(0);
    await sendKeys({ press: 'ArrowRight' });
    await sendKeys({ press: 'ArrowDown' });
    expect(at()).to.equal(9);
    // Only one emoji takes Tab focus: the one last moved to.
    expect([...root.querySelectorAll('.grid button[tabindex="0"]')].map((b) => (b as HTMLElement).dataset.index)).to.deep.equal(['9']);
    await sendKeys({ press: 'End' });
    expect(at()).to.equal(root.querySelectorAll('.grid button').length - 1);
    await sendKeys({ press: 'Home' });
    expect(at()).to.equal(0);
    await sendKeys({ press: 'ArrowUp' });
    expect(root.activeElement?.matches('input')).to.equal(true);
  });

  it('says so in words when the emoji data cannot be loaded', async () => {
    const { http } = await parley();
    const picker = new EmojiPicker();
    picker.db = new Database({ dataSource: `${http}/emoji/xx.json`, locale: unique('parley-missing') });
    picker.words = LANGS['pt-BR'].emoji;
    document.body.append(picker);
    cleanups.push(() => picker.remove());
    const alert = await until(() => picker.shadowRoot!.querySelector('[role="alert"]'), 'the failure');
    expect(alert.textContent).to.equal('Não foi possível carregar os emoji. Tente mais tarde.');
    expect(picker.shadowRoot!.querySelectorAll('.grid button').length).to.equal(0);
  });
});
