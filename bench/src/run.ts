#!/usr/bin/env node
// `npm run bench` entry: runs the scenarios (quick by default, --full for the documented run), writes
// bench/results/<timestamp>.json and regenerates docs/benchmarks.md and docs/benchmarks.svg from it.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasTaskset } from './launch.js';
import { describeMachine } from './machine.js';
import { runReactionStorm } from './reaction-storm.js';
import { runReceiptStorm } from './receipt-storm.js';
import { runStreamReply } from './stream-reply.js';
import { runUploads, type UploadsOptions } from './uploads.js';
import { writeReport, type BenchReport } from './report/write.js';
import { Mode, scenarios } from './scenarios.js';
import { parleyHasRedis, runSuite } from './suite.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The `--only` name of the reaction storm, which runs after the peer scenarios. */
const REACTION_STORM = 'reaction-storm';
/** The `--only` name of the receipt storm, which runs after the reaction storm. */
const RECEIPT_STORM = 'receipt-storm';
/** The `--only` name of the streamed reply against separate messages, which runs last. */
const STREAM_REPLY = 'stream';
/** The `--only` name of the uploads measurement (the server's memory during a large upload, pings during image uploads), which runs last. */
const UPLOADS = 'uploads';

const UPLOAD_SIZES: Record<Mode, UploadsOptions> = {
  tiny: { bigMb: 8, images: 2, pingers: 4, seconds: 1, rounds: 1, photo: { width: 800, height: 600 } },
  quick: { bigMb: 256, images: 20, pingers: 20, seconds: 5, rounds: 3, photo: { width: 4000, height: 3000 } },
  full: { bigMb: 1024, images: 20, pingers: 20, seconds: 10, rounds: 3, photo: { width: 4000, height: 3000 } },
};

export interface RunOptions {
  mode: Mode;
  /** Scenario ids to run (default: all). */
  only?: string[];
  /** Peers to run (default: every peer of each scenario), e.g. to profile one server. */
  peers?: string[];
  /** Where the JSON goes (default bench/results). */
  resultsDir?: string;
  /** Where the markdown and chart go (default docs); null: do not write them. */
  docsDir?: string | null;
  command?: string;
  log?: (line: string) => void;
}

export async function runBench(options: RunOptions): Promise<{ report: BenchReport; file: string }> {
  const log = options.log ?? ((line: string) => process.stdout.write(line + '\n'));
  const chosen = scenarios(options.mode)
    .filter((s) => !options.only || options.only.includes(s.id))
    .map((s) => (options.peers ? { ...s, peers: s.peers.filter((p) => options.peers!.includes(p)) } : s))
    .filter((s) => s.peers.length > 0);
  const machine = describeMachine();
  const startedAt = new Date();
  log(`parley bench (${options.mode}): ${chosen.length} scenarios; load average ${machine.loadavgBefore.map((n) => n.toFixed(2)).join(' ')}`);
  if (!hasTaskset) log('!! taskset is not available: server and load generator are NOT pinned to separate cores');
  const results = await runSuite({
    mode: options.mode,
    scenarios: chosen,
    databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    log,
  });
  // Parley alone (no peer has reactions): its CPU per delivery for reactions against messages.
  let reactionStorm: BenchReport['reactionStorm'];
  if (!options.only || options.only.includes(REACTION_STORM)) {
    const members = options.mode === Mode.Full ? 1000 : options.mode === Mode.Quick ? 500 : 100;
    log(`${REACTION_STORM}: ${members} members, one message each, then one reaction each`);
    try {
      reactionStorm = await runReactionStorm({ members, seconds: 1, databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' });
      log(`${REACTION_STORM}: reactions cost ${reactionStorm.ratio.toFixed(2)}× the server CPU per delivery of messages`);
    } catch (err) {
      reactionStorm = { error: (err as Error).message };
      log(`${REACTION_STORM} failed: ${(err as Error).message}`);
    }
  }
  // Parley alone: a thousand reads of one message against a thousand messages, server CPU per phase.
  let receiptStorm: BenchReport['receiptStorm'];
  if (!options.only || options.only.includes(RECEIPT_STORM)) {
    const members = options.mode === Mode.Full ? 1000 : options.mode === Mode.Quick ? 500 : 100;
    log(`${RECEIPT_STORM}: ${members} members, one message each, then each reads the last one`);
    try {
      receiptStorm = await runReceiptStorm({ members, seconds: 1, databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' });
      log(`${RECEIPT_STORM}: reads cost ${receiptStorm.ratio.toFixed(2)}× the server CPU of messages`);
    } catch (err) {
      receiptStorm = { error: (err as Error).message };
      log(`${RECEIPT_STORM} failed: ${(err as Error).message}`);
    }
  }
  // Parley alone: a bot's reply streamed, against the same reply as separate messages (issue 14).
  let streamReply: BenchReport['streamReply'];
  if (!options.only || options.only.includes(STREAM_REPLY)) {
    const members = options.mode === Mode.Tiny ? 100 : 1000;
    const tokens = options.mode === Mode.Tiny ? 200 : 2000;
    log(`${STREAM_REPLY}: a ${tokens}-token reply at 50 tokens/s to ${members} members, streamed and as separate messages`);
    try {
      streamReply = await runStreamReply({ members, tokens, rate: 50, databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' });
      log(`${STREAM_REPLY}: the stream cost ${streamReply.ratio.toFixed(2)}× the server CPU of separate messages`);
    } catch (err) {
      streamReply = { error: (err as Error).message };
      log(`${STREAM_REPLY} failed: ${(err as Error).message}`);
    }
  }
  // Parley alone: memory during a large upload, and WebSocket pings during concurrent image uploads (issue 13).
  let uploads: BenchReport['uploads'];
  if (!options.only || options.only.includes(UPLOADS)) {
    const size = UPLOAD_SIZES[options.mode];
    log(`${UPLOADS}: one ${size.bigMb} MiB upload, then ${size.pingers} pinging connections without and with ${size.images} image uploads at once (rounds: ${size.rounds})`);
    try {
      uploads = await runUploads(size);
      log(`${UPLOADS}: ping p99 with image uploads ${uploads.ratio.toFixed(2)}× without (median of ${uploads.rounds.length})`);
    } catch (err) {
      uploads = { error: (err as Error).message };
      log(`${UPLOADS} failed: ${(err as Error).message}`);
    }
  }
  machine.loadavgAfter = os.loadavg();
  const report: BenchReport = {
    version: 1,
    mode: options.mode,
    command: options.command ?? `npm run bench${options.mode === Mode.Full ? ' -- --full' : ''}`,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    pinned: hasTaskset,
    parleyHasRedis,
    machine,
    scenarios: chosen.map((s) => ({ id: s.id, title: s.title, kind: s.kind, peers: s.peers, nodes: s.nodes })),
    results,
    ...(reactionStorm ? { reactionStorm } : {}),
    ...(receiptStorm ? { receiptStorm } : {}),
    ...(streamReply ? { streamReply } : {}),
    ...(uploads ? { uploads } : {}),
  };
  const resultsDir = options.resultsDir ?? join(ROOT, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
  log(`results: ${file}`);
  if (options.docsDir !== null) {
    const written = writeReport(report, options.docsDir ?? join(ROOT, 'docs'), file);
    log(`report: ${written.join(', ')}`);
  }
  return { report, file };
}

function parseArgs(argv: string[]): RunOptions {
  const mode = argv.includes('--full') ? Mode.Full : argv.includes('--tiny') ? Mode.Tiny : Mode.Quick;
  const onlyArg = argv.find((a) => a.startsWith('--only='));
  const options: RunOptions = { mode, command: `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}` };
  if (onlyArg) options.only = onlyArg.slice('--only='.length).split(',');
  const peersArg = argv.find((a) => a.startsWith('--peers='));
  if (peersArg) options.peers = peersArg.slice('--peers='.length).split(',');
  if (argv.includes('--no-docs')) options.docsDir = null;
  const value = (name: string) => argv.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
  const resultsDir = value('--results-dir');
  const docsDir = value('--docs-dir');
  if (resultsDir) options.resultsDir = resultsDir;
  if (docsDir) options.docsDir = docsDir;
  return options;
}

/** `--report=<results.json>`: regenerates the docs (into --docs-dir, default docs) from an earlier run without running anything. */
function rerender(file: string, docsDir: string): void {
  const report = JSON.parse(readFileSync(file, 'utf8')) as BenchReport;
  process.stdout.write(`report: ${writeReport(report, docsDir, file).join(', ')}\n`);
}

const reportArg = process.argv.find((a) => a.startsWith('--report='));
if (reportArg) {
  const docsDir = process.argv.find((a) => a.startsWith('--docs-dir='))?.slice('--docs-dir='.length);
  rerender(reportArg.slice('--report='.length), docsDir ?? join(ROOT, 'docs'));
} else if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  runBench(parseArgs(process.argv.slice(2))).then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}
