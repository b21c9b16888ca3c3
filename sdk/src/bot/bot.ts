// A bot: an SDK client signed in with a bot key that follows the rooms of its key, publishes its
// commands there, and hands each command, mention or matching message to its handler exactly once,
// resuming after a restart from the position the server keeps for it (ADR 0017).
import { ChatClient } from '../client.js';
import type { SendAck } from '../outbox.js';
import type { Upload, UploadOptions, UploadSource } from '../upload.js';
import type { WebSocketConstructor } from '../options.js';
import { Op } from '../protocol/codes.js';
import { parseArgs, usage } from '../protocol/command-line.js';
import type { ActionFrame, Command, MessageActionInput, ResultData, RoomEvent } from '../protocol/frames.js';
import type { RequestBody } from '../requests.js';
import type { Room } from '../room.js';
import type { ModerationCheck } from '../events.js';
import type { ArgSpec, ArgValues } from './args.js';
import { BotStream } from './stream.js';

export interface BotOptions {
  /** WebSocket URL of the server, e.g. `wss://chat.example.com/ws`. */
  url: string;
  /** The bot's key (`pbot_…`), from `parley bots create` or the admin API. */
  key: string;
  /** WebSocket constructor; in Node pass `WebSocket` from `ws`. Default: `globalThis.WebSocket`. */
  WebSocket?: WebSocketConstructor;
  /** Name of the built-in help command; `false` leaves it out. Default `help`. */
  help?: string | false;
  /** Told of handler failures and failed replies. Default: `console.error`. */
  onError?: (error: unknown, where: string) => void;
}

/** Who sent the command or message. */
export interface Invoker {
  id: string;
  name: string;
  /** A guest (signed in without an account). */
  guest: boolean;
}

/** Who may run a command: `everyone` (the default), `signed-in` (no guests), `owner` (the room's owner), or a predicate. */
export type Permission = 'everyone' | 'signed-in' | 'owner' | ((user: Invoker, room: Room) => boolean | Promise<boolean>);

/** What every handler receives. */
export interface MessageHandlerContext {
  room: Room;
  /** The message that triggered the handler. */
  event: RoomEvent;
  user: Invoker;
  /** Answers in the room, in the same thread (or quoting the message); stored once even if the bot restarts mid-answer. */
  reply(text: string, options?: ReplyOptions): Promise<SendAck>;
  /** Answers to the sender alone, on all of their connections; stored nowhere (its buttons are, for checking clicks). */
  replyEphemeral(text: string, options?: ReplyOptions): Promise<void>;
  /** Starts a streamed answer in the same thread (or quoting the message) that the sender may stop. */
  stream(): Promise<BotStream>;
}

export interface ReplyOptions {
  /** Buttons and selects under the answer (feature `interactive`); clicks arrive at `bot.onAction`. */
  actions?: MessageActionInput[];
}

/** What an action handler receives: who used which button or select of which message. */
export interface ActionHandlerContext {
  room: Room;
  /** The button's or select's id. */
  action: string;
  /** The option chosen in a select. */
  value?: string;
  /** Who clicked. */
  user: { id: string; name: string };
  /** The message clicked on (absent for an ephemeral message: see `eph`). */
  seq?: number;
  eph?: string;
  /** Changes the clicked message (text, and buttons when given: e.g. disabled after a vote). */
  update(text: string, options?: ReplyOptions): Promise<void>;
  /** Answers in the room, quoting the clicked message. */
  reply(text: string, options?: ReplyOptions): Promise<SendAck>;
  /** Answers the clicking user alone. */
  replyEphemeral(text: string, options?: ReplyOptions): Promise<void>;
  /** Starts a streamed answer to the clicked message that the clicking user may stop. */
  stream(): Promise<BotStream>;
  /** The clicked message as it is now (undefined for an ephemeral one, or once deleted). */
  message(): Promise<RoomEvent | undefined>;
}

export interface StreamOptions {
  /** Seq of the message it answers (quoted). */
  replyTo?: number;
  /** Seq of the thread root it answers in. */
  thread?: number;
  /** The member it is for: only they (and moderators) may stop it. Default: any member. */
  for?: string;
}

export interface CommandContext<A> extends MessageHandlerContext {
  /** The arguments, typed and checked as declared. */
  args: A;
}

export interface CommandOptions<A extends Record<string, ArgSpec<unknown>>> {
  description: string;
  /** Arguments in the order they are typed. */
  args?: A;
  permission?: Permission;
}

type Handler<C> = (ctx: C) => unknown;

/**
 * A moderation hook's answer: nothing (or `'allow'`) lets the message through, `{ reject: reason }`
 * refuses it (the sender is told the reason), `{ redact: text }` stores `text` instead.
 */
export type ModerationVerdict = void | undefined | 'allow' | { reject: string } | { redact: string };
export type ModerationHandler = (message: ModerationCheck) => ModerationVerdict | Promise<ModerationVerdict>;

interface Registered {
  manifest: Command;
  permission: Permission;
  handler: Handler<CommandContext<Record<string, unknown>>>;
}

/** Events of one room, handled one at a time in seq order. */
interface RoomQueue {
  /** Set once joined. */
  room: Room | undefined;
  /** Highest seq queued; later events only. */
  queued: number;
  /** Live events kept aside while the room catches up from its stored position. */
  held: RoomEvent[] | undefined;
  chain: Promise<void>;
}

const NODE_FS = 'node:fs';

export class Bot {
  private readonly client: BotClient;
  private readonly commands = new Map<string, Registered>();
  private readonly mentionHandlers: Handler<MessageHandlerContext>[] = [];
  private readonly messageHandlers: { filter: (event: RoomEvent) => boolean; handler: Handler<MessageHandlerContext> }[] = [];
  private readonly actionHandlers: { id: string | undefined; handler: Handler<ActionHandlerContext> }[] = [];
  private readonly streams = new Map<string, BotStream>();
  private readonly queues = new Map<string, RoomQueue>();
  /** Positions of events that called for nothing, sent together a moment later ({@link handledSoon}). */
  private readonly positions = new Map<string, number>();
  private readonly onError: (error: unknown, where: string) => void;
  private readonly helpName: string | false;
  private stopping = false;
  private started: Promise<void> | undefined;
  private moderator: ModerationHandler | undefined;

  constructor(options: BotOptions) {
    if (!options?.key) throw new TypeError('createBot: `key` is required (a bot key, pbot_…)');
    this.client = new BotClient({ url: options.url, token: options.key, ...(options.WebSocket && { WebSocket: options.WebSocket }) });
    this.onError = options.onError ?? ((error, where) => console.error(`bot: ${where}:`, error));
    this.helpName = options.help ?? 'help';
    this.client.on('event', ({ room, event }) => {
      if (!('problem' in event)) this.arrived(room, event);
    });
    this.client.on('action', ({ room, action }) => this.acted(room, action));
    this.client.on('moderationCheck', ({ check }) => void this.judge(check));
    // Watching is per connection: a reconnected bot asks again.
    this.client.on('state', ({ oldState, newState }) => {
      if (newState === 'connected' && oldState !== 'connected' && this.moderator && this.started) void this.watch();
    });
  }

  /** The bot's user (id `bot:…`), once started. */
  get user() {
    return this.client.user;
  }

  /** A room of the key, once joined: to post in it unprompted (a poll with buttons, an alert). */
  room(id: string): Room | undefined {
    return this.queues.get(id)?.room;
  }

  /**
   * Uploads a file as the bot (feature `files`): bytes (a Buffer, any ArrayBufferView or Blob) or, in
   * Node, the path of a file, read from disk as it goes. Attach it with `bot.room(id).send(text, { files:
   * [await upload.done] })`: like the bot's messages, it may go only to the rooms of its key. The name
   * shown is `options.name`, else the path's last part.
   */
  async upload(source: UploadSource | string, options: UploadOptions = {}): Promise<Upload> {
    if (typeof source !== 'string') return this.client.upload(source, options);
    // Node's fs, imported only when a path is given: the module also loads where there is none.
    const fs = (await import(NODE_FS)) as { openAsBlob(path: string): Promise<Blob> };
    const name = options.name ?? source.split(/[\\/]/).pop();
    return this.client.upload(await fs.openAsBlob(source), { ...options, ...(name && { name }) });
  }

  /** Declares `/name`; its manifest is published to every room of the bot's key at `start()`. */
  command<A extends Record<string, ArgSpec<unknown>> = Record<never, never>>(
    name: string,
    options: CommandOptions<A>,
    handler: Handler<CommandContext<ArgValues<A>>>,
  ): this {
    const key = name.toLowerCase();
    if (!/^[a-z][a-z0-9_-]{0,31}$/.test(key)) throw new TypeError(`bot.command("${name}"): a name is a letter, then up to 31 letters, digits, _ or -`);
    if (this.started) throw new Error(`bot.command("${name}"): declare commands before start()`);
    if (this.commands.has(key) || key === this.helpName) throw new Error(`bot.command("${name}"): declared twice`);
    const args = Object.entries(options.args ?? {}).map(([argName, spec]) => ({ name: argName, ...spec.wire }));
    const permission = options.permission ?? 'everyone';
    const manifest: Command = { name: key, description: options.description, args, ...(permission !== 'everyone' && { permission: typeof permission === 'string' ? permission : 'restricted' }) };
    this.commands.set(key, { manifest, permission, handler: handler as Handler<CommandContext<Record<string, unknown>>> });
    return this;
  }

  /** Runs `handler` for every message that mentions the bot. */
  onMention(handler: Handler<MessageHandlerContext>): this {
    this.mentionHandlers.push(handler);
    return this;
  }

  /** Runs `handler` for every other member's message whose text matches `filter` (commands to this bot excepted). */
  onMessage(filter: RegExp | ((event: RoomEvent) => boolean), handler: Handler<MessageHandlerContext>): this {
    const test = typeof filter === 'function' ? filter : (e: RoomEvent) => filter.test(e.body ?? '');
    this.messageHandlers.push({ filter: test, handler });
    return this;
  }

  /**
   * Runs `handler` when someone uses a button or select of the bot's messages: every one, or only
   * those with id `action`. Each click arrives once (it is not replayed after a restart).
   */
  onAction(handler: Handler<ActionHandlerContext>): this;
  onAction(action: string, handler: Handler<ActionHandlerContext>): this;
  onAction(a: string | Handler<ActionHandlerContext>, b?: Handler<ActionHandlerContext>): this {
    this.actionHandlers.push(typeof a === 'string' ? { id: a, handler: b! } : { id: undefined, handler: a });
    return this;
  }

  /**
   * Judges every message (and every edit: `check.edit` is then the message's seq) of the rooms
   * whose moderation hook names this bot, before it is stored
   * (its key needs the `moderate` scope). Answer within the room's time budget: a late answer is
   * ignored and the room's fail mode decides. A handler that throws gives no answer either.
   */
  moderate(handler: ModerationHandler): this {
    if (this.started) throw new Error('bot.moderate: set the handler before start()');
    this.moderator = handler;
    return this;
  }

  /**
   * Starts a streamed reply in `room` (a Room or its id): `write` text as it comes, then `end()` stores
   * it as one message. Members see it grow, with a stop button whose click reaches `stream.onStop`.
   */
  async stream(room: Room | string, options: StreamOptions = {}): Promise<BotStream> {
    const id = typeof room === 'string' ? room : room.id;
    const { stream } = await this.client.botRequest(Op.StreamStart, { room: id, ...options });
    const limits = this.client.limits;
    const interval = Math.max(limits?.streamFlushMs ?? 100, Math.ceil(1000 / (limits?.streamWriteRate ?? 20)));
    const s = new BotStream(
      stream,
      {
        write: (st, text) => this.client.botRequest(Op.StreamWrite, { stream: st, text }),
        end: (st, actions) => this.client.botRequest(Op.StreamEnd, { stream: st, actions }).finally(() => this.streams.delete(st)),
      },
      interval,
    );
    this.streams.set(stream, s);
    return s;
  }

  /**
   * Connects, joins every room of the key, publishes the commands there, and handles what was sent
   * while the bot was away (from its stored position), then everything live. Resolves once caught up.
   */
  start(): Promise<void> {
    return (this.started ??= this.run());
  }

  /** Stops taking new events, waits for the handlers in progress to finish, then disconnects. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.started?.catch(() => undefined);
    await Promise.all([...this.queues.values()].map((q) => q.chain));
    await this.flushPositions();
    await this.client.close();
  }

  private async run(): Promise<void> {
    await this.client.connect();
    const { rooms } = await this.client.botRequest(Op.BotState, {});
    const manifest = this.manifest();
    for (const { room: id, handled } of rooms) {
      // Set up before joining: live events that arrive between the join and the catch-up are held.
      const queue: RoomQueue = { room: undefined, queued: handled, held: [], chain: Promise.resolve() };
      this.queues.set(id, queue);
      try {
        queue.room = await this.client.join(id);
        await this.client.botRequest(Op.CommandsPublish, { room: id, commands: manifest });
      } catch (err) {
        // A room of the key the bot cannot enter (deleted, private without an invite): the others still work.
        this.queues.delete(id);
        this.onError(err, `joining ${id}`);
        continue;
      }
      await this.catchUp(queue, queue.room.summary?.head ?? 0);
    }
    if (this.moderator) await this.watch();
  }

  /** Follows the checks of each room of the key that names this bot as its moderation hook. */
  private async watch(): Promise<void> {
    for (const room of this.queues.keys()) {
      await this.client.botRequest(Op.ModerationWatch, { rooms: [room] }).catch((err: unknown) => this.onError(err, `watching ${room} for moderation`));
    }
  }

  private async judge(check: ModerationCheck): Promise<void> {
    if (!this.moderator || this.stopping) return;
    let verdict: ModerationVerdict;
    try {
      verdict = await this.moderator(check);
    } catch (err) {
      return this.onError(err, `moderating a message in ${check.room}`);
    }
    const body =
      verdict && typeof verdict === 'object'
        ? 'reject' in verdict
          ? { verdict: 'reject', reason: verdict.reject }
          : { verdict: 'redact', body: verdict.redact }
        : { verdict: 'allow' };
    await this.client.botRequest(Op.ModerationVerdict, { id: check.id, ...body }).catch((err: unknown) => this.onError(err, `answering a moderation check in ${check.room}`));
  }

  /** Queues the stored events after the bot's position up to `head`, then the live ones held meanwhile. */
  private async catchUp(queue: RoomQueue, head: number): Promise<void> {
    while (queue.queued < head) {
      const page = await queue.room!.history({ after: queue.queued, limit: 200 });
      for (const event of page.events) if (!('problem' in event)) this.enqueue(queue, event);
      if (!page.more || page.events.length === 0) break;
    }
    const held = queue.held ?? [];
    queue.held = undefined;
    for (const event of held.sort((a, b) => a.seq - b.seq)) this.enqueue(queue, event);
  }

  private arrived(room: Room, event: RoomEvent): void {
    const queue = this.queues.get(room.id);
    if (!queue) return; // not a room of the key
    queue.room ??= room;
    if (queue.held) queue.held.push(event);
    else this.enqueue(queue, event);
  }

  private enqueue(queue: RoomQueue, event: RoomEvent): void {
    if (event.seq <= queue.queued || this.stopping) return;
    queue.queued = event.seq;
    const room = queue.room!;
    queue.chain = queue.chain.then(() => this.handle(room, event)).catch((err: unknown) => this.onError(err, `event ${event.seq} of ${room.id}`));
  }

  /** Runs the handlers an event calls for, then records the bot's position past it. */
  private async handle(room: Room, event: RoomEvent): Promise<void> {
    if (this.stopping) return; // not recorded: handled after the restart
    const me = this.client.user?.id;
    if (event.kind !== 'msg' || event.by === me) return this.handledSoon(room, event.seq);
    const ctx = this.context(room, event);
    const data = event.data ?? {};
    if (data['cmd'] !== undefined) {
      if (data['bot'] !== me) return this.handledSoon(room, event.seq);
      await this.runCommand(String(data['cmd']), ctx);
    } else {
      const mentioned = (event.mentions ?? []).some((m) => m.user === me);
      const handlers = [...(mentioned ? this.mentionHandlers : []), ...this.messageHandlers.filter((h) => h.filter(event)).map((h) => h.handler)];
      if (handlers.length === 0) return this.handledSoon(room, event.seq);
      for (const handler of handlers) await this.guard(handler, ctx, `handler of event ${event.seq}`);
    }
    await this.client.botRequest(Op.BotHandled, { room: room.id, seq: event.seq });
  }

  /** A click or a stop from the server: to the stream it stops, or to the action handlers. */
  private acted(room: Room, action: Omit<ActionFrame, 't'>): void {
    if (action.stream !== undefined) return void this.streams.get(action.stream)?.stopAsked({ user: action.user, name: action.name });
    const ctx: ActionHandlerContext = {
      room,
      action: action.action,
      ...(action.value !== undefined && { value: action.value }),
      user: { id: action.user, name: action.name },
      ...(action.seq !== undefined && { seq: action.seq }),
      ...(action.eph !== undefined && { eph: action.eph }),
      update: async (text, options = {}) => {
        if (action.seq === undefined) throw new Error('an ephemeral message cannot be changed: reply instead');
        await room.edit(action.seq, text, { actions: options.actions });
      },
      reply: (text, options = {}) => room.send(text, { ...(action.seq !== undefined && { replyTo: action.seq }), ...options }),
      replyEphemeral: async (text, options = {}) => {
        await this.client.botRequest(Op.Ephemeral, { room: room.id, to: action.user, body: text, ...options });
      },
      stream: () => this.stream(room, { ...(action.seq !== undefined && { replyTo: action.seq }), for: action.user }),
      message: async () => {
        if (action.seq === undefined) return undefined;
        const page = await room.history({ around: action.seq, limit: 1 });
        const found = page.events.find((e) => e.seq === action.seq);
        return found && !('problem' in found) && !found.deleted ? found : undefined;
      },
    };
    for (const { id, handler } of this.actionHandlers) {
      if (id !== undefined && id !== action.action) continue;
      void Promise.resolve()
        .then(() => handler(ctx))
        .catch((err: unknown) => this.onError(err, `action ${action.action}`));
    }
  }

  private async runCommand(name: string, ctx: MessageHandlerContext): Promise<void> {
    if (name === this.helpName) return void (await ctx.replyEphemeral(this.helpText()));
    const command = this.commands.get(name);
    if (!command) return void (await ctx.replyEphemeral(`I do not know /${name}. ${this.helpName ? `Try /${this.helpName}.` : ''}`.trim()));
    if (!(await this.allowed(command.permission, ctx))) return void (await ctx.replyEphemeral(`You may not run /${name}.`));
    const rest = (ctx.event.body ?? '').trim().replace(/^\/\S+\s*/, '');
    const parsed = parseArgs(command.manifest, rest);
    if (!parsed.ok) return void (await ctx.replyEphemeral(`${capitalise(parsed.message)}.`));
    await this.guard(command.handler, { ...ctx, args: parsed.values }, `/${name}`);
  }

  private async guard<C extends MessageHandlerContext>(handler: Handler<C>, ctx: C, where: string): Promise<void> {
    try {
      await handler(ctx);
    } catch (err) {
      this.onError(err, where);
      await ctx.replyEphemeral('Sorry, that failed on my side.').catch(() => undefined);
    }
  }

  private async allowed(permission: Permission, ctx: MessageHandlerContext): Promise<boolean> {
    if (permission === 'everyone') return true;
    if (permission === 'signed-in') return !ctx.user.guest;
    if (permission === 'owner') return (await ctx.room.members()).some((m) => m.user === ctx.user.id && m.role === 'owner');
    return permission(ctx.user, ctx.room);
  }

  private context(room: Room, event: RoomEvent): MessageHandlerContext {
    const thread = typeof event.data?.['thread'] === 'number' ? event.data['thread'] : undefined;
    let replies = 0;
    return {
      room,
      event,
      user: { id: event.by, name: event.name, guest: event.by.startsWith('guest:') },
      // The cid names the message answered and the answer's place: a restart that runs the handler
      // again gets the stored answer back instead of posting it twice.
      reply: (text, options = {}) => room.send(text, { ...(thread !== undefined ? { thread } : { replyTo: event.seq }), cid: `bot${event.seq}-${++replies}`, ...options }),
      replyEphemeral: async (text, options = {}) => {
        await this.client.botRequest(Op.Ephemeral, { room: room.id, to: event.by, body: text, ...(thread !== undefined ? { thread } : { replyTo: event.seq }), ...options });
      },
      stream: () => this.stream(room, { ...(thread !== undefined ? { thread } : { replyTo: event.seq }), for: event.by }),
    };
  }

  /** Events that called for nothing still move the position, in one request now and then rather than one each. */
  private handledSoon(room: Room, seq: number): void {
    const first = this.positions.size === 0;
    this.positions.set(room.id, seq);
    if (!first) return;
    const timer: { unref?: () => void } = setTimeout(() => void this.flushPositions(), 1000) as never;
    timer.unref?.(); // in Node, a pending position must not keep the process alive
  }

  /** Sends the positions waiting in {@link handledSoon}. */
  private async flushPositions(): Promise<void> {
    const pending = [...this.positions];
    this.positions.clear();
    if (this.client.state !== 'connected') return;
    await Promise.all(pending.map(([room, seq]) => this.client.botRequest(Op.BotHandled, { room, seq }).catch(() => undefined)));
  }

  private manifest(): Command[] {
    const list = [...this.commands.values()].map((c) => c.manifest);
    if (this.helpName) list.push({ name: this.helpName, description: 'What this bot can do', args: [] });
    return list;
  }

  private helpText(): string {
    const lines = [...this.commands.values()].map(({ manifest }) => `${usage(manifest)} — ${manifest.description}`);
    return lines.length ? lines.join('\n') : 'I have no commands.';
  }
}

/** The client underneath a bot: the bot requests go through it. */
class BotClient extends ChatClient {
  botRequest<O extends typeof Op.BotState | typeof Op.BotHandled | typeof Op.Ephemeral | typeof Op.CommandsPublish | typeof Op.StreamStart | typeof Op.StreamWrite | typeof Op.StreamEnd | typeof Op.ModerationWatch | typeof Op.ModerationVerdict>(
    op: O,
    body: RequestBody<O>,
  ): Promise<ResultData[O]> {
    return this.request(op, body, true);
  }
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** A bot for `url` signed in with `key`; declare its commands and handlers, then `await bot.start()`. */
export function createBot(options: BotOptions): Bot {
  return new Bot(options);
}
