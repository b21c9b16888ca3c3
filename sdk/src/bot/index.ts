// @parley/sdk/bot: the bot framework (ADR 0017). An explicit allow-list, like the package's main entry.
import type { ArgSpec, ArgValues } from './args.js';
import type { ActionHandlerContext, BotOptions, CommandContext, CommandOptions, Invoker, MessageHandlerContext, ModerationHandler, ModerationVerdict, Permission, ReplyOptions, StreamOptions } from './bot.js';
import type { StopContext, StreamEndOptions } from './stream.js';
import type { VerifyWebhookOptions, WebhookDelivery } from './webhook.js';

export { createBot, Bot } from './bot.js';
export { BotStream } from './stream.js';
export { string, text, int, choice } from './args.js';
export { verifyWebhook, WebhookVerificationError } from './webhook.js';

export type {
  ActionHandlerContext,
  ArgSpec,
  ArgValues,
  BotOptions,
  CommandContext,
  CommandOptions,
  Invoker,
  MessageHandlerContext,
  ModerationHandler,
  ModerationVerdict,
  Permission,
  ReplyOptions,
  StopContext,
  StreamEndOptions,
  StreamOptions,
};
export type { VerifyWebhookOptions, WebhookDelivery };
