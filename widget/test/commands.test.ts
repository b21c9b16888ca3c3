// The `/` autocomplete on its own: which commands match a draft, the problem the bot would find said in
// English and Brazilian Portuguese, an offline bot, and the bot badge on a bot's message.
import { expect } from '@open-wc/testing';
import type { RoomCommand, RoomEvent } from '@parley/sdk';
import { render } from 'lit';
import { commandState, renderCommandHint, renderCommandList } from '../src/commands.js';
import { LANGS } from '../src/i18n.js';
import { renderTimeline } from '../src/message-list.js';
import { Timeline } from '../src/timeline.js';

const weather: RoomCommand = {
  name: 'weather',
  description: 'Forecast',
  bot: 'bot:weatherbot',
  botName: 'WeatherBot',
  online: true,
  args: [
    { name: 'city', type: 'string', required: true, description: 'City' },
    { name: 'days', type: 'int', required: false, min: 1, max: 3 },
  ],
};
const unit: RoomCommand = { ...weather, name: 'units', description: 'Units', args: [{ name: 'system', type: 'choice', required: true, choices: ['metric', 'imperial'] }] };
const all = [weather, unit];
const en = LANGS.en;
const pt = LANGS['pt-BR'];

describe('commandState', () => {
  it('lists the commands that start with what is typed, and none for other text', () => {
    expect(commandState('/', all, en)!.suggestions.map((c) => c.name)).to.deep.equal(['weather', 'units']);
    expect(commandState('/we', all, en)!.suggestions.map((c) => c.name)).to.deep.equal(['weather']);
    expect(commandState('/zz', all, en)!.suggestions).to.deep.equal([]);
    expect(commandState('hello /weather', all, en)).to.equal(undefined);
  });

  it('says what the bot would refuse, in both languages', () => {
    expect(commandState('/weather ', all, en)!.problem).to.equal('Add the city.');
    expect(commandState('/weather ', all, pt)!.problem).to.equal('Falta informar city.');
    expect(commandState('/weather Lisbon x', all, en)!.problem).to.equal('The days must be a whole number.');
    expect(commandState('/weather Lisbon 4', all, pt)!.problem).to.equal('days precisa estar entre 1 e 3.');
    expect(commandState('/weather "; rm -rf', all, en)!.problem).to.equal('A quote is left open: close it with ".');
    expect(commandState('/weather Lisbon 2 extra', all, en)!.problem).to.equal('This command takes nothing more than that (“extra”).');
    expect(commandState('/units kelvin', all, en)!.problem).to.equal('The system must be one of: metric, imperial.');
    expect(commandState('/weather "São Paulo" 2', all, en)!.problem).to.equal('');
    expect(commandState('/units IMPERIAL', all, en)!.problem).to.equal('');
  });

  it('says an offline bot by name before anything else', () => {
    const off = [{ ...weather, online: false }];
    expect(commandState('/weather Lisbon', off, en)!.problem).to.equal('WeatherBot is offline, so this command cannot be sent now.');
    expect(commandState('/weather Lisbon', off, pt)!.problem).to.equal('WeatherBot está offline; este comando não pode ser enviado agora.');
  });

  it('renders the list as a listbox with the usage, and the hint with the problem', () => {
    const host = document.createElement('div');
    const state = commandState('/', all, en)!;
    render(renderCommandList(state, 1, en, () => {}), host);
    const options = [...host.querySelectorAll('[part~="command-option"]')];
    expect(host.querySelector('[role="listbox"]')!.getAttribute('aria-label')).to.equal('Bot commands');
    expect(options.map((o) => o.getAttribute('aria-selected'))).to.deep.equal(['false', 'true']);
    expect(options[0]!.textContent).to.contain('/weather <city> [days]');
    render(renderCommandHint(commandState('/weather ', all, en)!), host);
    expect(host.querySelector('[part~="command-problem"]')!.textContent).to.equal('Add the city.');
    expect(host.querySelector('[part~="command-hint"]')!.textContent).to.contain('city: City');
  });
});

describe('bot badge', () => {
  it('marks messages of bot accounts, and only those', () => {
    const tl = new Timeline();
    const e = (seq: number, by: string): RoomEvent => ({ room: 'r', seq, id: `e${seq}`, kind: 'msg', ts: Date.now(), by, name: by, body: 'hi' });
    tl.add(e(1, 'bot:weatherbot'));
    tl.add(e(2, 'ana'));
    const host = document.createElement('div');
    render(renderTimeline(tl, { self: 'me', t: pt, lang: 'pt-BR', retry: () => {} }), host);
    const badges = [...host.querySelectorAll('[part~="bot-badge"]')];
    expect(badges).to.have.length(1);
    expect(badges[0]!.closest('[part~="message"]')!.getAttribute('data-author')).to.equal('bot:weatherbot');
    expect(badges[0]!.getAttribute('title')).to.match(/^Bot verificado/);
  });

  it('marks an incoming webhook\'s message as an integration, not as a bot', () => {
    const tl = new Timeline();
    tl.add({ room: 'r', seq: 1, id: 'e1', kind: 'msg', ts: Date.now(), by: 'hook:0123456789abcdef', name: 'Deploys', body: 'live', data: { hook: '0123456789abcdef' } });
    const host = document.createElement('div');
    render(renderTimeline(tl, { self: 'me', t: pt, lang: 'pt-BR', retry: () => {} }), host);
    expect(host.querySelectorAll('[part~="bot-badge"]')).to.have.length(0);
    const badge = host.querySelector('[part~="hook-badge"]')!;
    expect(badge.textContent).to.equal('Integração');
    expect(badge.getAttribute('title')).to.match(/^Enviada por uma integração/);
  });
});
