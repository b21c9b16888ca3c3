// Argument declarations of bot commands: each one is both the manifest entry the widget reads and the
// TypeScript type the handler's `ctx.args` gets, so a declared `int()` arrives as a number.
import type { CommandArg } from '../protocol/frames.js';

/** One declared argument; `T` is what the handler receives (undefined included when optional). */
export interface ArgSpec<T> {
  /** The manifest entry without its name (the key in `args` names it). */
  readonly wire: Omit<CommandArg, 'name'>;
  /** The same argument, not required: the handler gets `undefined` when it is left out. */
  optional(): ArgSpec<T | undefined>;
  /** The same argument with a description shown in autocomplete and /help. */
  describe(description: string): ArgSpec<T>;
  /** Phantom field carrying the type; never set. */
  readonly __type?: T;
}

function spec<T>(wire: Omit<CommandArg, 'name'>): ArgSpec<T> {
  return {
    wire,
    optional: () => spec<T | undefined>({ ...wire, required: false }),
    describe: (description) => spec<T>({ ...wire, description }),
  };
}

/** One word, or a "quoted phrase". */
export function string(description?: string): ArgSpec<string> {
  return spec({ type: 'string', required: true, ...(description !== undefined && { description }) });
}

/** The rest of the line, as typed; only as the last argument. */
export function text(description?: string): ArgSpec<string> {
  return spec({ type: 'text', required: true, ...(description !== undefined && { description }) });
}

/** A whole number, optionally bounded (inclusive, non-negative bounds). */
export function int(options: { min?: number; max?: number; description?: string } = {}): ArgSpec<number> {
  return spec({ type: 'int', required: true, ...options });
}

/** One of `choices` (matched without regard to case; the handler gets the declared spelling). */
export function choice<const C extends readonly string[]>(choices: C, description?: string): ArgSpec<C[number]> {
  return spec({ type: 'choice', required: true, choices: [...choices], ...(description !== undefined && { description }) });
}

/** The handler's `ctx.args` for a command declared with `args`. */
export type ArgValues<A extends Record<string, ArgSpec<unknown>>> = { [K in keyof A]: A[K] extends ArgSpec<infer T> ? T : never };
