// Structured logging: JSON lines on stderr through pino, behind Parley's small Logger interface so that
// callers never depend on pino. No per-message logging on hot paths: log events, not traffic.
import pino from 'pino';

export const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type Level = (typeof LEVELS)[number];

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** A logger whose every line also carries `fields` (component, session, user...). */
  child(fields: Record<string, unknown>): Logger;
}

export function isLevel(value: string): value is Level {
  return (LEVELS as readonly string[]).includes(value);
}

export interface LoggerOptions {
  /** Lowest level written. Default: PARLEY_LOG_LEVEL, else `info` (an unknown value also means `info`). */
  level?: Level;
  /** File descriptor written to. Default 2 (stderr). */
  fd?: number;
}

/**
 * A logger writing one JSON object per line: `level` (name), `time` (ISO 8601), `pid`, `hostname`,
 * `msg`, then the fields. An `err` field is serialised with its type, message and stack.
 */
export function createLogger(options: LoggerOptions | Level = {}): Logger {
  const opts = typeof options === 'string' ? { level: options } : options;
  const fromEnv = process.env.PARLEY_LOG_LEVEL ?? '';
  const level = opts.level ?? (isLevel(fromEnv) ? fromEnv : 'info');
  // Synchronous writes: log volume is low (no per-message lines) and nothing is lost on process.exit.
  const destination = pino.destination({ dest: opts.fd ?? 2, sync: true });
  const root = pino(
    {
      level,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  return wrap(root);
}

function wrap(p: pino.Logger): Logger {
  return {
    debug: (msg, fields) => (fields ? p.debug(fields, msg) : p.debug(msg)),
    info: (msg, fields) => (fields ? p.info(fields, msg) : p.info(msg)),
    warn: (msg, fields) => (fields ? p.warn(fields, msg) : p.warn(msg)),
    error: (msg, fields) => (fields ? p.error(fields, msg) : p.error(msg)),
    child: (fields) => wrap(p.child(fields)),
  };
}

/** A logger that discards everything (tests). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silentLogger };
