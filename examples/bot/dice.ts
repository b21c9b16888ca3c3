// Dice rolling for the dice bot, as a pure function of its argument: easy to test, easy to extend.

const MAX_DICE = 100;
const MAX_SIDES = 1000;

/** `1d6` (the default), `20` (1d20), `3d6`: the roll said in words. */
export function roll(spec = '1d6', random: () => number = Math.random): string {
  const m = /^(?:(\d{1,3})d)?(\d{1,4})$/i.exec(spec.trim());
  if (!m) return 'Usage: /roll [N]dM, e.g. /roll 2d6';
  const dice = Number(m[1] ?? 1);
  const sides = Number(m[2]);
  if (dice < 1 || dice > MAX_DICE || sides < 2 || sides > MAX_SIDES) {
    return `I roll 1-${MAX_DICE} dice with 2-${MAX_SIDES} sides.`;
  }
  const rolls = Array.from({ length: dice }, () => 1 + Math.floor(random() * sides));
  const total = rolls.reduce((a, b) => a + b, 0);
  return dice === 1 ? `🎲 d${sides}: ${total}` : `🎲 ${dice}d${sides}: ${rolls.join(' + ')} = ${total}`;
}
