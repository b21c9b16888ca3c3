// <chat-widget> pointed at an address where no Parley answers: it says so, once per failed attempt,
// while it keeps trying, instead of waiting in silence (the SDK gives up after connectTimeoutMs).
import { expect } from '@open-wc/testing';
import type { ChatWidget } from '../src/index.js';
import '../src/index.js';
import { mount, part, tokenFor, until } from './support/env.js';

afterEach(() => {
  for (const el of document.querySelectorAll('chat-widget')) el.remove();
});

it('reports each failed connection attempt as chat-error and shows that it is still connecting', async () => {
  const errors: { code: string; message: string }[] = [];
  const listen = (e: Event) => errors.push((e as CustomEvent<{ code: string; message: string }>).detail);
  document.addEventListener('chat-error', listen);
  try {
    // Nothing listens on the highest port of the loopback address (and browsers do not block it).
    const el: ChatWidget = await mount({ server: 'http://127.0.0.1:65535', room: 'lobby', token: await tokenFor('lost'), mode: 'inline' });

    await until(() => errors.length >= 2, 'two failed attempts');

    expect(errors.slice(0, 2).map((e) => e.code)).to.deep.equal(['connect_failed', 'connect_failed']);
    expect(errors[0]!.message).to.match(/connection attempt 1 to ws:\/\/127\.0\.0\.1:65535\/ws failed/);
    expect(part(el, 'status')?.dataset.state).to.equal('connecting');
  } finally {
    document.removeEventListener('chat-error', listen);
  }
});
