// Configuration: env and flags, defaults, clear errors for bad values, and docs that list every option.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { fileURLToPath } from 'node:url';
import { ConfigError, helpText, loadConfig, OPTIONS } from '../src/config.js';
import { DEFAULT_WIDGET_DIR } from '../src/http/site.js';

describe('configuration', () => {
  test('outbound allowlist: addresses and CIDR ranges, anything else refused by name', () => {
    expect(loadConfig({}).outboundAllow).toEqual([]);
    expect(loadConfig({ PARLEY_OUTBOUND_ALLOW: '10.20.0.0/16, 127.0.0.1,fd00::/8' }).outboundAllow).toEqual(['10.20.0.0/16', '127.0.0.1', 'fd00::/8']);
    for (const bad of ['10.0.0.0/33', 'intranet', '10.0.0.0/8/1', 'fd00::/129', '10.0.0.0/x']) {
      expect(() => loadConfig({ PARLEY_OUTBOUND_ALLOW: bad })).toThrow(ConfigError);
    }
    expect(loadConfig({ PARLEY_LINK_PREVIEWS: 'false' }).linkPreviews).toBe(false);
  });

  test('defaults with nothing set', () => {
    const c = loadConfig({}, []);
    expect(c).toMatchObject({ port: 8080, host: '0.0.0.0', dataDir: './data', rooms: ['lobby'], sendRate: 10, guests: undefined });
    expect(c.databaseUrl).toBeUndefined();
  });

  test('env is read and flags win over env, in both flag forms', () => {
    const c = loadConfig({ PARLEY_PORT: '9000', PARLEY_ROOMS: 'a, b ,c', PARLEY_GUESTS: 'false' }, ['--port', '9100', '--data-dir=/tmp/x', '--guests']);
    expect(c.port).toBe(9100);
    expect(c.dataDir).toBe('/tmp/x');
    expect(c.rooms).toEqual(['a', 'b', 'c']);
    expect(c.guests).toBe(true);
  });

  test('operations options: log level, drain delay, metrics token, TLS files', () => {
    const c = loadConfig(
      { PARLEY_LOG_LEVEL: 'debug', PARLEY_METRICS_TOKEN: 'tok', PARLEY_TLS_CERT: 'c.pem', PARLEY_TLS_KEY: 'k.pem' },
      ['--drain-delay-ms', '5000', '--tls-passphrase=pw'],
    );
    expect(c).toMatchObject({ logLevel: 'debug', metricsToken: 'tok', drainDelayMs: 5000, tlsCert: 'c.pem', tlsKey: 'k.pem', tlsPassphrase: 'pw' });
    expect(loadConfig({}, [])).toMatchObject({ logLevel: 'info', metricsToken: undefined, drainDelayMs: 0, tlsCert: undefined, trustedProxies: [] });
    expect(loadConfig({ PARLEY_TRUSTED_PROXIES: '10.0.0.5, ::1' }).trustedProxies).toEqual(['10.0.0.5', '::1']);
  });

  test('embedded store page cache: a PostgreSQL size, 32MB unless set', () => {
    expect(loadConfig({}).pgliteSharedBuffers).toBe('32MB');
    expect(loadConfig({ PARLEY_PGLITE_SHARED_BUFFERS: '16MB' }).pgliteSharedBuffers).toBe('16MB');
    expect(loadConfig({}, ['--pglite-shared-buffers', '1GB']).pgliteSharedBuffers).toBe('1GB');
    expect(loadConfig({}, ['--pglite-shared-buffers=512kB']).pgliteSharedBuffers).toBe('512kB');
  });

  test('origins: a list, or any when unset or *', () => {
    expect(loadConfig({ PARLEY_ORIGINS: 'https://a.example,https://b.example' }).origins).toEqual(['https://a.example', 'https://b.example']);
    expect(loadConfig({ PARLEY_ORIGINS: '*' }).origins).toBeUndefined();
  });

  test('widget directory: widget/dist of the repository by default, or the one given', () => {
    expect(loadConfig({}).widgetDir).toBeUndefined();
    expect(DEFAULT_WIDGET_DIR).toBe(fileURLToPath(new URL('../../widget/dist/', import.meta.url)));
    expect(loadConfig({ PARLEY_WIDGET_DIR: 'build/widget' }).widgetDir).toBe('build/widget');
    expect(loadConfig({ PARLEY_WIDGET_DIR: 'build/widget' }, ['--widget-dir', 'other']).widgetDir).toBe('other');
    expect(loadConfig({ PARLEY_WIDGET_DIR: '' }).widgetDir).toBeUndefined();
  });

  test.each([
    [{ PARLEY_PORT: 'eighty' }, [], /PARLEY_PORT must be an integer in 0\.\.65535/],
    [{ PARLEY_PORT: '70000' }, [], /PARLEY_PORT/],
    [{ PARLEY_GUESTS: 'maybe' }, [], /PARLEY_GUESTS must be true or false/],
    [{ PARLEY_JWT_ALGORITHMS: 'HS256,none' }, [], /unsupported algorithm "none"/],
    [{ PARLEY_SEND_RATE: '0' }, [], /PARLEY_SEND_RATE/],
    [{}, ['--send-rate', '1.5'], /--send-rate must be an integer/],
    [{}, ['--no-such-flag'], /unknown option --no-such-flag/],
    [{}, ['--prot', '9000'], /unknown option --prot \(did you mean --port\?\)/],
    [{ PARLEY_JWT_SECRT: 'x' }, [], /unknown variable PARLEY_JWT_SECRT \(did you mean PARLEY_JWT_SECRET\?\)/],
    [{ PARLEY_NOPE: '1' }, [], /^unknown variable PARLEY_NOPE: remove or correct it/],
    [{ DATABASE_URL: 'not-a-url' }, [], /DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL .*; the value is not a URL/],
    [{ DATABASE_URL: 'http://db:5432/x' }, [], /DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL/],
    [{ REDIS_URL: 'localhost:6379' }, [], /REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/],
    [{ REDIS_URL: 'http://cache:6379' }, [], /REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/],
    [{ REDIS_URL: 'not a url' }, [], /REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/],
    [{ PARLEY_CATCHUP_MS: '0' }, [], /PARLEY_CATCHUP_MS must be an integer/],
    [{ PARLEY_PRESENCE_TTL_MS: '10' }, [], /PARLEY_PRESENCE_TTL_MS must be an integer/],
    [{ PARLEY_TRUSTED_PROXIES: '10.0.0.1,10.0.0.0/8' }, [], /PARLEY_TRUSTED_PROXIES: "10.0.0.0\/8" is not an IP address/],
    [{}, ['--trusted-proxies', 'nginx.internal'], /--trusted-proxies: "nginx.internal" is not an IP address/],
    [{ PARLEY_LOG_LEVEL: 'loud' }, [], /PARLEY_LOG_LEVEL must be one of debug, info, warn, error, got "loud"/],
    [{ PARLEY_ROOMS: 'lobby,has space' }, [], /PARLEY_ROOMS: "has space" is not a room id/],
    [{ PARLEY_ROOMS: 'x'.repeat(65) }, [], /PARLEY_ROOMS: "x{65}" is not a room id/],
    [{ PARLEY_PUBLIC_URL: 'chat.example.com' }, [], /PARLEY_PUBLIC_URL: "chat.example.com" is not an http:\/\/ or https:\/\/ URL/],
    [{}, ['--public-url', 'https://a.example,ftp://b.example'], /--public-url: "ftp:\/\/b.example" is not an http/],
    [{ PARLEY_DRAIN_DELAY_MS: '-1' }, [], /PARLEY_DRAIN_DELAY_MS must be an integer/],
    [{ PARLEY_PGLITE_SHARED_BUFFERS: 'lots' }, [], /PARLEY_PGLITE_SHARED_BUFFERS must be a size from 128kB to 1GB such as 32MB, got "lots"/],
    [{ PARLEY_PGLITE_SHARED_BUFFERS: '64' }, [], /PARLEY_PGLITE_SHARED_BUFFERS must be a size/],
    [{ PARLEY_PGLITE_SHARED_BUFFERS: '64kB' }, [], /PARLEY_PGLITE_SHARED_BUFFERS must be a size/],
    [{}, ['--pglite-shared-buffers', '2GB'], /--pglite-shared-buffers must be a size/],
    [{ PARLEY_TLS_CERT: 'cert.pem' }, [], /PARLEY_TLS_CERT and PARLEY_TLS_KEY must be set together/],
    [{}, ['--tls-key', 'key.pem'], /PARLEY_TLS_CERT and PARLEY_TLS_KEY must be set together/],
  ] as const)('bad input is refused with a clear message: %j %j', (env, argv, message) => {
    expect(() => loadConfig(env, argv)).toThrow(ConfigError);
    expect(() => loadConfig(env, argv)).toThrow(message);
  });

  test('the example bots\' PARLEY_URL and PARLEY_TOKEN are not taken for misspelt options', () => {
    expect(loadConfig({ PARLEY_URL: 'http://localhost:8080', PARLEY_TOKEN: 'jwt', PARLEY_PORT: '9000' }).port).toBe(9000);
  });

  test('image process CPUs: a taskset list or unset, anything else refused by name', () => {
    expect(loadConfig({}).imageCpus).toBeUndefined();
    for (const ok of ['1', '2-3', '0,2', '0-1,4']) expect(loadConfig({ PARLEY_IMAGE_CPUS: ok }).imageCpus).toBe(ok);
    for (const bad of ['one', '1;rm -rf /', '-1', '1,', '1-', ' 1', '1 2']) {
      expect(() => loadConfig({ PARLEY_IMAGE_CPUS: bad }), bad).toThrow(/PARLEY_IMAGE_CPUS must be a CPU list/);
    }
  });

  test('--help and README.md document every option', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const help = helpText();
    for (const o of OPTIONS) {
      expect(readme, o.env).toContain(`\`${o.env}\``);
      expect(readme, o.flag).toContain(`\`${o.flag}\``);
      expect(help).toContain(o.flag);
      expect(help).toContain(o.env);
    }
  });
});
