#!/usr/bin/env node
// Command-line entry: configuration from env and flags, start, print where it listens, drain on SIGTERM.
import { ConfigError, helpText, loadConfig } from './config.js';
import { createLogger } from './log.js';
import { startServer } from './server.js';
import { StartupError } from './startup-errors.js';

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(helpText() + '\n');
  process.exit(0);
}

let log = createLogger();
try {
  const config = loadConfig(process.env, args);
  log = createLogger({ level: config.logLevel });
  const started = Date.now();
  const server = await startServer(config, { log });
  const where = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const store = config.databaseUrl ? 'PostgreSQL' : `embedded PGlite in ${config.dataDir}`;
  const [http, ws] = server.secure ? ['https', 'wss'] : ['http', 'ws'];
  log.info('listening', { port: server.port, tls: server.secure, store: config.databaseUrl ? 'postgres' : 'pglite', broker: config.redisUrl ? 'redis' : 'local' });
  process.stdout.write(
    `Parley listening on ${http}://${where}:${server.port}  (WebSocket ${ws}://${where}:${server.port}/ws, store: ${store}, ready in ${Date.now() - started} ms)\n`,
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('draining', { signal, drainDelayMs: config.drainDelayMs, drainTimeoutMs: config.drainTimeoutMs });
    server.close().then(
      () => {
        log.info('stopped', { signal });
        process.exit(0);
      },
      (err: unknown) => {
        log.error('drain failed', { err });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
} catch (err) {
  // Configuration mistakes (bad values, unreadable or mismatched files) and failures in the
  // environment (a port taken, a database down) get one clear line; the stack only at debug level.
  if (err instanceof ConfigError || err instanceof StartupError) {
    log.debug('failed to start', { err });
    process.stderr.write(`parley: ${err.message}\n`);
    process.exit(err instanceof ConfigError ? 2 : 1);
  }
  log.error('failed to start', { err });
  process.exit(1);
}
