// Server configuration from environment variables and command-line flags (flags win), with defaults.
// OPTIONS is the single table of every setting; README's configuration table is checked against it.
import { RoomIdShape } from '@parley/sdk/protocol';
import { isIP } from 'node:net';
import { isLevel, LEVELS, type Level } from './log.js';
import { unknownVariables, withSuggestion } from './unknown-options.js';

export interface Config {
  host: string;
  port: number;
  reusePort: boolean;
  databaseUrl: string | undefined;
  dataDir: string;
  dbSchema: string;
  /** PostgreSQL: append batches in flight at once, pipelined on one connection. */
  dbPipeline: number;
  /** Embedded store: PostgreSQL's page cache inside the process (`shared_buffers`). */
  pgliteSharedBuffers: string;
  redisUrl: string | undefined;
  redisPrefix: string;
  catchUpMs: number;
  presenceTtlMs: number;
  jwtSecret: string | undefined;
  jwtPublicKey: string | undefined;
  jwtAlgorithms: ('HS256' | 'RS256' | 'ES256')[] | undefined;
  jwtAudience: string | undefined;
  jwtIssuer: string | undefined;
  jwtClockTolerance: number;
  guests: boolean | undefined;
  guestSecret: string | undefined;
  guestTtl: number;
  origins: string[] | undefined;
  publicUrls: string[];
  rooms: string[];
  sendRate: number;
  frameRate: number;
  roomsPerUser: number;
  roomsPerGuest: number;
  roomCreateRate: number;
  connectionsPerIp: number;
  connectionsPerUser: number;
  /** Work units per second one connection may spend outside messages (core/work-cost.ts). */
  workRate: number;
  workBurst: number;
  /** Requests one connection may have in progress at once. */
  maxPending: number;
  /** Searches per second one connection may make (burst: twice that). */
  searchRate: number;
  /** Language of search: `simple` or a stemmer's (store/search-language.ts). */
  searchLanguage: string;
  maxBackpressure: number;
  resumeLimit: number;
  /** How long after sending a message its author may edit it, ms. */
  editWindowMs: number;
  /** Streamed replies: shortest time between two fan-outs of a stream's new text, ms. */
  streamFlushMs: number;
  /** Streamed replies: a stream without new text this long is ended and stored, ms. */
  streamIdleMs: number;
  /** Streamed replies: `stream_write` frames per second per stream (burst: twice that). */
  streamWriteRate: number;
  /** Rooms with at most this many members show their members each other's read positions. */
  receiptRoomSize: number;
  typingTtlMs: number;
  awayAfterMs: number;
  helloTimeoutMs: number;
  idleTimeout: number;
  /** Rooms with at most this many members may have calls (direct rooms always may). */
  callRoomSize: number;
  /** Most connections in one call (a mesh). */
  maxCallParticipants: number;
  /** How long a call rings before it is missed, ms. */
  ringTimeoutMs: number;
  /** How long a connection that dropped out of a call has to come back, ms. */
  callReconnectMs: number;
  /** `call_signal` frames per second one connection may send (burst: twice that). */
  signalRate: number;
  /** STUN server URLs handed to callers. */
  stunUrls: string[];
  /** TURN server URLs; credentials are minted per call with `turnSecret` (the TURN REST API scheme). */
  turnUrls: string[];
  turnSecret: string | undefined;
  /** Lifetime of minted TURN credentials, seconds. */
  turnTtl: number;
  drainTimeoutMs: number;
  widgetDir: string | undefined;
  drainDelayMs: number;
  logLevel: Level;
  metricsToken: string | undefined;
  /** Users who are server admins (besides tokens with the `parley_admin` claim). */
  admins: string[];
  /** Bearer token of the admin HTTP APIs (/admin/api and /v1/admin/bots); unset: /admin/api takes only admin JWTs and the bot API is off. */
  adminToken: string | undefined;
  /** Words every room's filter blocks, besides the room's own. */
  filterWords: string[];
  /** Flood protection: messages one guest may send in one public room within floodWindowMs (0: off). */
  floodMessages: number;
  floodWindowMs: number;
  /** How long flood protection mutes, ms. */
  floodMuteMs: number;
  /** A guest may post links in public rooms only this long after first signing in, ms (0: always). */
  guestLinkDelayMs: number;
  /** Longest voice message, ms (`limits.maxVoiceMs`, protocol section 25). */
  maxVoiceMs: number;
  tlsCert: string | undefined;
  tlsKey: string | undefined;
  tlsPassphrase: string | undefined;
  trustedProxies: string[];
  outboundAllow: string[];
  outboundCa: string | undefined;
  vapidSubject: string | undefined;
  linkPreviews: boolean;
  /** Attempts of an outgoing webhook delivery before it is kept as dead. */
  webhookAttempts: number;
  /** Wait before an outgoing webhook's second attempt, ms; doubled for each further one, with jitter. */
  webhookRetryMs: number;
  /** Time limit of one outgoing webhook attempt, ms. */
  webhookTimeoutMs: number;
  /** Messages one incoming webhook (or one bot key over HTTP) may post per second; bursts of 10x. */
  hookRate: number;
  /** Longest time budget a room's moderation hook may be given, ms. */
  moderationHookMaxMs: number;
  /** Blob storage of uploaded files: `local` (a directory) or `s3` (any S3-compatible service). */
  fileStore: 'local' | 's3';
  /** Directory of the local blob store; default `<dataDir>/files`. */
  fileDir: string | undefined;
  s3Bucket: string | undefined;
  s3Region: string;
  s3Endpoint: string | undefined;
  s3PathStyle: boolean;
  s3AccessKey: string | undefined;
  s3SecretKey: string | undefined;
  /** Largest upload, bytes (0: uploads off). */
  uploadMaxBytes: number;
  uploadQuotaBytes: number;
  uploadsPerMinute: number;
  uploadTtlMs: number;
  uploadTypes: string[];
  uploadRefusedTypes: string[];
  maxImagePixels: number;
  /** CPUs the image process may run on (a taskset list); undefined: wherever the server may. */
  imageCpus: string | undefined;
  /** Lifetime of signed download URLs, ms. */
  fileUrlTtlMs: number;
}

type Parser<T> = (raw: string, name: string) => T;

interface Option<K extends keyof Config> {
  key: K;
  env: string;
  flag: string;
  default: Config[K];
  parse: Parser<Config[K]>;
  doc: string;
}

const str: Parser<string> = (raw) => raw;
const optStr: Parser<string | undefined> = (raw) => (raw === '' ? undefined : raw);
const cpuList: Parser<string | undefined> = (raw, name) => {
  if (raw === '') return undefined;
  if (!/^\d{1,4}(-\d{1,4})?(,\d{1,4}(-\d{1,4})?)*$/.test(raw)) throw new ConfigError(`${name} must be a CPU list such as 1, 2-3 or 0,2, got "${raw}"`);
  return raw;
};
const list: Parser<string[]> = (raw) => raw.split(',').map((s) => s.trim()).filter(Boolean);
const optList: Parser<string[] | undefined> = (raw) => (raw.trim() === '' || raw.trim() === '*' ? undefined : list(raw, ''));
const bool: Parser<boolean> = (raw, name) => {
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
};
function int(min: number, max: number): Parser<number> {
  return (raw, name) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${name} must be an integer in ${min}..${max}, got "${raw}"`);
    return n;
  };
}
const algorithms: Parser<Config['jwtAlgorithms']> = (raw, name) => {
  const algs = list(raw, name);
  for (const a of algs) if (a !== 'HS256' && a !== 'RS256' && a !== 'ES256') throw new ConfigError(`${name}: unsupported algorithm "${a}" (HS256, RS256, ES256)`);
  return algs.length ? (algs as Config['jwtAlgorithms']) : undefined;
};

/** A service URL with one of `schemes` (unset when empty). Values are never repeated: they may hold a password. */
function serviceUrl(schemes: readonly [string, string], example: string, needsHost: boolean): Parser<string | undefined> {
  const expected = `a ${schemes[0]}// or ${schemes[1]}// URL (e.g. ${example})`;
  return (raw, name) => {
    if (raw.trim() === '') return undefined;
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new ConfigError(`${name} must be ${expected}; the value is not a URL`);
    }
    if (!schemes.includes(url.protocol)) throw new ConfigError(`${name} must be ${expected}, got "${url.protocol}//…"`);
    if (needsHost && !url.hostname) throw new ConfigError(`${name} has no host`);
    return raw;
  };
}
const postgresUrl = serviceUrl(['postgres:', 'postgresql:'], 'postgres://user:password@host:5432/database', false);
const redisUrl = serviceUrl(['redis:', 'rediss:'], 'redis://host:6379', true);
const memorySize: Parser<string> = (raw, name) => {
  const m = /^(\d+)(kB|MB|GB)$/.exec(raw.trim());
  const kb = m ? Number(m[1]) * { kB: 1, MB: 1024, GB: 1024 * 1024 }[m[2] as 'kB' | 'MB' | 'GB'] : 0;
  // PostgreSQL's own bounds for shared_buffers are 128kB and far beyond what WebAssembly can address (2 GiB).
  if (kb < 128 || kb > 1024 * 1024) throw new ConfigError(`${name} must be a size from 128kB to 1GB such as 32MB, got "${raw}"`);
  return `${m![1]}${m![2]}`;
};
const fileStore: Parser<Config['fileStore']> = (raw, name) => {
  if (raw !== 'local' && raw !== 's3') throw new ConfigError(`${name} must be local or s3, got "${raw}"`);
  return raw;
};
const optHttpUrl = serviceUrl(['http:', 'https:'], 'http://127.0.0.1:9000', true);
/** Media types: `type/subtype` or `type/*`, comma-separated. */
const mediaTypes: Parser<string[]> = (raw, name) => {
  const types = list(raw, name).map((t) => t.toLowerCase());
  for (const t of types) if (!/^[a-z0-9][a-z0-9.+-]*\/(\*|[a-z0-9][a-z0-9.+-]*)$/.test(t)) throw new ConfigError(`${name}: "${t}" is not a media type such as image/png or image/*`);
  return types;
};
/** What uploads are refused by default whatever PARLEY_UPLOAD_TYPES says: programs and pages a browser or OS would run. */
export const DEFAULT_REFUSED_TYPES = [
  'text/html',
  'application/xhtml+xml',
  'image/svg+xml',
  'application/x-msdownload',
  'application/x-elf',
  'application/x-mach-binary',
  'application/x-executable',
  'application/x-sh',
  'application/x-msi',
  'application/vnd.microsoft.portable-executable',
  'application/java-archive',
  'application/x-apple-diskimage',
  'application/vnd.android.package-archive',
];
const level: Parser<Level> = (raw, name) => {
  if (!isLevel(raw)) throw new ConfigError(`${name} must be one of ${LEVELS.join(', ')}, got "${raw}"`);
  return raw;
};

const urlList: Parser<string[]> = (raw, name) => {
  const urls = list(raw, name);
  for (const u of urls) {
    let url: URL | undefined;
    try {
      url = new URL(u);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw new ConfigError(`${name}: "${u}" is not an http:// or https:// URL`);
  }
  return urls;
};

/** Room ids by the protocol's rule (section 3.2): a server-made room with a longer id would be refused by every client. */
const roomIds: Parser<string[]> = (raw, name) => {
  const ids = list(raw, name);
  for (const id of ids) {
    try {
      RoomIdShape.parse(id, name);
    } catch {
      throw new ConfigError(`${name}: "${id}" is not a room id (1-64 characters: letters and digits first, then also _ . : -)`);
    }
  }
  return ids;
};

const ipList: Parser<string[]> = (raw, name) => {
  const ips = list(raw, name);
  for (const ip of ips) if (!isIP(ip)) throw new ConfigError(`${name}: "${ip}" is not an IP address (list proxies one address each, no ranges)`);
  return ips.map((ip) => ip.toLowerCase());
};

const cidrList: Parser<string[]> = (raw, name) => {
  const entries = list(raw, name);
  for (const entry of entries) {
    const [ip, bits, extra] = entry.split('/');
    const family = isIP(ip ?? '');
    const max = family === 4 ? 32 : 128;
    if (family === 0 || extra !== undefined || (bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) <= max))) {
      throw new ConfigError(`${name}: "${entry}" is not an IP address or CIDR range (e.g. 10.0.0.0/8, fd00::/8)`);
    }
  }
  return entries;
};

function opt<K extends keyof Config>(o: Option<K>): Option<K> {
  return o;
}

/** Every setting: env var, flag, default and a one-line description. */
export const OPTIONS = [
  opt({ key: 'host', env: 'PARLEY_HOST', flag: '--host', default: '0.0.0.0', parse: str, doc: 'Interface to listen on.' }),
  opt({ key: 'port', env: 'PARLEY_PORT', flag: '--port', default: 8080, parse: int(0, 65535), doc: 'TCP port for WebSocket (/ws) and HTTP; 0 picks a free one.' }),
  opt({ key: 'reusePort', env: 'PARLEY_REUSE_PORT', flag: '--reuse-port', default: false, parse: bool, doc: 'Share the port with other processes (SO_REUSEPORT: the kernel spreads connections over them). Off: a second process on the port refuses to start.' }),
  opt({ key: 'databaseUrl', env: 'DATABASE_URL', flag: '--database-url', default: undefined, parse: postgresUrl, doc: 'PostgreSQL URL. Unset: the embedded PGlite store in the data directory.' }),
  opt({ key: 'dataDir', env: 'PARLEY_DATA_DIR', flag: '--data-dir', default: './data', parse: str, doc: 'Directory of the embedded store.' }),
  opt({ key: 'dbSchema', env: 'PARLEY_DB_SCHEMA', flag: '--db-schema', default: 'parley', parse: str, doc: 'PostgreSQL schema holding Parley\'s tables.' }),
  opt({ key: 'dbPipeline', env: 'PARLEY_DB_PIPELINE', flag: '--db-pipeline', default: 2, parse: int(1, 16), doc: 'PostgreSQL: message batches in flight at once, pipelined in order on one connection.' }),
  opt({ key: 'pgliteSharedBuffers', env: 'PARLEY_PGLITE_SHARED_BUFFERS', flag: '--pglite-shared-buffers', default: '32MB', parse: memorySize, doc: 'Embedded store: the database\'s page cache inside the server process (PostgreSQL `shared_buffers`, e.g. 16MB, 128MB); resident memory grows by about this much.' }),
  opt({ key: 'redisUrl', env: 'REDIS_URL', flag: '--redis-url', default: undefined, parse: redisUrl, doc: 'Redis URL (redis:// or rediss://) for fan-out and presence across several nodes. Unset: a single node.' }),
  opt({ key: 'redisPrefix', env: 'PARLEY_REDIS_PREFIX', flag: '--redis-prefix', default: 'parley:', parse: str, doc: 'Prefix of every Redis channel and key, so that several deployments can share one Redis.' }),
  opt({ key: 'catchUpMs', env: 'PARLEY_CATCHUP_MS', flag: '--catchup-ms', default: 1000, parse: int(50, 60_000), doc: 'With Redis: how often a node checks storage for room events the broker dropped, ms (a drop reaches clients within about twice this).' }),
  opt({ key: 'presenceTtlMs', env: 'PARLEY_PRESENCE_TTL_MS', flag: '--presence-ttl-ms', default: 10_000, parse: int(1000, 600_000), doc: 'With Redis: a node that stops heart-beating is declared gone after this long and its users go offline, ms.' }),
  opt({ key: 'jwtSecret', env: 'PARLEY_JWT_SECRET', flag: '--jwt-secret', default: undefined, parse: optStr, doc: 'HS256 secret (32+ bytes) your backend signs user tokens with.' }),
  opt({ key: 'jwtPublicKey', env: 'PARLEY_JWT_PUBLIC_KEY', flag: '--jwt-public-key', default: undefined, parse: optStr, doc: 'PEM public key (or a path to one) for RS256/ES256 user tokens.' }),
  opt({ key: 'jwtAlgorithms', env: 'PARLEY_JWT_ALGORITHMS', flag: '--jwt-algorithms', default: undefined, parse: algorithms, doc: 'Accepted algorithms, comma-separated. Default: derived from the secret or key type.' }),
  opt({ key: 'jwtAudience', env: 'PARLEY_JWT_AUDIENCE', flag: '--jwt-audience', default: undefined, parse: optStr, doc: 'Required `aud` of user tokens, when set.' }),
  opt({ key: 'jwtIssuer', env: 'PARLEY_JWT_ISSUER', flag: '--jwt-issuer', default: undefined, parse: optStr, doc: 'Required `iss` of user tokens, when set.' }),
  opt({ key: 'jwtClockTolerance', env: 'PARLEY_JWT_CLOCK_TOLERANCE', flag: '--jwt-clock-tolerance', default: 30, parse: int(0, 300), doc: 'Seconds of clock skew tolerated on `nbf`. `exp` is exact: a token is refused from then on, and a connection signed in with it is closed by then (4002).' }),
  opt({ key: 'guests', env: 'PARLEY_GUESTS', flag: '--guests', default: undefined, parse: bool, doc: 'Allow guest sign-in (POST /v1/guest). Default: on when no JWT key is configured, else off.' }),
  opt({ key: 'guestSecret', env: 'PARLEY_GUEST_SECRET', flag: '--guest-secret', default: undefined, parse: optStr, doc: 'HS256 secret for guest tokens. Default: generated by the first node and kept in the store, so every node of one database shares it across restarts.' }),
  opt({ key: 'guestTtl', env: 'PARLEY_GUEST_TTL', flag: '--guest-ttl', default: 86_400, parse: int(60, 31_536_000), doc: 'Lifetime of guest tokens, seconds.' }),
  opt({ key: 'origins', env: 'PARLEY_ORIGINS', flag: '--origins', default: undefined, parse: optList, doc: 'Allowed browser origins, comma-separated (e.g. https://shop.example); pages at PARLEY_PUBLIC_URL are always allowed. Unset or `*`: any.' }),
  opt({ key: 'publicUrls', env: 'PARLEY_PUBLIC_URL', flag: '--public-url', default: [], parse: urlList, doc: 'URL(s) browsers reach this server at, comma-separated (e.g. https://chat.example.com): its own pages there (the demo page) may connect whatever PARLEY_ORIGINS says. Unset: only pages on localhost at this server\'s port.' }),
  opt({ key: 'rooms', env: 'PARLEY_ROOMS', flag: '--rooms', default: ['lobby'], parse: roomIds, doc: 'Public rooms created at start-up if missing, comma-separated.' }),
  opt({ key: 'sendRate', env: 'PARLEY_SEND_RATE', flag: '--send-rate', default: 10, parse: int(1, 100_000), doc: 'Messages per second one connection may send (burst: twice that).' }),
  opt({ key: 'frameRate', env: 'PARLEY_FRAME_RATE', flag: '--frame-rate', default: 50, parse: int(1, 100_000), doc: 'Frames per second one connection may send (burst: twice that).' }),
  opt({ key: 'roomsPerUser', env: 'PARLEY_ROOMS_PER_USER', flag: '--rooms-per-user', default: 1000, parse: int(0, 1_000_000_000), doc: 'Rooms (direct rooms included) one user signed in with your token may create in all; 0: none.' }),
  opt({ key: 'roomsPerGuest', env: 'PARLEY_ROOMS_PER_GUEST', flag: '--rooms-per-guest', default: 3, parse: int(0, 1_000_000_000), doc: 'Rooms one guest may create in all; 0: guests cannot create rooms.' }),
  opt({ key: 'roomCreateRate', env: 'PARLEY_ROOM_CREATE_RATE', flag: '--room-create-rate', default: 10, parse: int(1, 100_000), doc: 'Rooms one user may create per minute on one node (burst: the same number).' }),
  opt({ key: 'connectionsPerIp', env: 'PARLEY_CONNECTIONS_PER_IP', flag: '--connections-per-ip', default: 200, parse: int(0, 10_000_000), doc: 'Open WebSocket connections from one client address on one node; more are refused with HTTP 429. Behind a proxy, set PARLEY_TRUSTED_PROXIES. 0: no cap.' }),
  opt({ key: 'connectionsPerUser', env: 'PARLEY_CONNECTIONS_PER_USER', flag: '--connections-per-user', default: 20, parse: int(0, 10_000_000), doc: 'Open connections of one user on one node; one more is closed with 4008. 0: no cap.' }),
  opt({ key: 'workRate', env: 'PARLEY_WORK_RATE', flag: '--work-rate', default: 20, parse: int(1, 100_000), doc: 'Work units per second one connection may spend on requests other than messages: a room_create costs 1 + its members, a join, leave, invite, rename, profile change, typing or presence frame 1 (a profile change 1 more per room of the user).' }),
  opt({ key: 'workBurst', env: 'PARLEY_WORK_BURST', flag: '--work-burst', default: 200, parse: int(1, 10_000_000), doc: 'Work units one connection may spend at once before PARLEY_WORK_RATE applies; a request costing more is accepted from a full budget and paid off by waiting.' }),
  opt({ key: 'searchRate', env: 'PARLEY_SEARCH_RATE', flag: '--search-rate', default: 2, parse: int(1, 100_000), doc: 'Searches per second one connection may make (burst: twice that); more are refused with rate_limited.' }),
  opt({ key: 'searchLanguage', env: 'PARLEY_SEARCH_LANGUAGE', flag: '--search-language', default: 'simple', parse: str, doc: 'Language of search: `simple` (words as written, accents ignored: fits any language) or a stemmer such as `english` or `portuguese` (accents still ignored). A change rebuilds the search indexes at start-up.' }),
  opt({ key: 'maxPending', env: 'PARLEY_MAX_PENDING', flag: '--max-pending', default: 32, parse: int(1, 100_000), doc: 'Requests one connection may have in progress at once (waiting for storage); more are refused with rate_limited. The SDK waits instead of sending more.' }),
  opt({ key: 'maxBackpressure', env: 'PARLEY_MAX_BACKPRESSURE', flag: '--max-backpressure', default: 1_048_576, parse: int(65_536, 1 << 30), doc: 'Bytes queued for a client that does not read before its connection is aborted (it sees 1006, reconnects and resumes; /metrics counts a `slow_consumer` close).' }),
  opt({ key: 'resumeLimit', env: 'PARLEY_RESUME_LIMIT', flag: '--resume-limit', default: 1000, parse: int(1, 1_000_000), doc: 'Most events replayed on resume; further behind, the client is told to refetch.' }),
  opt({ key: 'editWindowMs', env: 'PARLEY_EDIT_WINDOW_MS', flag: '--edit-window-ms', default: 86_400_000, parse: int(0, 31_536_000_000), doc: 'How long after sending a message its author may still edit it, ms (0: never). Deleting has no window.' }),
  opt({ key: 'streamFlushMs', env: 'PARLEY_STREAM_FLUSH_MS', flag: '--stream-flush-ms', default: 100, parse: int(10, 5000), doc: 'Streamed replies: a stream\'s new text goes to the room at most this often, ms; writes in between are sent together.' }),
  opt({ key: 'streamIdleMs', env: 'PARLEY_STREAM_IDLE_MS', flag: '--stream-idle-ms', default: 30_000, parse: int(100, 3_600_000), doc: 'Streamed replies: a stream that gets no text for this long is ended by the server and its text stored, ms.' }),
  opt({ key: 'streamWriteRate', env: 'PARLEY_STREAM_WRITE_RATE', flag: '--stream-write-rate', default: 20, parse: int(1, 10_000), doc: 'Streamed replies: `stream_write` frames per second one stream may take (burst: twice that); more are refused with rate_limited.' }),
  opt({ key: 'receiptRoomSize', env: 'PARLEY_RECEIPT_ROOM_SIZE', flag: '--receipt-room-size', default: 20, parse: int(0, 1000), doc: 'Rooms with at most this many members show who read each message ("seen by"); larger rooms keep read positions private. Direct rooms always show "Seen".' }),
  opt({ key: 'typingTtlMs', env: 'PARLEY_TYPING_TTL_MS', flag: '--typing-ttl-ms', default: 6000, parse: int(500, 60_000), doc: 'Typing indicator expiry without a refresh, ms.' }),
  opt({ key: 'awayAfterMs', env: 'PARLEY_AWAY_AFTER_MS', flag: '--away-after-ms', default: 300_000, parse: int(1000, 86_400_000), doc: 'A connection that sends nothing for this long counts as away, ms.' }),
  opt({ key: 'helloTimeoutMs', env: 'PARLEY_HELLO_TIMEOUT_MS', flag: '--hello-timeout-ms', default: 10_000, parse: int(100, 600_000), doc: 'Time a new socket has to send `hello`, ms.' }),
  opt({ key: 'idleTimeout', env: 'PARLEY_IDLE_TIMEOUT', flag: '--idle-timeout', default: 120, parse: int(8, 960), doc: 'Seconds of silence before a socket is considered dead (server pings keep live ones open).' }),
  opt({ key: 'widgetDir', env: 'PARLEY_WIDGET_DIR', flag: '--widget-dir', default: undefined, parse: optStr, doc: 'Directory whose files are served at `/<name>` (`widget.js`, `chat-widget.js`, chunks). Default: the build of the installed `@parley/widget` package (`widget/dist` in this repository).' }),
  opt({ key: 'drainTimeoutMs', env: 'PARLEY_DRAIN_TIMEOUT_MS', flag: '--drain-timeout-ms', default: 10_000, parse: int(0, 600_000), doc: 'On SIGTERM, longest wait for in-flight requests before closing sockets, ms.' }),
  opt({ key: 'drainDelayMs', env: 'PARLEY_DRAIN_DELAY_MS', flag: '--drain-delay-ms', default: 0, parse: int(0, 600_000), doc: 'On SIGTERM, time /readyz answers 503 "draining" while the node still serves, before it stops accepting connections, ms.' }),
  opt({ key: 'logLevel', env: 'PARLEY_LOG_LEVEL', flag: '--log-level', default: 'info', parse: level, doc: 'Lowest level of the JSON log lines on stderr: debug, info, warn or error.' }),
  opt({ key: 'adminToken', env: 'PARLEY_ADMIN_TOKEN', flag: '--admin-token', default: undefined, parse: optStr, doc: 'Bearer token of the admin HTTP APIs: /admin/api/... (moderation: audit, reports, rules) and /v1/admin/bots (bot accounts and their keys). Unset: /admin/api opens only to an admin\'s JWT and the bot API is off. Use 32+ random characters.' }),
  opt({ key: 'metricsToken', env: 'PARLEY_METRICS_TOKEN', flag: '--metrics-token', default: undefined, parse: optStr, doc: 'When set, GET /metrics requires `Authorization: Bearer <token>`.' }),
  opt({ key: 'admins', env: 'PARLEY_ADMINS', flag: '--admins', default: [], parse: list, doc: 'User ids (JWT `sub`) who are server admins, comma-separated: they moderate every room. A host token with `"parley_admin": true` makes its user an admin too.' }),
  opt({ key: 'filterWords', env: 'PARLEY_FILTER_WORDS', flag: '--filter-words', default: [], parse: list, doc: 'Words every room filters, comma-separated (whole words, case-insensitive; a trailing * matches any ending), besides each room\'s own list (admin HTTP API).' }),
  opt({ key: 'floodMessages', env: 'PARLEY_FLOOD_MESSAGES', flag: '--flood-messages', default: 15, parse: int(0, 100_000), doc: 'Flood protection: a guest who sends this many messages to one public room within PARLEY_FLOOD_WINDOW_MS is muted there for PARLEY_FLOOD_MUTE_MS. 0: off.' }),
  opt({ key: 'floodWindowMs', env: 'PARLEY_FLOOD_WINDOW_MS', flag: '--flood-window-ms', default: 10_000, parse: int(1000, 3_600_000), doc: 'Flood protection window, ms.' }),
  opt({ key: 'floodMuteMs', env: 'PARLEY_FLOOD_MUTE_MS', flag: '--flood-mute-ms', default: 300_000, parse: int(1000, 86_400_000), doc: 'How long flood protection mutes, ms.' }),
  opt({ key: 'guestLinkDelayMs', env: 'PARLEY_GUEST_LINK_DELAY_MS', flag: '--guest-link-delay-ms', default: 600_000, parse: int(0, 31_536_000_000), doc: 'A guest may post links in public rooms only this long after first signing in, ms. 0: guests may always post links.' }),
  opt({ key: 'maxVoiceMs', env: 'PARLEY_MAX_VOICE_MS', flag: '--max-voice-ms', default: 300_000, parse: int(1000, 3_600_000), doc: 'Longest voice message, ms (default 5 minutes): the widget stops recording there, and the server refuses a longer one.' }),
  opt({ key: 'tlsCert', env: 'PARLEY_TLS_CERT', flag: '--tls-cert', default: undefined, parse: optStr, doc: 'PEM certificate (chain) file: serve https:// and wss:// directly. Needs PARLEY_TLS_KEY.' }),
  opt({ key: 'tlsKey', env: 'PARLEY_TLS_KEY', flag: '--tls-key', default: undefined, parse: optStr, doc: 'PEM private key file of the certificate.' }),
  opt({ key: 'tlsPassphrase', env: 'PARLEY_TLS_PASSPHRASE', flag: '--tls-passphrase', default: undefined, parse: optStr, doc: 'Passphrase of an encrypted private key.' }),
  opt({ key: 'trustedProxies', env: 'PARLEY_TRUSTED_PROXIES', flag: '--trusted-proxies', default: [], parse: ipList, doc: 'Addresses of your reverse proxies, comma-separated: their X-Forwarded-For names the client (per-IP limits). Others\' is ignored.' }),
  opt({ key: 'outboundAllow', env: 'PARLEY_OUTBOUND_ALLOW', flag: '--outbound-allow', default: [], parse: cidrList, doc: 'Addresses or CIDR ranges, comma-separated, that link previews, push endpoints and outgoing webhooks may reach although they are not public (e.g. 10.20.0.0/16 for an intranet). Unset: public addresses only.' }),
  opt({ key: 'outboundCa', env: 'PARLEY_OUTBOUND_CA', flag: '--outbound-ca', default: undefined, parse: optStr, doc: 'PEM file of extra certificate authorities trusted for outbound https (push services, previewed pages) besides the system ones.' }),
  opt({ key: 'vapidSubject', env: 'PARLEY_VAPID_SUBJECT', flag: '--vapid-subject', default: undefined, parse: optStr, doc: 'Contact push services may reach you at (`mailto:` or `https:` URL), sent with every Web Push. Default: the first PARLEY_PUBLIC_URL, else mailto:postmaster@localhost.' }),
  opt({ key: 'callRoomSize', env: 'PARLEY_CALL_ROOM_SIZE', flag: '--call-room-size', default: 10, parse: int(0, 1000), doc: 'Rooms with at most this many members may have voice and video calls, and all their members ring; direct rooms always may. 0: calls in direct rooms only.' }),
  opt({ key: 'maxCallParticipants', env: 'PARLEY_CALL_PARTICIPANTS', flag: '--call-participants', default: 4, parse: int(2, 8), doc: 'Most connections in one call. Calls are a mesh (each sends its media to each other), which stays usable up to about 4; beyond that use an SFU (docs/deploy.md).' }),
  opt({ key: 'ringTimeoutMs', env: 'PARLEY_RING_TIMEOUT_MS', flag: '--ring-timeout-ms', default: 45_000, parse: int(1000, 600_000), doc: 'How long a call rings before it counts as missed, ms.' }),
  opt({ key: 'callReconnectMs', env: 'PARLEY_CALL_RECONNECT_MS', flag: '--call-reconnect-ms', default: 15_000, parse: int(100, 600_000), doc: 'How long a connection that dropped out of a call (the others see "reconnecting") has to come back before it is out of the call, ms.' }),
  opt({ key: 'signalRate', env: 'PARLEY_SIGNAL_RATE', flag: '--signal-rate', default: 30, parse: int(1, 100_000), doc: 'Call signalling frames (offers, answers, ICE candidates) per second one connection may send (burst: twice that); more are refused with rate_limited.' }),
  opt({ key: 'stunUrls', env: 'PARLEY_STUN_URLS', flag: '--stun-urls', default: [], parse: list, doc: 'STUN servers handed to callers, comma-separated (e.g. stun:turn.example.com:3478).' }),
  opt({ key: 'turnUrls', env: 'PARLEY_TURN_URLS', flag: '--turn-urls', default: [], parse: list, doc: 'TURN servers handed to callers, comma-separated (e.g. turn:turn.example.com:3478?transport=udp,turns:turn.example.com:5349). Needs PARLEY_TURN_SECRET.' }),
  opt({ key: 'turnSecret', env: 'PARLEY_TURN_SECRET', flag: '--turn-secret', default: undefined, parse: optStr, doc: 'The TURN server\'s shared secret (coturn `static-auth-secret` with `use-auth-secret`): each call gets credentials made from it that expire after PARLEY_TURN_TTL; the secret never reaches a browser.' }),
  opt({ key: 'turnTtl', env: 'PARLEY_TURN_TTL', flag: '--turn-ttl', default: 43_200, parse: int(60, 604_800), doc: 'Lifetime of the TURN credentials minted for a call, seconds (a call longer than this cannot renew its relay).' }),
  opt({ key: 'webhookAttempts', env: 'PARLEY_WEBHOOK_ATTEMPTS', flag: '--webhook-attempts', default: 8, parse: int(1, 50), doc: 'Attempts of one outgoing webhook delivery before it is kept as dead (admin HTTP API: list, retry, delete).' }),
  opt({ key: 'webhookRetryMs', env: 'PARLEY_WEBHOOK_RETRY_MS', flag: '--webhook-retry-ms', default: 5000, parse: int(10, 3_600_000), doc: 'Wait before an outgoing webhook\'s second attempt, ms; doubled for each further attempt (at most an hour), each wait scaled by a random 0.5-1.' }),
  opt({ key: 'webhookTimeoutMs', env: 'PARLEY_WEBHOOK_TIMEOUT_MS', flag: '--webhook-timeout-ms', default: 10_000, parse: int(100, 120_000), doc: 'Time an outgoing webhook\'s receiver has to answer one delivery, ms.' }),
  opt({ key: 'hookRate', env: 'PARLEY_HOOK_RATE', flag: '--hook-rate', default: 5, parse: int(1, 10_000), doc: 'Messages per second one incoming webhook, or one bot key over HTTP, may post (bursts of 10 times as many); more answer 429.' }),
  opt({ key: 'moderationHookMaxMs', env: 'PARLEY_MODERATION_HOOK_MAX_MS', flag: '--moderation-hook-max-ms', default: 2000, parse: int(50, 10_000), doc: 'Longest time budget a room\'s moderation hook may be given, ms: a sender waits at most this long for a bot\'s verdict.' }),
  opt({ key: 'fileStore', env: 'PARLEY_FILE_STORE', flag: '--file-store', default: 'local', parse: fileStore, doc: 'Where uploaded files are kept: `local` (PARLEY_FILE_DIR) or `s3` (any S3-compatible service: PARLEY_S3_*). Several nodes need `s3` (or one shared directory).' }),
  opt({ key: 'fileDir', env: 'PARLEY_FILE_DIR', flag: '--file-dir', default: undefined, parse: optStr, doc: 'Directory of uploaded files with PARLEY_FILE_STORE=local. Default: `files` in PARLEY_DATA_DIR.' }),
  opt({ key: 's3Bucket', env: 'PARLEY_S3_BUCKET', flag: '--s3-bucket', default: undefined, parse: optStr, doc: 'Bucket of uploaded files with PARLEY_FILE_STORE=s3 (it must exist).' }),
  opt({ key: 's3Region', env: 'PARLEY_S3_REGION', flag: '--s3-region', default: 'us-east-1', parse: str, doc: 'Region of the bucket.' }),
  opt({ key: 's3Endpoint', env: 'PARLEY_S3_ENDPOINT', flag: '--s3-endpoint', default: undefined, parse: optHttpUrl, doc: 'Endpoint URL of an S3-compatible service (MinIO, Cloudflare R2, Backblaze B2, DigitalOcean Spaces...). Unset: Amazon S3.' }),
  opt({ key: 's3PathStyle', env: 'PARLEY_S3_PATH_STYLE', flag: '--s3-path-style', default: false, parse: bool, doc: 'Address the bucket in the path (http://host/bucket/key), as MinIO and most self-hosted services need.' }),
  opt({ key: 's3AccessKey', env: 'PARLEY_S3_ACCESS_KEY', flag: '--s3-access-key', default: undefined, parse: optStr, doc: 'Access key id. Unset: the AWS SDK\'s usual sources (AWS_ACCESS_KEY_ID, instance role...).' }),
  opt({ key: 's3SecretKey', env: 'PARLEY_S3_SECRET_KEY', flag: '--s3-secret-key', default: undefined, parse: optStr, doc: 'Secret access key, with PARLEY_S3_ACCESS_KEY.' }),
  opt({ key: 'uploadMaxBytes', env: 'PARLEY_UPLOAD_MAX_BYTES', flag: '--upload-max-bytes', default: 26_214_400, parse: int(0, Number.MAX_SAFE_INTEGER), doc: 'Largest file one upload may hold, bytes (default 25 MiB); a larger one is refused before any byte is stored. 0: uploads off (feature `files` not announced).' }),
  opt({ key: 'uploadQuotaBytes', env: 'PARLEY_UPLOAD_QUOTA_BYTES', flag: '--upload-quota-bytes', default: 1_073_741_824, parse: int(0, Number.MAX_SAFE_INTEGER), doc: 'Bytes of files one user may keep stored in all (uploads in progress count at their full size; a deleted message frees its files). 0: no quota.' }),
  opt({ key: 'uploadsPerMinute', env: 'PARLEY_UPLOADS_PER_MINUTE', flag: '--uploads-per-minute', default: 30, parse: int(1, 100_000), doc: 'Uploads one user may start per minute on one node; more are refused with HTTP 429.' }),
  opt({ key: 'uploadTtlMs', env: 'PARLEY_UPLOAD_TTL_MS', flag: '--upload-ttl-ms', default: 86_400_000, parse: int(10_000, 31_536_000_000), doc: 'An upload that no message attached within this long is deleted, ms (default one day).' }),
  opt({ key: 'uploadTypes', env: 'PARLEY_UPLOAD_TYPES', flag: '--upload-types', default: [], parse: mediaTypes, doc: 'Media types uploads may have, decided from their bytes, comma-separated (`image/*` names a family, e.g. image/*,application/pdf). Unset: any type not refused.' }),
  opt({ key: 'uploadRefusedTypes', env: 'PARLEY_UPLOAD_REFUSED_TYPES', flag: '--upload-refused-types', default: DEFAULT_REFUSED_TYPES, parse: mediaTypes, doc: 'Media types refused whatever PARLEY_UPLOAD_TYPES says. Default: HTML, XHTML, SVG and executables (Windows, Linux, macOS programs, shell scripts, installers, jar, apk).' }),
  opt({ key: 'maxImagePixels', env: 'PARLEY_MAX_IMAGE_PIXELS', flag: '--max-image-pixels', default: 50_000_000, parse: int(1, 1_000_000_000), doc: 'Largest image the server decodes to make its thumbnail, width × height (default 50 megapixels); a larger one is refused (decompression bombs).' }),
  opt({ key: 'imageCpus', env: 'PARLEY_IMAGE_CPUS', flag: '--image-cpus', default: undefined, parse: cpuList, doc: 'CPUs the image process (thumbnails, EXIF removal) may run on, a taskset list such as `1` or `2-3` (Linux, needs taskset). Unset: the CPUs the server may use; it runs under SCHED_IDLE either way.' }),
  opt({ key: 'fileUrlTtlMs', env: 'PARLEY_FILE_URL_TTL_MS', flag: '--file-url-ttl-ms', default: 3_600_000, parse: int(10_000, 604_800_000), doc: 'Lifetime of the signed download URLs `file_urls` hands to members, ms (default one hour).' }),
  opt({ key: 'linkPreviews', env: 'PARLEY_LINK_PREVIEWS', flag: '--link-previews', default: true, parse: bool, doc: 'Fetch Open Graph previews of links in messages when clients ask (link_preview). Off: the feature is not announced.' }),
] as const;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Builds the configuration from `env` and `argv` (flags as `--name value` or `--name=value`). */
export function loadConfig(env: Record<string, string | undefined> = process.env, argv: readonly string[] = []): Config {
  const names = OPTIONS.map((o) => o.env);
  const unknown = unknownVariables(env, names);
  if (unknown.length > 0) {
    const listed = unknown.map((name) => withSuggestion(name, names, 'PARLEY_')).join(', ');
    throw new ConfigError(`unknown variable${unknown.length > 1 ? 's' : ''} ${listed}: remove or correct it (--help lists every option)`);
  }
  const flags = parseFlags(argv);
  const config: Record<string, unknown> = {};
  for (const o of OPTIONS) {
    const fromFlag = flags.get(o.flag);
    const fromEnv = env[o.env];
    if (fromFlag !== undefined) config[o.key] = (o.parse as Parser<unknown>)(fromFlag, o.flag);
    else if (fromEnv !== undefined) config[o.key] = (o.parse as Parser<unknown>)(fromEnv, o.env);
    else config[o.key] = o.default;
  }
  if ((config.turnUrls as string[]).length > 0 && !config.turnSecret) {
    throw new ConfigError('PARLEY_TURN_URLS needs PARLEY_TURN_SECRET (the TURN server\'s static-auth-secret): TURN credentials are minted per call');
  }
  if (Boolean(config.tlsCert) !== Boolean(config.tlsKey)) {
    throw new ConfigError('PARLEY_TLS_CERT and PARLEY_TLS_KEY must be set together (certificate and its private key)');
  }
  return config as unknown as Config;
}

/** Programmatic configuration: defaults overlaid with `overrides` (used by tests and embedders). */
export function configWith(overrides: Partial<Config>): Config {
  return { ...loadConfig({}, []), ...overrides };
}

function parseFlags(argv: readonly string[]): Map<string, string> {
  const known = new Set<string>(OPTIONS.map((o) => o.flag));
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') continue;
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (!known.has(name)) throw new ConfigError(`unknown option ${withSuggestion(name, [...known], '--')} (see --help)`);
    let value: string | undefined;
    if (eq > 0) value = arg.slice(eq + 1);
    else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) value = argv[++i];
    else value = 'true'; // a bare boolean flag such as --guests
    out.set(name, value!);
  }
  return out;
}

/** The --help text, generated from OPTIONS. */
export function helpText(): string {
  const lines = ['Usage: parley-server [options]', '', 'Every option can also be set by its environment variable.', ''];
  for (const o of OPTIONS) {
    const def = o.default === undefined ? '' : ` (default: ${Array.isArray(o.default) ? o.default.join(',') : String(o.default)})`;
    lines.push(`  ${o.flag.padEnd(24)} ${o.env.padEnd(28)} ${o.doc}${def}`);
  }
  return lines.join('\n');
}
