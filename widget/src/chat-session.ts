// The widget's live chat state behind one ChatClient: connection status, followed rooms with their
// timelines, typing, members and unread counts. The element renders it; nothing here touches the DOM.
import {
  ChatClient,
  ErrorCode,
  ForbiddenError,
  InvalidRequestError,
  Limits,
  NotFoundError,
  UploadError,
  type SendAck,
  type Member,
  type LinkPreview,
  type Mention,
  type Receipt,
  type NotifySettings,
  type NotifySettingsChange,
  type ParleyError,
  type PushSubscriptionKeys,
  type ActTarget,
  type EphemeralMessage,
  type LiveStream,
  type Room,
  type RoomCommand,
  type RoomEvent,
  type RoomRules,
  type RoomSummary,
  type SearchPage,
  type SendOptions,
  type Upload,
  type User,
  type Call,
  type CallOptions,
  type RingContext,
} from '@parley/sdk';
import { ReadMarkers } from './read-markers.js';
import { Timeline, type PendingMessage } from './timeline.js';

/** How long the `/` list trusts what it read of the room's commands and their bots' online state. */
const COMMANDS_FRESH_MS = 10_000;

/** Download URLs are asked again this long before they expire. */
const LINK_SLACK_MS = 60_000;

/** Where a file (and its thumbnail) can be downloaded, until the link expires. */
export interface FileLink {
  url: string;
  thumb?: string;
}

/** What the status part shows (`data-state`). */
export type LinkState = 'connecting' | 'connected' | 'reconnecting' | 'offline';

/** Everything the widget knows about one followed room. */
export interface RoomView {
  id: string;
  summary: RoomSummary | undefined;
  timeline: Timeline;
  /** Who is typing now, per place (a thread's root seq; undefined: the room itself): user id → display name. */
  typing: Map<number | undefined, Map<string, string>>;
  members: Member[] | undefined;
  unread: number;
  handle: Room;
  /** The room's rules as they apply to this user (feature `moderation`): pins, slow mode, lock, own mute, whether they moderate. */
  rules?: RoomRules;
  /** Bots' replies only this user sees, oldest first; gone after a reload (never stored). */
  ephemeral?: EphemeralMessage[];
  /** Bots' replies being written now (feature `streams`), oldest first. */
  streams?: readonly LiveStream[];
  /** The room's bot commands with when they were read (kept briefly: a bot's online state changes). */
  commands?: { list: RoomCommand[]; at: number };
}

/** How the session tells its owner about things worth reacting to. */
export interface SessionHooks {
  /** Something visible changed: render again. */
  changed(): void;
  /** A new message arrived live (not from history). */
  message(room: RoomView, event: RoomEvent, own: boolean): void;
  unread(room: RoomView, total: number): void;
  /** `setup` marks a mistake of the embedding page (e.g. a room that does not exist), not of the user. */
  error(code: string, message: string, setup?: boolean): void;
  /** Whether the user is looking at `room` right now (panel open, room active, scrolled to the bottom). */
  reading(room: RoomView): boolean;
  /** Someone calls this user (feature `calls`), or (`null`) the ring of `call` is over. */
  ring?(ring: RingContext | null, call: string): void;
}

/** A thread open beside a room: the replies to message `root`. */
export interface ThreadView {
  room: RoomView;
  root: number;
  timeline: Timeline;
}

const HISTORY_PAGE = 30;
/** A day, as "forever" for connect(): timers cannot wait much longer (2^31 ms). */
const KEEP_TRYING_MS = 86_400_000;
const NONE: ReadonlySet<string> = new Set();
/** Joined rooms followed at start (one page of that many), to bound startup work. */
const MAX_FOLLOWED = 20;

export class ChatSession {
  status: LinkState = 'offline';
  user: User | undefined;
  readonly rooms = new Map<string, RoomView>();
  active: string | undefined;
  /** The room the page asked for when it could not be opened (missing, or not this user's to join). */
  unavailable: string | undefined;
  /** The thread on screen, if one is open. */
  thread: ThreadView | undefined;
  /** Do not disturb and muted rooms, kept by the server (feature `notify_settings`); undefined until read. */
  notify: NotifySettings | undefined;
  private client: ChatClient | undefined;
  /** Link previews asked for, by `room seq`: each message's card is fetched once per session. */
  private readonly previews = new Map<string, Promise<LinkPreview | null>>();
  /** Signed download URLs by `room id`, kept until shortly before they expire (feature `files`). */
  private readonly fileLinks = new Map<string, Promise<FileLink | null>>();
  /** File ids asked for in this turn of the event loop, by room: one `file_urls` for them all. */
  private readonly fileBatch = new Map<string, Map<string, (link: FileLink | null) => void>>();
  private markers: ReadMarkers | undefined;
  private readonly typingTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private generation = 0;

  constructor(private readonly hooks: SessionHooks) {}

  /** Connects with `getToken` to the server's `/ws` and follows `initialRoom` plus the user's rooms. */
  async start(server: string, getToken: () => Promise<string>, initialRoom: string | undefined): Promise<void> {
    await this.stop();
    const gen = ++this.generation;
    const url = new URL('/ws', server);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    // A page keeps its chat for as long as it is open: the first connection is retried as patiently
    // as a dropped one (each failed attempt still reaches the page as chat-error), never given up.
    const client = new ChatClient({ url: url.href, getToken, connectTimeoutMs: KEEP_TRYING_MS });
    this.client = client;
    this.markers = new ReadMarkers(url.host);
    this.listen(client);
    this.setStatus('connecting');
    try {
      this.user = await client.connect();
      if (gen !== this.generation) return;
      if (client.features.has('notify_settings')) {
        void client.notifySettings().then((settings) => {
          if (gen !== this.generation) return;
          this.notify = settings;
          this.hooks.changed();
        }, (err: unknown) => this.report(err));
      }
      const joined = await client.listRooms('joined', { limit: MAX_FOLLOWED }).then((page) => page.rooms, () => [] as RoomSummary[]);
      const ids = [...new Set([...(initialRoom ? [initialRoom] : []), ...joined.map((r) => r.id)])].slice(0, MAX_FOLLOWED);
      await Promise.all(ids.map((id) => this.follow(id, gen, id === initialRoom)));
      if (gen !== this.generation) return;
      // A room the page asked for and cannot have is said so on screen, never swapped for another one.
      if (!this.active && !this.unavailable) this.select(initialRoom && this.rooms.has(initialRoom) ? initialRoom : ids.find((id) => this.rooms.has(id)));
      this.hooks.changed();
    } catch (err) {
      if (gen !== this.generation) return;
      this.setStatus('offline');
      this.report(err);
    }
  }

  /** Disconnects and forgets every room. */
  async stop(): Promise<void> {
    this.generation++;
    const client = this.client;
    this.client = undefined;
    for (const t of this.typingTimers.values()) clearTimeout(t);
    this.typingTimers.clear();
    this.rooms.clear();
    this.active = undefined;
    this.unavailable = undefined;
    this.thread = undefined;
    this.user = undefined;
    this.notify = undefined;
    this.previews.clear();
    this.status = 'offline';
    if (client) await client.close().catch(() => {});
  }

  get current(): RoomView | undefined {
    return this.active ? this.rooms.get(this.active) : undefined;
  }

  /** Longest message body the server accepts (UTF-16 code units), from its `welcome`. */
  get maxBody(): number {
    return this.client?.limits?.maxBody || Limits.maxBody;
  }

  /** Longest voice message, ms (`welcome.limits.maxVoiceMs`); 0 when not announced (the recorder's default applies). */
  get maxVoiceMs(): number {
    return this.client?.limits?.maxVoiceMs ?? 0;
  }

  /** Longest search query the server takes. */
  get maxSearchQuery(): number {
    return this.client?.limits?.maxSearchQuery || Limits.maxSearchQuery;
  }

  /** What the server does beyond v1 (`welcome.features`); empty against a server that says nothing. */
  get features(): ReadonlySet<string> {
    return this.client?.features ?? NONE;
  }

  /** Whether `view` may have a call: the server does calls, and it is a direct room or one small enough. */
  canCall(view: RoomView): boolean {
    if (!this.client?.features.has('calls')) return false;
    const summary = view.summary;
    if (!summary) return false;
    // The loaded member list follows joins and leaves; the summary's count is as of subscribing.
    const members = view.members?.length ?? summary.members;
    return summary.kind === 'dm' || (members > 1 && members <= (this.client.limits?.callRoomSize ?? 0));
  }

  /** Calls the other members of `room` (or joins its call); rejects with the SDK's error (permission denied, no device...). */
  placeCall(room: string, options: CallOptions): Promise<Call> {
    return this.client!.call({ room }, options);
  }

  answerCall(call: string, options: CallOptions): Promise<Call> {
    return this.client!.answer(call, options);
  }

  declineCall(call: string): Promise<void> {
    return this.client!.decline(call);
  }

  /** The name to show for `room` (the other person of a direct room). */
  roomTitle(room: string): string | undefined {
    return this.rooms.get(room)?.summary?.name;
  }

  /** The server's file limits (feature `files`); undefined when it takes no files. */
  get fileLimits(): { maxUploadBytes: number; maxFilesPerMessage: number; uploadQuotaBytes: number } | undefined {
    const l = this.client?.limits;
    if (!this.features.has('files') || !l?.maxUploadBytes) return undefined;
    return { maxUploadBytes: l.maxUploadBytes, maxFilesPerMessage: l.maxFilesPerMessage ?? Limits.maxFilesPerMessage, uploadQuotaBytes: l.uploadQuotaBytes ?? 0 };
  }

  /** Starts uploading a file the user picked, pasted or dropped. */
  upload(file: File): Upload {
    if (!this.client) throw new Error('not connected');
    return this.client.upload(file, { name: file.name });
  }

  /**
   * The download URL (and thumbnail URL) of file `id` of a message of `view`; null when it is gone.
   * Asked in batches (one `file_urls` per room and turn of the event loop), cached until near expiry.
   */
  fileLink(view: RoomView, id: string): Promise<FileLink | null> {
    const key = `${view.id} ${id}`;
    let p = this.fileLinks.get(key);
    if (!p) {
      p = new Promise<FileLink | null>((resolve) => {
        let batch = this.fileBatch.get(view.id);
        if (!batch) {
          this.fileBatch.set(view.id, (batch = new Map()));
          setTimeout(() => void this.askLinks(view.id), 0);
        }
        batch.set(id, resolve);
      });
      this.fileLinks.set(key, p);
    }
    return p;
  }

  private async askLinks(room: string): Promise<void> {
    const batch = this.fileBatch.get(room);
    this.fileBatch.delete(room);
    if (!batch) return;
    const ids = [...batch.keys()];
    for (let i = 0; i < ids.length; i += Limits.maxFileUrls) {
      const part = ids.slice(i, i + Limits.maxFileUrls);
      const answer = await this.client?.fileUrls(room, part).catch(() => undefined);
      const found = new Map((answer?.urls ?? []).map((u) => [u.id, u]));
      for (const id of part) {
        const u = found.get(id);
        if (!u || !answer) this.fileLinks.delete(`${room} ${id}`); // asked again next time (a failure, or gone)
        else setTimeout(() => this.fileLinks.delete(`${room} ${id}`), Math.max(0, answer.exp - Date.now() - LINK_SLACK_MS));
        batch.get(id)!(u ? { url: u.url, ...(u.thumb !== undefined && { thumb: u.thumb }) } : null);
      }
    }
  }

  /** Whether alerts for `room` are off: do not disturb, or the room muted. */
  silenced(room: string): boolean {
    return !!this.notify && (this.notify.dnd || this.notify.muted.includes(room));
  }

  /** Changes the notification settings on the server (where Web Push reads them); a failure is reported. */
  async setNotify(change: NotifySettingsChange): Promise<void> {
    if (!this.client) return;
    try {
      this.notify = await this.client.notifySettings(change);
    } catch (err) {
      this.report(err);
    }
    this.hooks.changed();
  }

  /** The server's VAPID key, when it does Web Push. */
  get pushKey(): string | undefined {
    return this.client?.features.has('push') ? this.client.pushKey : undefined;
  }

  /** Hands this browser's push subscription to the server (or takes it back, with `on` false). */
  async savePush(subscription: PushSubscriptionKeys, on: boolean): Promise<void> {
    if (!this.client) throw new Error('not connected');
    if (on) await this.client.subscribePush(subscription);
    else await this.client.unsubscribePush(subscription.endpoint);
  }

  /** The preview card of message `seq`'s first link, asked of the server once; null when it has none. */
  linkPreview(view: RoomView, seq: number): Promise<LinkPreview | null> {
    const key = `${view.id} ${seq}`;
    let p = this.previews.get(key);
    if (!p) {
      const client = this.client;
      p = client?.features.has('link_previews') ? client.linkPreview(view.id, seq).catch(() => null) : Promise.resolve(null);
      this.previews.set(key, p);
    }
    return p;
  }

  /** Sum of unread messages over all followed rooms. */
  get totalUnread(): number {
    let n = 0;
    for (const r of this.rooms.values()) n += r.unread;
    return n;
  }

  /** Follows `id` if needed (joining it) and makes it the room on screen. */
  async openRoom(id: string): Promise<void> {
    if (!this.client) return;
    if (!this.rooms.has(id) && !(await this.follow(id, this.generation, true))) {
      this.active = undefined;
      this.hooks.changed();
      return;
    }
    this.select(id);
  }

  /** Makes `id` the room on screen; loads its members. */
  select(id: string | undefined): void {
    if (!id || !this.rooms.has(id)) return;
    if (this.active !== id) this.thread = undefined;
    this.active = id;
    this.unavailable = undefined;
    void this.loadMembers(this.rooms.get(id)!);
    void this.loadRules(this.rooms.get(id)!);
    this.hooks.changed();
  }

  /**
   * A moderator action on message `seq` of `view` (its author for mute and ban). Rejects with the
   * server's error; the room's rules are read again after it.
   */
  async moderate(view: RoomView, action: 'mute' | 'ban' | 'pin' | 'unpin', seq: number): Promise<void> {
    const msg = view.timeline.find(seq);
    if (!msg) return;
    if (action === 'mute' || action === 'ban') return this.moderateMember(view, action, msg.by);
    await view.handle.moderate(action, { seq });
    await this.loadRules(view);
  }

  /** Mutes a member of `view` for 10 minutes, or bans them; the member list is read again after. */
  async moderateMember(view: RoomView, action: 'mute' | 'ban', user: string): Promise<void> {
    await view.handle.moderate(action, { user, ...(action === 'mute' ? { seconds: 600 } : {}) });
    await Promise.all([this.loadRules(view), this.loadMembers(view)]);
  }

  /** Reports message `seq` to the room's moderators. */
  async reportMessage(view: RoomView, seq: number, reason: string): Promise<void> {
    await view.handle.report(seq, reason);
  }

  /**
   * Sends `body` to the active room. The entry stays pending (the SDK's outbox retries it across
   * reconnects) until stored, and turns failed if the SDK gives up; resolves once stored.
   */
  async send(body: string, view = this.current, entry?: PendingMessage, options: SendOptions = {}): Promise<void> {
    if (!view) throw new Error('no room to send to');
    const opts = entry?.options ?? options;
    // Text that can never be stored is refused here, before it shows as a message that could only fail.
    // With files (a voice message) there may be no text at all.
    const invalid = !/\S/.test(body) && !(body === '' && opts.files?.length)
      ? new InvalidRequestError(ErrorCode.BadFrame, 'a message needs some non-whitespace text')
      : body.length > this.maxBody
        ? new InvalidRequestError(ErrorCode.TooLarge, `message of ${body.length} characters is over the limit of ${this.maxBody}`)
        : undefined;
    if (invalid) {
      this.report(invalid);
      throw invalid;
    }
    const timeline = this.timelineFor(view, opts);
    if (entry) entry.status = 'pending';
    else entry = timeline.addPending(body, opts);
    return this.deliver(view, timeline, entry, () => (Object.keys(opts).length ? view.handle.send(body, opts) : view.handle.send(body)));
  }

  /**
   * Sends a recorded voice message (feature `voice`): it shows at once as a pending message that
   * plays the local recording, goes up as a voice attachment (`client.upload` with its duration and
   * waveform, which the server checks), then is sent with no text. A failure of either step shows on
   * the message, with Retry where trying again can help; a retry after the upload succeeded only sends.
   */
  async sendVoice(recording: { blob: Blob; type: string; duration: number; waveform: number[] }, view = this.current, options: SendOptions = {}, entry?: PendingMessage): Promise<void> {
    const client = this.client;
    if (!view || !client) throw new Error('no room to send to');
    const timeline = this.timelineFor(view, entry?.options ?? options);
    if (entry) entry.status = 'pending';
    else {
      entry = timeline.addPending('', options);
      entry.voice = { ...recording, url: URL.createObjectURL(recording.blob) };
    }
    const pending = entry;
    return this.deliver(view, timeline, pending, async () => {
      if (!pending.options.files?.length) {
        const ext = /ogg/.test(recording.type) ? 'ogg' : /mp4/.test(recording.type) ? 'm4a' : 'webm';
        const upload = client.upload(recording.blob, { name: `voice.${ext}`, voice: { duration: recording.duration, waveform: recording.waveform } });
        pending.options = { ...pending.options, files: [await upload.done] };
      }
      return view.handle.send('', pending.options);
    });
  }

  /** Where a send with `opts` shows while pending: the open thread's timeline for a reply in it, else the room's. */
  private timelineFor(view: RoomView, opts: SendOptions): Timeline {
    return opts.thread !== undefined && this.thread?.root === opts.thread && this.thread.room === view ? this.thread.timeline : view.timeline;
  }

  /** Runs `send` for a pending `entry`: acknowledged, it becomes the stored message; refused, it says why. */
  private async deliver(view: RoomView, timeline: Timeline, entry: PendingMessage, send: () => Promise<SendAck>): Promise<void> {
    const opts = entry.options;
    this.hooks.changed();
    try {
      // Plain sends keep to the v1 call, so a server without these features never sees the new fields.
      const ack = await send();
      if (opts.thread !== undefined) view.timeline.add({ room: view.id, seq: ack.seq, id: ack.id, kind: 'msg', ts: ack.ts, by: this.user?.id ?? '', name: '', data: { thread: opts.thread } });
      const self = this.user ?? { id: '', name: '' };
      const event = timeline.acknowledge(entry, ack, self, view.id);
      // The stored message plays from the server now: the local copy of a recording can go.
      if (entry.voice) URL.revokeObjectURL(entry.voice.url);
      this.markRead(view);
      // A thread reply is not news of the room (chat-message), as for others' replies.
      if (opts.thread === undefined) this.hooks.message(view, event, true);
    } catch (err) {
      const e = err as ParleyError;
      // Refusals that sending again cannot fix: invalid text, moderation's (muted, slow mode, a filter, held), and a
      // command whose bot is offline (retrying does not bring the bot back).
      // An upload the server refused (a voice message it does not accept, a quota) is final too.
      const final = err instanceof InvalidRequestError || err instanceof ForbiddenError || e.code === ErrorCode.Held || e.code === ErrorCode.BotOffline || (err instanceof UploadError && !err.retryable);
      const reason = err instanceof ForbiddenError ? err.reason : e.code === ErrorCode.Held ? 'held' : e.code === 'bad_voice' ? 'voice' : undefined;
      const retryAfter = err instanceof ForbiddenError ? err.retryAfter : undefined;
      timeline.fail(entry, final ? { code: e.code, message: e.message, ...(reason ? { reason } : {}), ...(retryAfter !== undefined ? { retryAfter } : {}) } : undefined);
      if (reason === 'muted' && view.rules && retryAfter) view.rules = { ...view.rules, mutedUntil: Date.now() + retryAfter };
      if (e.code === ErrorCode.BotOffline) view.commands = undefined;
      this.report(err);
      throw err;
    } finally {
      this.hooks.changed();
    }
  }

  /** The room's bot commands (feature `commands`), read again after COMMANDS_FRESH_MS or a change. */
  /** Clicks a bot message's button or select, or stops a stream; rejects with the server's refusal. */
  act(view: RoomView, target: ActTarget, action: string, value?: string): Promise<unknown> {
    return view.handle.act(target, action, value);
  }

  /** Whether this user may stop `stream`: the one it is for, any member when it names nobody, or a moderator. */
  canStop(view: RoomView, stream: LiveStream): boolean {
    return stream.for === undefined || stream.for === this.user?.id || !!view.rules?.moderator;
  }

  async commands(view: RoomView): Promise<RoomCommand[]> {
    const cached = view.commands;
    if (cached && Date.now() - cached.at < COMMANDS_FRESH_MS) return cached.list;
    const list = (await this.client?.commands(view.id).catch(() => undefined)) ?? cached?.list ?? [];
    view.commands = { list, at: Date.now() };
    return list;
  }

  /** Changes the text of own message `seq`; rejects with the server's error (e.g. `too_late`). */
  async edit(view: RoomView, seq: number, body: string, mentions: Mention[] = []): Promise<void> {
    await view.handle.edit(seq, body, mentions.length ? { mentions } : {});
  }

  /** Deletes own message `seq`. */
  async remove(view: RoomView, seq: number): Promise<void> {
    await view.handle.delete(seq);
  }

  /** Puts `emoji` on message `seq` (or takes it back, `on` false); a failure is reported, not thrown. */
  async react(view: RoomView, seq: number, emoji: string, on: boolean): Promise<void> {
    try {
      await view.handle.react(seq, emoji, on);
    } catch (err) {
      this.report(err);
    }
  }

  /** Opens the thread of message `root` in `view` and loads its latest replies. */
  async openThread(view: RoomView, root: number): Promise<void> {
    const thread: ThreadView = { room: view, root, timeline: new Timeline(root, this.user?.id) };
    this.thread = thread;
    this.hooks.changed();
    try {
      const page = await view.handle.history({ thread: root, limit: HISTORY_PAGE });
      thread.timeline.addPage(page.events, page.more, false);
    } catch (err) {
      this.report(err);
    }
    this.hooks.changed();
  }

  closeThread(): void {
    // Leaving the thread ends typing there (sent only if it was on); the composer starts afresh.
    this.typing(false);
    this.thread = undefined;
    this.hooks.changed();
  }

  /** One page of a search over every room the user may read (feature `search`). */
  search(query: string, cursor?: string): Promise<SearchPage> {
    if (!this.client) return Promise.reject(new Error('not connected'));
    return this.client.search(query, cursor === undefined ? {} : { cursor });
  }

  /**
   * Opens room `id` at message `seq` (a search result) and resolves with the timeline that shows it:
   * the room's own when it holds the message or the page around it joins what is loaded without a
   * gap; otherwise a timeline of that page alone, older messages beside the live ones.
   */
  async openAt(id: string, seq: number): Promise<{ view: RoomView; timeline: Timeline } | undefined> {
    await this.openRoom(id);
    const view = this.rooms.get(id);
    if (!view) return undefined;
    if (view.timeline.find(seq)) return { view, timeline: view.timeline };
    const around = { around: seq, limit: HISTORY_PAGE };
    const page = await view.handle.history(this.features.has('threads') ? { ...around, main: true } : around);
    const first = view.timeline.firstSeq;
    const last = page.events.at(-1)?.seq;
    if (first !== undefined && last !== undefined && last >= first - 1) {
      view.timeline.addPage(page.events, page.more, true);
      return { view, timeline: view.timeline };
    }
    const timeline = new Timeline(undefined, this.user?.id);
    timeline.addPage(page.events, page.more, true);
    return { view, timeline };
  }

  /** Loads history in `view` back to message `seq` (for a quote whose original is not loaded); true when it is there. */
  async loadUntil(view: RoomView, seq: number): Promise<boolean> {
    while (!view.timeline.find(seq) && view.timeline.more && (view.timeline.firstSeq ?? 0) > seq) {
      if (!(await this.loadOlder(view))) break;
    }
    return !!view.timeline.find(seq);
  }

  /** Sends a failed message again. */
  retry(view: RoomView, entry: PendingMessage): Promise<void> {
    if (entry.voice) return this.sendVoice(entry.voice, view, entry.options, entry);
    return this.send(entry.body, view, entry);
  }

  /** Loads the page of history before the oldest loaded event (of the thread when given); false when there is none. */
  async loadOlder(view: RoomView, thread?: ThreadView): Promise<boolean> {
    const tl = thread?.timeline ?? view.timeline;
    if (!tl.loaded || !tl.more) return false;
    const page = await this.history(view, { before: tl.firstSeq, limit: HISTORY_PAGE, thread: thread?.root });
    tl.addPage(page.events, page.more, true);
    this.hooks.changed();
    return page.events.length > 0;
  }

  /** Says whether the user is typing in the composer: in the thread on screen, else in the room. */
  typing(on: boolean): void {
    const view = this.current;
    if (!view) return;
    const thread = this.thread?.room === view ? this.thread.root : undefined;
    view.handle.typing(on, thread === undefined ? {} : { thread });
  }

  /** Names of the others typing in `view` itself, or in its thread `thread` when given. */
  typingIn(view: RoomView, thread?: number): string[] {
    const names = view.typing.get(thread);
    return names ? [...names].filter(([id]) => id !== this.user?.id).map(([, name]) => name) : [];
  }

  /** Changes the user's display name. */
  async rename(name: string): Promise<User> {
    if (!this.client) throw new Error('not connected');
    this.user = await this.client.setName(name);
    this.hooks.changed();
    return this.user;
  }

  /** Marks everything loaded in `view` as seen, if the user is reading it. */
  markRead(view: RoomView): void {
    if (!this.hooks.reading(view)) return;
    // With the server's read positions (feature `unread`) every device of the user agrees; without
    // them the browser remembers on its own.
    if (this.features.has('unread')) view.handle.markRead(view.handle.lastSeq);
    else this.markers?.set(view.id, view.timeline.lastSeq);
    this.setUnread(view, 0);
  }

  /**
   * The other members' read positions in `view` when the server shares them: always in a direct
   * room, in other rooms up to `limits.receiptRoomSize` members; undefined otherwise.
   */
  receiptsOf(view: RoomView): ReadonlyMap<string, Receipt> | undefined {
    if (!this.features.has('receipts')) return undefined;
    const size = this.client?.limits?.receiptRoomSize ?? 0;
    if (view.summary?.kind !== 'dm' && (view.summary?.members ?? Infinity) > size) return undefined;
    return view.handle.receipts;
  }

  /** Rooms of up to this many members show who read what (0 against a server without receipts). */
  get receiptRoomSize(): number {
    return this.features.has('receipts') ? (this.client?.limits?.receiptRoomSize ?? 0) : 0;
  }

  /** Presence follows the page's visibility: away while the tab is hidden. */
  setAway(away: boolean): void {
    if (this.client?.state === 'connected') this.client.setPresence(away ? 'away' : 'online');
  }

  /** Joins and loads `id`; resolves false when it could not. `asked`: the page named this room. */
  private async follow(id: string, gen: number, asked = false): Promise<boolean> {
    const client = this.client!;
    let handle: Room;
    try {
      handle = await client.join(id);
    } catch (err) {
      if (asked && (err instanceof NotFoundError || err instanceof ForbiddenError)) {
        if (gen !== this.generation) return false;
        this.unavailable = id;
        this.hooks.error('room_unavailable', `the room "${id}" does not exist or this user may not join it (${err.code})`, true);
      } else {
        this.report(err);
      }
      return false;
    }
    if (gen !== this.generation || this.rooms.has(id)) return true;
    const view: RoomView = { id, summary: handle.summary, timeline: new Timeline(undefined, this.user?.id), typing: new Map(), members: undefined, unread: 0, handle };
    this.rooms.set(id, view);
    // The first sight of a room starts with everything read: a newcomer gets no backlog badge.
    if (this.markers && this.markers.get(id) === undefined) this.markers.set(id, handle.summary?.head ?? 0);
    await this.loadLatest(view);
    return true;
  }

  private async loadLatest(view: RoomView): Promise<void> {
    try {
      const page = await this.history(view, { limit: HISTORY_PAGE });
      view.timeline.addPage(page.events, page.more, false);
      this.recount(view);
      this.markRead(view);
    } catch (err) {
      this.report(err);
    }
    this.hooks.changed();
  }

  /** A history page: of one thread, or of the main timeline without thread replies where the server has threads. */
  private history(view: RoomView, options: { before?: number; limit: number; thread?: number }) {
    if (options.thread !== undefined) return view.handle.history(options);
    return view.handle.history(this.features.has('threads') ? { ...options, main: true } : options);
  }

  /** Reads the room's rules where the server has moderation (pins, slow mode, lock, own mute). */
  private async loadRules(view: RoomView): Promise<void> {
    if (!this.features.has('moderation')) return;
    try {
      view.rules = await view.handle.rules();
      this.hooks.changed();
    } catch (err) {
      this.report(err);
    }
  }

  private async loadMembers(view: RoomView): Promise<void> {
    try {
      // Online members first where the server pages them (a public room's guests who posted are members too).
      view.members = this.features.has('member_pages') ? (await view.handle.memberPage({ limit: 200 })).members : await view.handle.members();
      this.hooks.changed();
    } catch (err) {
      this.report(err);
    }
  }

  private listen(client: ChatClient): void {
    client.on('ring', (ring) => client === this.client && this.hooks.ring?.(ring, ring.call));
    client.on('ringEnd', ({ call }) => client === this.client && this.hooks.ring?.(null, call));
    client.on('state', ({ newState }) => {
      if (client !== this.client) return;
      this.setStatus(newState === 'connected' ? 'connected' : newState === 'reconnecting' ? 'reconnecting' : newState === 'connecting' ? 'connecting' : 'offline');
      // Presence may have changed while we were away from the server.
      if (newState === 'connected' && this.current) void this.loadMembers(this.current);
    });
    client.on('event', ({ room, event }) => {
      const view = this.rooms.get(room.id);
      if (!view || 'problem' in event) {
        // An event the SDK could not read only holds its seq's place: nothing to show.
        if (view) view.timeline.add(event);
        return;
      }
      // A moderator changed the room's rules (pins, slow mode, lock, a mute): read them again.
      if (event.kind === 'mod') void this.loadRules(view);
      const inThread = this.thread?.room === view && this.thread.timeline.add(event);
      if (!view.timeline.add(event) && !inThread) return;
      const own = event.by === this.user?.id;
      // A message ends its author's typing where it landed (the server sends `off` too; this is quicker).
      if (event.kind === 'msg') this.clearTyping(view, event.by, typeof event.data?.thread === 'number' ? event.data.thread : undefined);
      if (event.kind === 'msg' && event.data?.thread === undefined) {
        if (!own) {
          this.recount(view);
          this.hooks.message(view, event, false);
        }
        this.markRead(view);
      } else if (event.kind === 'room') {
        view.summary = room.summary;
      } else if (event.kind === 'commands') {
        view.commands = undefined;
      } else if (view.id === this.active) {
        void this.loadMembers(view);
      }
      this.hooks.changed();
    });
    client.on('typing', ({ room, user, name, on, thread }) => {
      const view = this.rooms.get(room.id);
      if (!view) return;
      if (on) this.setTyping(view, user, name, thread);
      else this.clearTyping(view, user, thread);
      this.hooks.changed();
    });
    client.on('presence', ({ room, user, state }) => {
      const member = this.rooms.get(room.id)?.members?.find((m) => m.user === user);
      if (member) member.state = state;
      this.hooks.changed();
    });
    client.on('profile', ({ room, user, name }) => {
      const member = this.rooms.get(room.id)?.members?.find((m) => m.user === user);
      if (member) member.name = name;
      if (user === this.user?.id) this.user = { ...this.user, name };
      this.hooks.changed();
    });
    client.on('reset', ({ room }) => {
      const view = this.rooms.get(room.id);
      if (!view) return;
      view.timeline.clear();
      void this.loadLatest(view);
      // The thread on screen missed the same events: load it again too.
      if (this.thread?.room === view) void this.openThread(view, this.thread.root);
    });
    client.on('restriction', ({ room, action, until }) => {
      const view = this.rooms.get(room.id);
      if (!view) return;
      if (view.rules) view.rules = { ...view.rules, mutedUntil: action === 'mute' ? (until ?? Number.MAX_SAFE_INTEGER) : action === 'unmute' ? undefined : view.rules.mutedUntil };
      if (action === 'kick' || action === 'ban') this.hooks.error(action === 'ban' ? 'banned' : 'kicked', `removed from ${room.id} by a moderator`);
      this.hooks.changed();
      void this.loadRules(view);
    });
    client.on('ephemeral', ({ room, message }) => {
      const view = this.rooms.get(room.id);
      if (!view) return;
      (view.ephemeral ??= []).push(message);
      this.hooks.changed();
    });
    const streamsChanged = ({ room }: { room: Room }) => {
      const view = this.rooms.get(room.id);
      if (!view) return;
      view.streams = room.streams;
      this.hooks.changed();
    };
    client.on('stream', streamsChanged);
    client.on('streamEnd', streamsChanged);
    client.on('added', ({ roomId }) => {
      void this.follow(roomId, this.generation).then(() => this.hooks.changed());
    });
    client.on('error', ({ error }) => this.report(error));
    // The server's counts (feature `unread`): a read on another device clears the badge here too.
    client.rooms.on('change', ({ state }) => {
      const view = this.rooms.get(state.roomId);
      if (view && client === this.client) this.setUnread(view, state.unread);
    });
    client.rooms.on('receipt', () => this.hooks.changed());
    client.rooms.on('error', ({ error }) => this.report(error));
  }

  private setTyping(view: RoomView, user: string, name: string, thread: number | undefined): void {
    let names = view.typing.get(thread);
    if (!names) view.typing.set(thread, (names = new Map()));
    names.set(user, name);
    const key = `${view.id}\n${thread ?? ''}\n${user}`;
    clearTimeout(this.typingTimers.get(key));
    // The server also sends `off`; this only guards against a lost one (e.g. across a reconnect).
    const ttl = this.client?.limits?.typingTtlMs || 6000;
    this.typingTimers.set(key, setTimeout(() => {
      this.clearTyping(view, user, thread);
      this.hooks.changed();
    }, ttl));
  }

  private clearTyping(view: RoomView, user: string, thread: number | undefined): void {
    const names = view.typing.get(thread);
    names?.delete(user);
    if (names?.size === 0) view.typing.delete(thread);
    const key = `${view.id}\n${thread ?? ''}\n${user}`;
    clearTimeout(this.typingTimers.get(key));
    this.typingTimers.delete(key);
  }

  private recount(view: RoomView): void {
    if (this.features.has('unread')) return this.setUnread(view, view.handle.unread);
    const marker = this.markers?.get(view.id) ?? view.timeline.lastSeq;
    this.setUnread(view, view.timeline.unreadAfter(marker, this.user?.id));
  }

  private setUnread(view: RoomView, unread: number): void {
    if (view.unread === unread) return;
    view.unread = unread;
    this.hooks.unread(view, this.totalUnread);
  }

  private setStatus(status: LinkState): void {
    if (this.status === status) return;
    this.status = status;
    this.hooks.changed();
  }

  private report(err: unknown): void {
    const e = err as Partial<ParleyError>;
    this.hooks.error(typeof e?.code === 'string' ? e.code : 'error', typeof e?.message === 'string' ? e.message : String(err));
  }
}
