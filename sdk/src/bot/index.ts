// @parley/sdk/bot: the bot framework (ADR 0017). An explicit allow-list, like the package's main entry.
import type { ArgSpec, ArgValues } from './args.js';
import type { BotOptions, CommandContext, CommandOptions, Invoker, MessageHandlerContext, ModerationHandler, ModerationVerdict, Permission } from './bot.js';
import type { VerifyWebhookOptions, WebhookDelivery } from './webhook.js';

export { createBot, Bot } from './bot.js';
export { string, text, int, choice } from './args.js';
export { verifyWebhook, WebhookVerificationError } from './webhook.js';

export type { ArgSpec, ArgValues, BotOptions, CommandContext, CommandOptions, Invoker, MessageHandlerContext, ModerationHandler, ModerationVerdict, Permission };
export type { VerifyWebhookOptions, WebhookDelivery };
