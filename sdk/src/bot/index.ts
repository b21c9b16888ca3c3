// @parley/sdk/bot: the bot framework (ADR 0017). An explicit allow-list, like the package's main entry.
import type { ArgSpec, ArgValues } from './args.js';
import type { BotOptions, CommandContext, CommandOptions, Invoker, MessageHandlerContext, Permission } from './bot.js';

export { createBot, Bot } from './bot.js';
export { string, text, int, choice } from './args.js';

export type { ArgSpec, ArgValues, BotOptions, CommandContext, CommandOptions, Invoker, MessageHandlerContext, Permission };
