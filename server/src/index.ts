// Public API of @parley/server for embedding a node in another program and for tests.
export { startServer } from './server.js';
export { loadConfig, configWith, helpText, OPTIONS, ConfigError } from './config.js';
export { StartupError, ListenError, DatabaseStartError } from './startup-errors.js';
export { createLogger, silentLogger } from './log.js';
export { openStore, StoreUnavailableError, RoomNotFoundError } from './store/index.js';
export { LocalBroker } from './broker/local.js';
export { DEMO_CSP, DEFAULT_WIDGET_DIR } from './http/site.js';
export { RedisBroker } from './broker/redis.js';
export { RedisPresence } from './broker/redis-presence.js';
export { loadUws } from './transport/uws-binary.js';
export { iceFor, turnCredential } from './core/ice.js';
export { noteMentions } from './core/user-log.js';

export type { ParleyServer, StartOptions } from './server.js';
export type { Config } from './config.js';
export type { Logger } from './log.js';
export type { Store } from './store/index.js';
export type { Broker, BrokerStats } from './broker/broker.js';
export type { RedisBrokerOptions } from './broker/redis.js';
export type { LocalPresence, PresenceDirectory } from './core/presence-directory.js';
export type { Uws } from './transport/uws-binary.js';
