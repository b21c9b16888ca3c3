// The rich-text renderer in Chromium: every markdown construct it supports, a hostile corpus that must
// stay inert (no script runs, no element outside the allowed set, no link to a scheme other than
// http(s)/mailto) within a time budget, mentions inside markdown, and a real message through the widget.
import { expect } from '@open-wc/testing';
import { render } from 'lit';
import type { Mention } from '@parley/sdk';
import { ALLOWED_ELEMENTS, renderRich } from '../src/rich-text.js';
import { MAX_DEPTH } from '../src/markdown.js';
import '../src/index.js';
import { bot, mount, parley, part, parts, tokenFor, unique, until } from './support/env.js';

declare global {
  interface Window {
    __pwned?: string;
  }
}

/** Renders `body` as the widget would, into a fresh shadow root; returns that root. */
function show(body: string, mentions?: Mention[], self?: string): ShadowRoot {
  const host = document.createElement('div');
  document.body.append(host);
  const root = host.attachShadow({ mode: 'open' });
  const tpl = renderRich(body, mentions, self);
  render(tpl ?? body, root);
  return root;
}

const tags = (root: ParentNode) => [...root.querySelectorAll('*')].map((e) => e.localName);

afterEach(() => {
  for (const el of document.querySelectorAll('chat-widget, body > div')) el.remove();
});

describe('rich text', () => {
  it('renders bold, italic, strike, code, code blocks, quotes, lists, links and bare URLs', () => {
    const root = show(
      [
        'Plain **bold** *italic* _also italic_ ~~gone~~ `x < y` and snake_case_name',
        '',
        '```',
        'if (a < b) { *not* emphasis }',
        '```',
        '> quoted **text**',
        '> > nested',
        '',
        '- one',
        '- two',
        '  - inner',
        '',
        '3. third',
        '4. fourth',
        '',
        'see [the docs](https://example.com/docs?a=1&b=2) or https://example.org/x_(y). mail mailto:ana@example.com',
      ].join('\n'),
    );
    expect(root.querySelector('strong')!.textContent).to.equal('bold');
    expect([...root.querySelectorAll('em')].map((e) => e.textContent)).to.deep.equal(['italic', 'also italic']);
    expect(root.querySelector('s')!.textContent).to.equal('gone');
    expect(root.querySelector('p code')!.textContent).to.equal('x < y');
    expect(root.textContent).to.contain('snake_case_name');
    expect(root.querySelector('pre code')!.textContent).to.equal('if (a < b) { *not* emphasis }');
    expect(root.querySelector('pre em')).to.equal(null);
    expect(root.querySelector('blockquote strong')!.textContent).to.equal('text');
    expect(root.querySelector('blockquote blockquote')!.textContent).to.equal('nested');
    const ul = root.querySelector('ul')!;
    expect(ul.children.length).to.equal(2);
    expect(ul.querySelector('li ul li')!.textContent).to.equal('inner');
    const ol = root.querySelector('ol')!;
    expect(ol.getAttribute('start')).to.equal('3');
    expect([...ol.children].map((li) => li.textContent)).to.deep.equal(['third', 'fourth']);
    const links = [...root.querySelectorAll('a')];
    expect(links.map((a) => [a.textContent, a.getAttribute('href')])).to.deep.equal([
      ['the docs', 'https://example.com/docs?a=1&b=2'],
      ['https://example.org/x_(y)', 'https://example.org/x_(y)'],
      ['mailto:ana@example.com', 'mailto:ana@example.com'],
    ]);
    for (const a of links) {
      expect(a.getAttribute('rel')).to.equal('noopener noreferrer nofollow');
      expect(a.getAttribute('target')).to.equal('_blank');
    }
    // The sentence's full stop is not part of the autolinked URL.
    expect(root.textContent).to.contain('x_(y). mail');
  });

  it('keeps a one-line message a run of text and keeps its line breaks', () => {
    const root = show('hello *there*\nsecond line');
    expect(tags(root)).to.deep.equal(['em']);
    expect(root.textContent).to.equal('hello there\nsecond line');
  });

  it('marks mentions inside markdown, and a mention whose name has marks stays whole', () => {
    const body = '**hi @ana_maria_x** and @bob';
    const mentions: Mention[] = [
      { user: 'ana', at: 5, len: 12 },
      { user: 'bob', at: 24, len: 4 },
    ];
    const root = show(body, mentions, 'bob');
    const spans = [...root.querySelectorAll('.mention')];
    expect(spans.map((s) => [s.getAttribute('data-user'), s.textContent])).to.deep.equal([
      ['ana', '@ana_maria_x'],
      ['bob', '@bob'],
    ]);
    expect(spans[0]!.closest('strong')).to.not.equal(null);
    expect(spans[1]!.getAttribute('part')).to.equal('mention mention-me');
    expect(root.querySelector('em')).to.equal(null);
  });

  it('renders a hostile corpus as inert text within the time budget', async () => {
    window.__pwned = undefined;
    const deep = `${'> '.repeat(1000)}deep`;
    const corpus = [
      deep,
      `${'>'.repeat(1000)} tight`,
      `${'- '.repeat(1000)}item`,
      'x'.repeat(100_000),
      `${'**a '.repeat(5_000)}`,
      `${'[a]('.repeat(5_000)}`,
      `${'(http://'.repeat(5_000)}`,
      `${'`'.repeat(3)}\nunclosed fence <img src=x onerror="window.__pwned='fence'">`,
      '<img src=x onerror="window.__pwned=\'img\'"><script>window.__pwned="script"</script><svg onload="window.__pwned=\'svg\'"></svg>',
      '<iframe src="javascript:window.__pwned=\'iframe\'"></iframe><a href="javascript:window.__pwned=1">a</a><style>*{display:none}</style>',
      '[click](javascript:window.__pwned="link") [data](data:text/html,<script>window.__pwned=1</script>) [vb](vbscript:msgbox(1))',
      '[spaced](  javascript:alert(1)) [entity](jav&#x61;script:alert(1)) [tab](java\tscript:alert(1)) <javascript:alert(1)>',
      'javascript:window.__pwned=1 data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg== vbscript:msgbox',
      '[https://example.com](https://exаmple.com/login) https://аpple.com/ https://xn--pple-43d.com/',
      '`<b>code</b>` **<i>bold html</i>** ![img](https://example.com/a.png "t")',
      `${'_'.repeat(20_000)}`,
      `${'`a'.repeat(20_000)}`,
    ];
    const started = performance.now();
    const roots = corpus.map((body) => show(body));
    const took = performance.now() - started;
    // Give any event handler that slipped through (onerror, onload) the chance to run.
    await new Promise((r) => setTimeout(r, 300));
    expect(window.__pwned, 'a payload ran').to.equal(undefined);
    for (const root of roots) {
      for (const tag of tags(root)) expect(ALLOWED_ELEMENTS as readonly string[], `element <${tag}>`).to.include(tag);
      for (const el of root.querySelectorAll('*')) {
        for (const attr of el.getAttributeNames()) expect(['href', 'title', 'target', 'rel', 'part', 'class', 'data-user', 'start']).to.include(attr);
      }
      for (const a of root.querySelectorAll('a')) expect(new URL(a.href).protocol).to.be.oneOf(['http:', 'https:', 'mailto:']);
    }
    // Raw HTML is shown as the text it is.
    expect(roots[8]!.textContent).to.contain('<img src=x onerror=');
    expect(roots[9]!.textContent).to.contain('<iframe src="javascript:');
    expect(roots[10]!.querySelectorAll('a').length).to.equal(0);
    expect(roots[10]!.textContent).to.contain('[click](javascript:');
    expect(roots[11]!.querySelectorAll('a').length).to.equal(0);
    expect(roots[12]!.querySelectorAll('a').length).to.equal(0);
    // Quotes nest only so deep; the rest stays text.
    expect(roots[0]!.querySelectorAll('blockquote').length).to.equal(MAX_DEPTH);
    expect(roots[0]!.textContent).to.contain('deep');
    expect(roots[2]!.querySelectorAll('ul').length).to.be.at.most(MAX_DEPTH);
    expect(roots[3]!.textContent!.length).to.equal(100_000);
    // The unclosed fence is a code block to the end of the message.
    expect(roots[7]!.querySelector('pre')!.textContent).to.contain('onerror');
    // Homoglyph hosts: the real (punycode) host is shown beside the link.
    const hosts = [...roots[13]!.querySelectorAll('[part="link-host"]')].map((s) => s.textContent);
    expect(hosts).to.deep.equal(['(xn--exmple-4nf.com)', '(xn--pple-43d.com)', '(xn--pple-43d.com)']);
    expect(roots[13]!.querySelector('a')!.getAttribute('href')).to.equal('https://xn--exmple-4nf.com/login');
    expect(roots[14]!.querySelector('code')!.textContent).to.equal('<b>code</b>');
    expect(roots[14]!.querySelector('strong')!.textContent).to.equal('<i>bold html</i>');
    expect(took, `the corpus took ${took.toFixed(0)} ms`).to.be.below(1500);
    console.log(`hostile corpus (${corpus.length} bodies, ${corpus.reduce((n, b) => n + b.length, 0)} chars): ${took.toFixed(0)} ms`);
  });

  it('shows a long body as plain text', () => {
    const body = `**${'a'.repeat(30_000)}**`;
    expect(renderRich(body, undefined, undefined)).to.equal(undefined);
  });
});

describe('rich text in the widget', () => {
  it('renders a message as markdown, re-renders it when edited, and shows plain text with markdown="off"', async () => {
    const { http } = await parley();
    const room = unique('room');
    const ana = await bot(unique('ana'), 'Ana');
    try {
      const anaRoom = await ana.createRoom({ kind: 'public', id: room, name: 'Rich' });
      const { seq } = await anaRoom.send('see **this** and https://example.com/');
      const el = await mount({ server: http, room, token: await tokenFor(unique('me'), 'Maria'), mode: 'inline' });
      const body = await until(() => parts(el, 'message-body').find((b) => b.querySelector('strong')), 'the bold text');
      expect(body.querySelector('strong')!.textContent).to.equal('this');
      expect(body.querySelector('a')!.getAttribute('rel')).to.equal('noopener noreferrer nofollow');
      await anaRoom.edit(seq, 'now *italic* instead');
      await until(() => parts(el, 'message-body').find((b) => b.querySelector('em')?.textContent === 'italic'), 'the edited message re-rendered');
      expect(parts(el, 'message-body').some((b) => b.querySelector('strong'))).to.equal(false);

      const plain = await mount({ server: http, room, token: await tokenFor(unique('me'), 'Rui'), mode: 'inline', markdown: 'off' });
      const text = await until(() => parts(plain, 'message-body').find((b) => b.textContent?.includes('italic')), 'the plain message');
      expect(text.textContent).to.contain('now *italic* instead');
      expect(text.querySelector('em')).to.equal(null);
      expect(part(plain, 'input')).to.not.equal(null);
    } finally {
      await ana.close();
    }
  });
});
