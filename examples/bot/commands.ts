// Slash commands of the example bot, as pure functions of the message text: easy to test, easy to extend.

export type Reply = string | null;

const MAX_DICE = 100;
const MAX_SIDES = 1000;

/** `/roll` (1d6), `/roll 20` (1d20), `/roll 3d6`. */
export function roll(args: string, random: () => number = Math.random): Reply {
  const spec = args.trim() || '1d6';
  const m = /^(?:(\d{1,3})d)?(\d{1,4})$/i.exec(spec);
  if (!m) return `Usage: /roll [N]dM, e.g. /roll 2d6`;
  const dice = Number(m[1] ?? 1);
  const sides = Number(m[2]);
  if (dice < 1 || dice > MAX_DICE || sides < 2 || sides > MAX_SIDES) {
    return `I roll 1-${MAX_DICE} dice with 2-${MAX_SIDES} sides.`;
  }
  const rolls = Array.from({ length: dice }, () => 1 + Math.floor(random() * sides));
  const total = rolls.reduce((a, b) => a + b, 0);
  return dice === 1 ? `🎲 d${sides}: ${total}` : `🎲 ${dice}d${sides}: ${rolls.join(' + ')} = ${total}`;
}

export function echo(args: string): Reply {
  return args.trim() ? args.trim() : 'Usage: /echo some text';
}

const COMMANDS: Record<string, (args: string) => Reply> = {
  roll: (a) => roll(a),
  echo,
  help: () => 'Commands: /roll [N]dM, /echo text, /help',
};

/** The reply to a message, or null when it is not a command this bot knows. */
export function answer(text: string): Reply {
  const m = /^\/([a-z]+)(?:\s+([\s\S]*))?$/i.exec(text.trim());
  if (!m) return null;
  const command = COMMANDS[m[1]!.toLowerCase()];
  return command ? command(m[2] ?? '') : null;
}
