// Presence over several nodes in Redis. Per user, a hash of node id -> that node's view (state,
// rooms, name); per node, the set of its users and a heart-beat key that expires after `ttlMs`.
// Every node heart-beats every ttl/3; a node whose key expired is gone (kill -9, partition): the
// first node to notice claims it, removes its entries and announces the resulting states. A node is
// in the node set before any entry of its own: every write of an entry registers it too.
import { PresenceState } from '@parley/sdk/protocol';
import { randomBytes } from 'node:crypto';
import type { createClient } from 'redis';
import type { LocalPresence, PresenceDirectory } from '../core/presence-directory.js';
import type { Logger } from '../log.js';

type Client = ReturnType<typeof createClient>;

export interface RedisPresenceOptions {
  /** A connection in normal (not pub/sub) mode, failing fast while disconnected. */
  client: Client;
  prefix: string;
  /** A node silent this long is gone, ms. */
  ttlMs: number;
  log: Logger;
  /** Announces a user's state in a room (used for users of a gone node). */
  announce(room: string, user: string, name: string, state: PresenceState): void;
  /** This node's view of every user it has, to write back after Redis lost it. */
  snapshot(): Iterable<[string, LocalPresence]>;
  /** Called after this node's entries were written back: other nodes may have announced its users offline. */
  rewritten(): void;
  /** This node's id (default: a random one). */
  nodeId?: string;
  /** Called on the one node that cleaned up after `node` was found gone. */
  gone?(node: string): void;
}

interface Entry {
  s: PresenceState;
  r: readonly string[];
  n: string;
}

const RANK: Record<PresenceState, number> = { offline: 0, away: 1, online: 2 };

export class RedisPresence implements PresenceDirectory {
  readonly nodeId: string;
  private readonly client: Client;
  private readonly keys: { nodes: string; alive: (n: string) => string; user: (u: string) => string; users: (n: string) => string };
  private readonly timer: ReturnType<typeof setInterval>;
  /** Nodes found gone at the last heart-beat: their entries are ignored until removed. */
  private gone = new Set<string>();
  /** A write failed: this node's entries in Redis may be stale; rewrite them at the next heart-beat. */
  private dirty = true;
  private beating: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly options: RedisPresenceOptions) {
    this.nodeId = options.nodeId ?? randomBytes(8).toString('hex');
    this.client = options.client;
    const p = options.prefix;
    this.keys = {
      nodes: `${p}presence:nodes`,
      alive: (n) => `${p}presence:alive:${n}`,
      user: (u) => `${p}presence:user:${u}`,
      users: (n) => `${p}presence:node:${n}`,
    };
    this.timer = setInterval(() => void this.heartbeat(), Math.max(100, Math.floor(options.ttlMs / 3)));
    this.timer.unref();
    // Registered as soon as Redis answers, not a heart-beat interval later.
    if (this.client.isReady) void this.heartbeat();
    else this.client.once('ready', () => void this.heartbeat());
  }

  async update(user: string, local: LocalPresence, rooms: readonly string[]): Promise<Map<string, PresenceState>> {
    const key = this.keys.user(user);
    try {
      const multi = this.client.multi();
      // In the same transaction as the entry: a node killed before its first heart-beat is still in
      // the node set, so another node finds it gone and clears its users. NX: a key that was missing
      // (Redis lost it, or this node was declared gone) also means the rest of this node's entries
      // need writing back, which `dirty` asks of the next heart-beat.
      multi.set(this.keys.alive(this.nodeId), String(Date.now()), { PX: this.options.ttlMs, NX: true }).sAdd(this.keys.nodes, this.nodeId);
      if (local.state === PresenceState.Offline) {
        multi.hDel(key, this.nodeId).sRem(this.keys.users(this.nodeId), user);
      } else {
        multi.hSet(key, this.nodeId, JSON.stringify({ s: local.state, r: local.rooms, n: local.name } satisfies Entry));
        multi.sAdd(this.keys.users(this.nodeId), user);
      }
      multi.hGetAll(key);
      const replies = await this.timed(multi.exec());
      if (replies[0] !== null) this.dirty = true;
      const all = replies[4] as unknown as Record<string, string>;
      return new Map(rooms.map((room) => [room, this.best(all, room)]));
    } catch (err) {
      this.dirty = true;
      this.options.log.debug('presence: redis unavailable, answering from this node', { err });
      return new Map(rooms.map((room) => [room, local.rooms.includes(room) ? local.state : PresenceState.Offline]));
    }
  }

  async states(users: readonly string[], fallback: (user: string) => PresenceState): Promise<Map<string, PresenceState>> {
    if (users.length === 0) return new Map();
    try {
      const multi = this.client.multi();
      for (const u of users) multi.hGetAll(this.keys.user(u));
      const replies = (await this.timed(multi.exec())) as unknown as Record<string, string>[];
      return new Map(users.map((u, i) => [u, this.best(replies[i] ?? {}, undefined)]));
    } catch {
      return new Map(users.map((u) => [u, fallback(u)]));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.beating;
    if (!this.client.isReady) return;
    try {
      const users = await this.client.sMembers(this.keys.users(this.nodeId));
      const multi = this.client.multi();
      for (const u of users) multi.hDel(this.keys.user(u), this.nodeId);
      multi.del([this.keys.users(this.nodeId), this.keys.alive(this.nodeId)]).sRem(this.keys.nodes, this.nodeId);
      await multi.exec();
    } catch (err) {
      this.options.log.debug('presence: could not remove this node\'s entries', { err });
    }
  }

  /** Rejects when Redis does not answer within a heart-beat: a hung connection must not hold up announcements or members lists. */
  private timed<T>(p: Promise<T>): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('redis did not answer in time')), Math.max(100, this.options.ttlMs / 3));
    });
    return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
  }

  /** The best state over live nodes' entries; with `room`, only entries following that room. */
  private best(all: Record<string, string>, room: string | undefined): PresenceState {
    let state: PresenceState = PresenceState.Offline;
    for (const [node, raw] of Object.entries(all)) {
      if (this.gone.has(node)) continue;
      const entry = parseEntry(raw);
      if (!entry || (room !== undefined && !entry.r.includes(room))) continue;
      if (RANK[entry.s] > RANK[state]) state = entry.s;
    }
    return state;
  }

  private heartbeat(): Promise<void> {
    this.beating ??= this.beat().finally(() => (this.beating = undefined));
    return this.beating;
  }

  private async beat(): Promise<void> {
    if (this.closed || !this.client.isReady) return;
    const { client, keys, nodeId } = this;
    try {
      // XX: refreshes only an existing key. Missing means Redis lost it (restart) or another node
      // declared this one gone: either way, write everything back.
      const refreshed = await client.set(keys.alive(nodeId), String(Date.now()), { PX: this.options.ttlMs, XX: true });
      if (refreshed === null || this.dirty) await this.rewrite();
      await this.sweep();
    } catch (err) {
      this.options.log.debug('presence: heart-beat failed', { err });
    }
  }

  private async rewrite(): Promise<void> {
    const { client, keys, nodeId } = this;
    const stale = new Set(await client.sMembers(keys.users(nodeId)));
    const multi = client.multi();
    for (const [user, local] of this.options.snapshot()) {
      stale.delete(user);
      multi.hSet(keys.user(user), nodeId, JSON.stringify({ s: local.state, r: local.rooms, n: local.name } satisfies Entry));
      multi.sAdd(keys.users(nodeId), user);
    }
    for (const user of stale) multi.hDel(keys.user(user), nodeId).sRem(keys.users(nodeId), user);
    multi.set(keys.alive(nodeId), String(Date.now()), { PX: this.options.ttlMs }).sAdd(keys.nodes, nodeId);
    await multi.exec();
    this.dirty = false;
    this.options.rewritten();
  }

  /** Finds gone nodes; removes the entries of those this node claims, announcing what changed. */
  private async sweep(): Promise<void> {
    const { client, keys, nodeId } = this;
    const nodes = (await client.sMembers(keys.nodes)).filter((n) => n !== nodeId);
    if (nodes.length === 0) return void (this.gone = new Set());
    const alive = await Promise.all(nodes.map((n) => client.exists(keys.alive(n)))); // one round trip: auto-pipelined
    this.gone = new Set(nodes.filter((_, i) => alive[i] === 0));
    for (const node of this.gone) {
      // SREM answers 1 to exactly one node: the one that cleans up.
      if ((await client.sRem(keys.nodes, node)) === 1) {
        await this.removeGone(node);
        this.options.gone?.(node);
      }
    }
  }

  private async removeGone(node: string): Promise<void> {
    const { client, keys } = this;
    const users = await client.sMembers(keys.users(node));
    this.options.log.info('presence: node gone, removing its users', { node, users: users.length });
    for (const user of users) {
      const multi = client.multi().hGet(keys.user(user), node).hDel(keys.user(user), node).hGetAll(keys.user(user));
      const [raw, , rest] = (await multi.exec()) as unknown as [string | null, number, Record<string, string>];
      const entry = raw ? parseEntry(raw) : undefined;
      if (!entry) continue;
      for (const room of entry.r) this.options.announce(room, user, entry.n, this.best(rest, room));
    }
    await client.del(keys.users(node));
  }
}

function parseEntry(raw: string): Entry | undefined {
  try {
    const e = JSON.parse(raw) as Entry;
    return typeof e.s === 'string' && Array.isArray(e.r) ? e : undefined;
  } catch {
    return undefined;
  }
}
