// The composer's `/` autocomplete, loaded the first time a draft starts with `/`: which of the room's
// bot commands match what is typed, the argument hint, and the draft checked the way the bot will
// check it (the SDK's parser), said in the reader's language before anything is sent.
import { html, nothing, type TemplateResult } from 'lit';
import { invocation, parseArgs, usage, type ArgProblem, type RoomCommand } from '@parley/sdk';
import type { Catalog } from './i18n.js';

/** Most commands listed at once. */
const MAX_SUGGESTIONS = 8;

/** What the composer shows for a draft starting with `/`. */
export interface CommandState {
  /** Commands whose name starts with what is typed after `/` (while no space follows the name). */
  suggestions: RoomCommand[];
  /** The command the draft invokes, once its name is complete. */
  command?: RoomCommand;
  /** Why the draft would be refused by the bot, in the reader's words; empty when it fits. */
  problem: string;
}

/** The state for `draft` among `commands`; undefined when the draft is no command at all. */
export function commandState(draft: string, commands: readonly RoomCommand[], t: Catalog): CommandState | undefined {
  if (!draft.startsWith('/')) return undefined;
  const typing = /^\/([A-Za-z0-9_-]*)$/.exec(draft);
  if (typing) {
    const prefix = typing[1]!.toLowerCase();
    const suggestions = commands.filter((c) => c.name.startsWith(prefix)).slice(0, MAX_SUGGESTIONS);
    const exact = commands.find((c) => c.name === prefix);
    return { suggestions, ...(exact && { command: exact }), problem: exact ? check(exact, '', t) : '' };
  }
  const inv = invocation(draft);
  const command = inv && commands.find((c) => c.name === inv.name);
  if (!inv || !command) return { suggestions: [], problem: '' };
  return { suggestions: [], command, problem: check(command, inv.rest, t) };
}

/** The draft as the bot will read it: offline bot first, then the first argument problem. */
function check(command: RoomCommand, rest: string, t: Catalog): string {
  if (!command.online) return t.botOffline(command.botName);
  const parsed = parseArgs(command, rest);
  return parsed.ok ? '' : problemText(parsed.problem, t);
}

export function problemText(p: ArgProblem, t: Catalog): string {
  switch (p.kind) {
    case 'quote':
      return t.argQuote;
    case 'missing':
      return t.argMissing(p.arg);
    case 'extra':
      return t.argExtra(p.text);
    case 'int':
      return t.argInt(p.arg);
    case 'range':
      return t.argRange(p.arg, p.min, p.max);
    case 'choice':
      return t.argChoice(p.arg, p.choices.join(', '));
  }
}

/** The list of matching commands; `index` is the highlighted one. Clicking one calls `pick`. */
export function renderCommandList(state: CommandState, index: number, t: Catalog, pick: (c: RoomCommand) => void): TemplateResult | typeof nothing {
  if (!state.suggestions.length) return nothing;
  return html`<ul part="command-list" id="command-list" class="mentions commands" role="listbox" aria-label=${t.commandList}>
    ${state.suggestions.map(
      (c, i) => html`<li
        part="command-option"
        id=${`command-${i}`}
        role="option"
        aria-selected=${i === index ? 'true' : 'false'}
        data-command=${c.name}
        @mousedown=${(e: Event) => e.preventDefault()}
        @click=${() => pick(c)}
      >
        <span class="usage">${usage(c)}</span>
        <span class="about" dir="auto">${c.description}</span>
        <span class="owner" dir="auto">${c.botName}${c.online ? nothing : html` · ${t.presence.offline}`}</span>
      </li>`,
    )}
  </ul>`;
}

/** Under the composer once a command is chosen: its usage, what each argument is, and what is wrong. */
export function renderCommandHint(state: CommandState): TemplateResult | typeof nothing {
  const { command } = state;
  if (!command || state.suggestions.length > 1) return nothing;
  const described = command.args.filter((a) => a.description);
  return html`<div part="command-hint" id="command-hint" class="command-hint" aria-live="polite">
    <span class="usage">${usage(command)}</span>
    ${described.length ? html`<span class="args">${described.map((a) => `${a.name}: ${a.description}`).join(' · ')}</span>` : nothing}
    ${state.problem ? html`<span part="command-problem" class="problem" role="status">${state.problem}</span>` : nothing}
  </div>`;
}
