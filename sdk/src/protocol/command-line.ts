// Reads a `/command arg…` line against a command's declared arguments: the one parser the bot framework
// answers with and the widget checks drafts with, so that both agree on what a line means.

/**
 * A command as far as reading a line needs it: a published manifest or one read from `commands_list`
 * (where `type` is an open string: a type this version does not know is read as `string`).
 */
export interface CommandLike {
  name: string;
  args: readonly ArgLike[];
}
export interface ArgLike {
  name: string;
  type: string;
  required: boolean;
  choices?: readonly string[] | undefined;
  min?: number | undefined;
  max?: number | undefined;
}

/** A `/name rest` line: the command name (lower case) and the text after it. */
export interface Invocation {
  name: string;
  rest: string;
}

/** Why a line does not fit its command; `arg` names the argument concerned. */
export type ArgProblem =
  | { kind: 'quote' }
  | { kind: 'missing'; arg: string }
  | { kind: 'extra'; text: string }
  | { kind: 'int'; arg: string; text: string }
  | { kind: 'range'; arg: string; min?: number; max?: number }
  | { kind: 'choice'; arg: string; choices: readonly string[] };

export type ParsedArgs =
  | { ok: true; values: Record<string, string | number> }
  | { ok: false; problem: ArgProblem; message: string };

const INVOCATION = /^\/([A-Za-z][A-Za-z0-9_-]{0,31})(?:\s+([\s\S]*))?$/;

/** The command a message invokes, or undefined when it does not start with `/name`. */
export function invocation(body: string): Invocation | undefined {
  const m = INVOCATION.exec(body.trim());
  return m ? { name: m[1]!.toLowerCase(), rest: (m[2] ?? '').trim() } : undefined;
}

/** `/weather <city> [days]`: the command with its arguments, required ones in angle brackets. */
export function usage(command: CommandLike): string {
  const parts = command.args.map((a) => {
    const label = a.type === 'choice' && a.choices ? a.choices.join('|') : a.type === 'text' ? `${a.name}…` : a.name;
    return a.required ? `<${label}>` : `[${label}]`;
  });
  return [`/${command.name}`, ...parts].join(' ');
}

/**
 * Splits `rest` into words; a phrase in double quotes is one word (its quotes removed, `\"` inside is
 * a quote). Null when a quote is left open. Nothing here is ever run: values reach the handler as strings.
 */
export function words(rest: string): { text: string; at: number }[] | null {
  const out: { text: string; at: number }[] = [];
  let i = 0;
  while (i < rest.length) {
    if (/\s/.test(rest[i]!)) {
      i++;
      continue;
    }
    const at = i;
    if (rest[i] === '"') {
      let text = '';
      i++;
      for (;;) {
        if (i >= rest.length) return null;
        const c = rest[i]!;
        if (c === '\\' && rest[i + 1] === '"') {
          text += '"';
          i += 2;
        } else if (c === '"') {
          i++;
          break;
        } else {
          text += c;
          i++;
        }
      }
      out.push({ text, at });
    } else {
      let text = '';
      while (i < rest.length && !/\s/.test(rest[i]!)) text += rest[i++];
      out.push({ text, at });
    }
  }
  return out;
}

/** The typed values of `rest` for `command`, or the first problem, said in English. */
export function parseArgs(command: CommandLike, rest: string): ParsedArgs {
  const tokens = words(rest);
  if (!tokens) return fail({ kind: 'quote' }, `a quote is left open; usage: ${usage(command)}`);
  const values: Record<string, string | number> = {};
  let next = 0;
  for (const arg of command.args) {
    if (arg.type === 'text') {
      const start = tokens[next]?.at;
      const text = start === undefined ? '' : rest.slice(start).trim();
      next = tokens.length;
      if (text) values[arg.name] = text;
      else if (arg.required) return fail({ kind: 'missing', arg: arg.name }, `${arg.name} is missing; usage: ${usage(command)}`);
      continue;
    }
    const token = tokens[next];
    if (!token) {
      if (arg.required) return fail({ kind: 'missing', arg: arg.name }, `${arg.name} is missing; usage: ${usage(command)}`);
      continue;
    }
    next++;
    const value = checkValue(arg, token.text);
    if (typeof value === 'object') return fail(value.problem, value.message);
    values[arg.name] = value;
  }
  if (next < tokens.length) {
    const text = rest.slice(tokens[next]!.at);
    return fail({ kind: 'extra', text }, `unexpected "${text}"; usage: ${usage(command)}`);
  }
  return { ok: true, values };
}

function checkValue(arg: ArgLike, text: string): string | number | { problem: ArgProblem; message: string } {
  if (arg.type === 'int') {
    if (!/^-?\d{1,15}$/.test(text)) return { problem: { kind: 'int', arg: arg.name, text }, message: `${arg.name} must be a whole number, not "${text}"` };
    const n = Number(text);
    if ((arg.min !== undefined && n < arg.min) || (arg.max !== undefined && n > arg.max)) {
      const range = { ...(arg.min !== undefined && { min: arg.min }), ...(arg.max !== undefined && { max: arg.max }) };
      return { problem: { kind: 'range', arg: arg.name, ...range }, message: `${arg.name} must be ${arg.min ?? '…'} to ${arg.max ?? '…'}` };
    }
    return n;
  }
  if (arg.type === 'choice') {
    const choices = arg.choices ?? [];
    const found = choices.find((c) => c.toLowerCase() === text.toLowerCase());
    if (found === undefined) return { problem: { kind: 'choice', arg: arg.name, choices }, message: `${arg.name} must be one of ${choices.join(', ')}` };
    return found;
  }
  return text;
}

function fail(problem: ArgProblem, message: string): ParsedArgs {
  return { ok: false, problem, message };
}
