#!/usr/bin/env node
// `parley bots …`: bot accounts from the command line, against the store the server's environment names
// (DATABASE_URL, or the embedded store in PARLEY_DATA_DIR while no server has it open). ADR 0017.
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { BotAdminError, BotRegistry, type IssuedKey } from './bots/registry.js';
import { ConfigError, loadConfig } from './config.js';
import { openStore } from './store/index.js';

const USAGE = `usage:
  parley bots create <name> --rooms <room>[,<room>…] [--scopes moderate]
                                                      create a bot and its first key (shown once)
  parley bots list                                    bots and their keys (never the secrets)
  parley bots key <bot-id> --rooms <room>[,…] [--scopes moderate]
                                                      another key for a bot (moderate: it may be a room's moderation hook)
  parley bots rotate <bot-id> <key-id>                a new key with the same rooms; the old one stops working
  parley bots revoke <bot-id> <key-id>                the key stops working
Storage comes from the server's environment: DATABASE_URL (and PARLEY_DB_SCHEMA), else PARLEY_DATA_DIR.`;

/** Runs one command; returns the exit code. Output goes through `out` (stdout) and `err` (stderr). */
export async function runCli(args: readonly string[], env: NodeJS.ProcessEnv, out: (line: string) => void, err: (line: string) => void): Promise<number> {
  const [group, command, ...rest] = args;
  if (group !== 'bots' || !command || command === 'help') {
    (group === undefined || command === 'help' ? out : err)(USAGE);
    return group === undefined || command === 'help' ? 0 : 2;
  }
  const rooms = listFlag(rest, '--rooms');
  const scopes = listFlag(rest, '--scopes') ?? [];
  const flags = new Set(['--rooms', '--scopes']);
  const positional = rest.filter((a, i) => !flags.has(a) && !flags.has(rest[i - 1] ?? ''));
  let config;
  try {
    config = loadConfig(env, []);
  } catch (e) {
    if (e instanceof ConfigError) {
      err(`parley: ${e.message}`);
      return 2;
    }
    throw e;
  }
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, schema: config.dbSchema });
  const bots = new BotRegistry(store.sql);
  try {
    switch (command) {
      case 'create': {
        if (positional.length !== 1 || !rooms) return usageError(err);
        const { bot, key } = await bots.create(positional[0]!, rooms, scopes);
        out(`created ${bot.name} (user id ${bot.id})`);
        printKey(out, key);
        return 0;
      }
      case 'list': {
        for (const b of await bots.list()) {
          out(`${b.id}  ${b.name}  created ${b.createdAt}`);
          for (const k of b.keys) out(`  key ${k.id}  rooms ${k.rooms.join(',')}${k.scopes.length ? `  scopes ${k.scopes.join(',')}` : ''}  ${k.revoked ? 'revoked' : 'live'}`);
        }
        return 0;
      }
      case 'key': {
        if (positional.length !== 1 || !rooms) return usageError(err);
        printKey(out, await bots.addKey(positional[0]!, rooms, scopes));
        return 0;
      }
      case 'rotate': {
        if (positional.length !== 2) return usageError(err);
        printKey(out, await bots.rotate(positional[0]!, positional[1]!));
        out(`key ${positional[1]} is revoked`);
        return 0;
      }
      case 'revoke': {
        if (positional.length !== 2) return usageError(err);
        await bots.revoke(positional[0]!, positional[1]!);
        out(`key ${positional[1]} is revoked`);
        return 0;
      }
      default:
        return usageError(err);
    }
  } catch (e) {
    if (e instanceof BotAdminError) {
      err(`parley: ${e.message}`);
      return 1;
    }
    throw e;
  } finally {
    await store.close();
  }
}

function listFlag(args: readonly string[], flag: string): string[] | undefined {
  const i = args.indexOf(flag);
  const value = i >= 0 ? args[i + 1] : undefined;
  return value ? value.split(',').map((r) => r.trim()).filter(Boolean) : undefined;
}

function printKey(out: (line: string) => void, key: IssuedKey): void {
  out(`key ${key.id} for rooms ${key.rooms.join(',')}${key.scopes.length ? ` with scopes ${key.scopes.join(',')}` : ''} (shown once; store it as the bot's secret):`);
  out(key.key);
}

function usageError(err: (line: string) => void): number {
  err(USAGE);
  return 2;
}

// Run directly or through the `parley` bin link (a symlink: compared by real path).
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  const code = await runCli(process.argv.slice(2), process.env, (l) => process.stdout.write(l + '\n'), (l) => process.stderr.write(l + '\n'));
  process.exit(code);
}
