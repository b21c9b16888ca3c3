// The built bundle under a strict Content-Security-Policy (no unsafe-inline, no unsafe-eval): it must
// register, render and style itself without a single violation report.
import { expect } from '@open-wc/testing';
import { bot, parley, tokenFor, unique, until } from './support/env.js';

describe('strict CSP', () => {
  it('renders and styles the bundled widget with script-src/style-src limited to self', async () => {
    const frame = document.createElement('iframe');
    frame.srcdoc = `<!doctype html><html><head>
      <meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'">
      <style>body { background: rgb(1, 2, 3) }</style>
      </head><body><chat-widget mode="inline" server="${location.origin}"></chat-widget>
      <script type="module" src="${location.origin}/widget/dist/chat-widget.js"></script></body></html>`;
    document.body.append(frame);
    try {
      const win = await until(() => (frame.contentWindow?.document.readyState === 'complete' ? frame.contentWindow : null), 'the frame to load');
      const violations: string[] = [];
      win.document.addEventListener('securitypolicyviolation', (e: SecurityPolicyViolationEvent) => violations.push(`${e.violatedDirective} ${e.blockedURI}`));
      const el = await until(() => win.document.querySelector('chat-widget')?.shadowRoot && win.document.querySelector('chat-widget'), 'the element to upgrade');
      const panel = await until(() => el.shadowRoot!.querySelector<HTMLElement>('[part~="panel"]'), 'the inline panel');
      const form = await until(() => panel.shadowRoot?.querySelector<HTMLElement>('[part~="guest-form"]'), 'the guest form');
      // Styles came through adopted stylesheets: the panel is laid out as a flex column with a border.
      expect(win.getComputedStyle(panel).display).to.equal('flex');
      expect(win.getComputedStyle(panel).borderTopStyle).to.equal('solid');
      expect(win.getComputedStyle(form).display).to.equal('flex');
      expect(violations).to.deep.equal([]);
      expect(win.getComputedStyle(win.document.body).backgroundColor, 'the policy is in force: inline styles are blocked').to.not.equal('rgb(1, 2, 3)');
    } finally {
      frame.remove();
    }
  });

  it('renders markdown and opens the emoji picker (data from the Parley server) without a violation', async () => {
    const { http, ws } = await parley();
    const room = unique('room');
    const ana = await bot(unique('ana'), 'Ana');
    const frame = document.createElement('iframe');
    try {
      await (await ana.createRoom({ kind: 'public', id: room, name: 'CSP' })).send('**bold** `code` [link](https://example.com/)\n> quoted');
      const token = await tokenFor(unique('me'), 'Maria');
      frame.style.height = '600px';
      frame.srcdoc = `<!doctype html><html><head>
        <meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self' ${http} ${ws}">
        </head><body><chat-widget mode="inline" server="${http}" room="${room}" token="${token}"></chat-widget>
        <script type="module" src="${location.origin}/widget/dist/chat-widget.js"></script></body></html>`;
      document.body.append(frame);
      const win = await until(() => (frame.contentWindow?.document.readyState === 'complete' ? frame.contentWindow : null), 'the frame to load');
      const violations: string[] = [];
      win.document.addEventListener('securitypolicyviolation', (e: SecurityPolicyViolationEvent) => violations.push(`${e.violatedDirective} ${e.blockedURI}`));
      const el = await until(() => win.document.querySelector('chat-widget')?.shadowRoot && win.document.querySelector('chat-widget'), 'the element to upgrade');
      const panel = await until(() => el.shadowRoot!.querySelector<HTMLElement>('[part~="panel"]')?.shadowRoot, 'the panel');
      const body = await until(() => panel.querySelector('[part~="message-body"] strong')?.closest<HTMLElement>('[part~="message-body"]'), 'the rich message', 15000);
      expect(body.querySelector('blockquote')).to.not.equal(null);
      expect(win.getComputedStyle(body.querySelector('blockquote')!).borderInlineStartStyle).to.equal('solid');
      panel.querySelector<HTMLElement>('[part~="emoji-button"]')!.click();
      const picker = await until(() => panel.querySelector<HTMLElement>('[part~="emoji-picker"]'), 'the picker');
      await until(() => (picker.shadowRoot?.querySelectorAll('.grid button').length ?? 0) > 50, 'the emoji', 15000);
      // The picker's styles came through adopted stylesheets too: its grid is laid out.
      expect(win.getComputedStyle(picker.shadowRoot!.querySelector('.grid')!).display).to.equal('grid');
      expect(win.getComputedStyle(picker).display).to.equal('flex');
      expect(violations).to.deep.equal([]);
    } finally {
      frame.remove();
      await ana.close();
    }
  });
});
