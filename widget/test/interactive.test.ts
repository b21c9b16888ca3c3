// The lazy chunk of bot buttons, selects and streamed replies on its own: keyboard use, what a click
// became said in words (sent, refused and why), the stream's caret and Stop, and no axe violations.
import { expect, fixture, html } from '@open-wc/testing';
import type { LiveStream, MessageAction } from '@parley/sdk';
import { sendKeys } from '@web/test-runner-commands';
import { LANGS } from '../src/i18n.js';
import '../src/interactive.js';
import type { BotActions, StreamReply } from '../src/interactive.js';
import { until } from './support/env.js';

declare const axe: { run(context: Element): Promise<{ violations: { id: string; nodes: unknown[] }[] }> };

const ACTIONS: MessageAction[] = [
  { id: 'yes', type: 'button', label: 'Deploy', style: 'primary' },
  { id: 'no', type: 'button', label: 'Cancel', disabled: true },
  { id: 'env', type: 'select', label: 'Region', options: [{ value: 'eu', label: 'Europe' }, { value: 'us', label: 'US' }] },
];

describe('bot buttons and selects', () => {
  it('sends a click from the keyboard, says it was sent, and says in words why one was refused', async () => {
    const calls: unknown[][] = [];
    let refuse: string | undefined;
    const act = async (action: string, value?: string) => {
      calls.push([action, value]);
      if (refuse) throw Object.assign(new Error('refused'), { code: refuse });
      return { aid: 'a', ts: 1 };
    };
    const el = await fixture<BotActions>(html`<parley-bot-actions .actions=${ACTIONS} .act=${act} .words=${LANGS.en.interactive}></parley-bot-actions>`);
    const root = el.shadowRoot!;
    const buttons = [...root.querySelectorAll<HTMLButtonElement>('[part~="bot-button"]')];
    expect(buttons.map((b) => b.textContent)).to.deep.equal(['Deploy', 'Cancel']);
    expect(buttons[1]!.disabled).to.equal(true);
    buttons[0]!.focus();
    await sendKeys({ press: 'Enter' });
    const state = () => root.querySelector('[part~="bot-action-state"]')!;
    await until(() => state().getAttribute('data-state') === 'done', 'the click acknowledged');
    expect(state().textContent).to.equal('Sent to the bot');
    expect(calls).to.deep.equal([['yes', undefined]]);

    refuse = 'bot_offline';
    const select = root.querySelector<HTMLSelectElement>('[part~="bot-select"]')!;
    select.value = 'us';
    select.dispatchEvent(new Event('change'));
    await until(() => state().getAttribute('data-state') === 'failed', 'the click refused');
    expect(state().textContent).to.equal('Not sent: the bot is offline. Try again later.');
    expect(calls[1]).to.deep.equal(['env', 'us']);
    const { violations } = await axe.run(el);
    expect(violations.map((v) => v.id)).to.deep.equal([]);
  });

  it('says the refusals in Brazilian Portuguese too', () => {
    expect(LANGS['pt-BR'].interactive.failed('replayed')).to.equal('Já enviado: cada clique conta uma vez.');
  });
});

describe('a streamed reply', () => {
  const stream: LiveStream = { id: 'st_1', room: 'lobby', by: 'bot:echo', name: 'Echo', ts: 1, text: 'Hello, wor' };

  it('shows the text so far with a caret, and Stop for the member it answers', async () => {
    let stops = 0;
    const el = await fixture<StreamReply>(
      html`<parley-stream-reply .stream=${stream} .canStop=${true} .stop=${async () => void stops++} .words=${LANGS.en.interactive}></parley-stream-reply>`,
    );
    const root = el.shadowRoot!;
    expect(root.querySelector('.text')!.textContent).to.equal('Hello, wor');
    expect(root.querySelector('[part~="stream-caret"]')!.getAttribute('aria-hidden')).to.equal('true');
    const stop = root.querySelector<HTMLButtonElement>('[part~="stream-stop"]')!;
    stop.focus();
    await sendKeys({ press: 'Enter' });
    await until(() => stops === 1 && stop.disabled, 'the stop sent');
    expect(stop.textContent!.trim()).to.equal('Stopping…');
    const { violations } = await axe.run(el);
    expect(violations.map((v) => v.id)).to.deep.equal([]);
  });

  it('has no Stop for a member it does not answer', async () => {
    const el = await fixture<StreamReply>(html`<parley-stream-reply .stream=${stream} .canStop=${false} .stop=${async () => undefined} .words=${LANGS.en.interactive}></parley-stream-reply>`);
    expect(el.shadowRoot!.querySelector('[part~="stream-stop"]')).to.equal(null);
  });
});
