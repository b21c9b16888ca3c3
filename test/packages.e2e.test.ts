// The packages as a user gets them: packed to tarballs, installed in a project outside the workspace,
// the README's "Use it from code" example type-checked and run there as ES module and as CommonJS,
// against the `parley-server` command of the installed server.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startProcess, type ServerProcess } from './support/process.js';
import { dropStorage, freshStorage, postgresAvailable } from './support/server.js';

const repo = fileURLToPath(new URL('..', import.meta.url));
const PACKAGES = ['sdk', 'widget', 'server'] as const;
type Package = (typeof PACKAGES)[number];
const tarball = (pkg: Package) => `parley-${pkg}-${(JSON.parse(readFileSync(join(repo, pkg, 'package.json'), 'utf8')) as { version: string }).version}.tgz`;

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

// npm run-script exports its own configuration (npm_config_local_prefix and the like) to children:
// a nested npm would take this workspace for its project. The consumer's npm starts clean.
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));

function run(command: string, args: string[], cwd: string, ms = 120_000): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: cleanEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} took over ${ms} ms\n${stdout}\n${stderr}`));
    }, ms);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs a command that must succeed; its output is in the error when it does not. */
async function mustRun(command: string, args: string[], cwd: string, ms?: number): Promise<Ran> {
  const ran = await run(command, args, cwd, ms);
  if (ran.code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${ran.code} in ${cwd}\n${ran.stdout}\n${ran.stderr}`);
  return ran;
}

/** The first TypeScript block under a README heading, as a user would copy it. */
function codeBlock(file: string, heading: string): string {
  const text = readFileSync(join(repo, file), 'utf8');
  const start = text.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`${file} has no "${heading}" section`);
  const next = text.indexOf('\n## ', start + heading.length + 2);
  const block = /```ts\n([\s\S]*?)```/.exec(text.slice(start, next < 0 ? undefined : next));
  if (!block) throw new Error(`${file}: no \`\`\`ts block under "${heading}"`);
  return block[1]!;
}

/** The file paths a package.json points at (exports, main, types, bin), without their `./`. */
function targets(value: unknown): string[] {
  if (typeof value === 'string') return value.startsWith('./') ? [value.slice(2)] : [];
  return value && typeof value === 'object' ? Object.values(value).flatMap(targets) : [];
}

const tsc = join(repo, 'node_modules/typescript/bin/tsc');
// PostgreSQL when it is there (the embedded store takes a while to create a database on a busy machine).
const storage = freshStorage((await postgresAvailable()) ? 'postgres' : 'pglite');
const storeEnv: Record<string, string> = storage.databaseUrl
  ? { DATABASE_URL: storage.databaseUrl, PARLEY_DB_SCHEMA: storage.dbSchema!, REDIS_URL: '' }
  : { DATABASE_URL: '', PARLEY_DATA_DIR: storage.dataDir!, REDIS_URL: '' };

describe('the packages installed from tarballs', () => {
  let root: string;
  let tgz: string;
  let project: string;
  let entries: Record<Package, string[]>;
  let server: ServerProcess | undefined;
  const bin = () => ({ command: join(project, 'node_modules/.bin/parley-server'), cwd: project });
  const serverEnv = { PARLEY_HOST: '127.0.0.1', PARLEY_PORT: '0', ...storeEnv };

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'parley-packages-'));
    tgz = join(root, 'tgz');
    project = join(root, 'project');
    mkdirSync(tgz);
    mkdirSync(project);

    // The SDK from a copy of its sources that was never built: its prepack step must build dist/.
    const fresh = join(root, 'fresh');
    cpSync(join(repo, 'tsconfig.json'), join(fresh, 'tsconfig.json'));
    cpSync(join(repo, 'sdk'), join(fresh, 'sdk'), {
      recursive: true,
      filter: (src) => !/\/sdk\/(dist|test|node_modules)$|\.tsbuildinfo$/.test(src),
    });
    symlinkSync(join(repo, 'node_modules'), join(fresh, 'node_modules'));
    // The widget and the server as `npm run build` left them: their prepack would rewrite widget/dist
    // while other suites serve it, so their scripts are skipped here (the SDK's above runs for real).
    await Promise.all([
      mustRun('npm', ['pack', '--pack-destination', tgz], join(fresh, 'sdk'), 180_000),
      mustRun('npm', ['pack', '--ignore-scripts', '--pack-destination', tgz], join(repo, 'widget')),
      mustRun('npm', ['pack', '--ignore-scripts', '--pack-destination', tgz], join(repo, 'server')),
    ]);
    const listed = await Promise.all(PACKAGES.map((pkg) => mustRun('tar', ['-tzf', join(tgz, tarball(pkg))], root)));
    entries = Object.fromEntries(
      PACKAGES.map((pkg, i) => [pkg, listed[i]!.stdout.split('\n').filter(Boolean).map((e) => e.replace(/^package\//, ''))]),
    ) as Record<Package, string[]>;

    // A project of its own, as a user sets one up: the three tarballs, ws, and the typings of ws and Node.
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'parley-consumer', private: true }));
    await mustRun(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', ...PACKAGES.map((pkg) => join(tgz, tarball(pkg))), 'ws@^8', '@types/ws@^8', '@types/node@^20'],
      project,
      180_000,
    );
    const example = codeBlock('README.md', '## Use it from code');
    writeFileSync(join(project, 'chat.mts'), example);
    writeFileSync(join(project, 'chat.cts'), example);
    // The SDK README's bot guide, against the packed `@parley/sdk/bot` subpath.
    writeFileSync(join(project, 'bot.mts'), codeBlock('sdk/README.md', '## Bots'));
    const compilerOptions = { strict: true, target: 'es2022', lib: ['es2022'], types: ['node'], outDir: 'out' };
    // Checks the shipped typings too (skipLibCheck off): ES module and CommonJS ones.
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { ...compilerOptions, module: 'nodenext' }, files: ['chat.mts', 'chat.cts', 'bot.mts'] }));
    // node16 never loads an ES module through require() (TS1479): the CommonJS typings must be CommonJS.
    writeFileSync(
      join(project, 'tsconfig.node16.json'),
      JSON.stringify({ compilerOptions: { ...compilerOptions, module: 'node16', noEmit: true, skipLibCheck: true }, files: ['chat.mts', 'chat.cts', 'bot.mts'] }),
    );
    // The widget's ES-module example, as a page's script compiled by a bundler-minded setup.
    writeFileSync(join(project, 'page.ts'), codeBlock('widget/README.md', '## Embed'));
    writeFileSync(
      join(project, 'tsconfig.page.json'),
      JSON.stringify({
        compilerOptions: { strict: true, target: 'es2022', lib: ['es2022', 'dom'], module: 'esnext', moduleResolution: 'bundler', types: [], skipLibCheck: true, noEmit: true },
        files: ['page.ts'],
      }),
    );
    // The command the installed server package put in node_modules/.bin, as `npx parley-server` runs it.
    server = await startProcess(serverEnv, bin());
  }, 300_000);

  afterAll(async () => {
    await server?.stop();
    await dropStorage(storage);
    if (root) rmSync(root, { recursive: true, force: true });
  });

  test('every tarball holds its build, LICENSE and README, and no tests or build state', () => {
    const license = readFileSync(join(repo, 'LICENSE'), 'utf8');
    const shipped: Record<Package, RegExp> = {
      sdk: /^(dist|src)\//,
      widget: /^(dist|lib|src)\/|^custom-elements\.json$/,
      server: /^(dist|src|demo|admin)\//,
    };
    for (const pkg of PACKAGES) {
      const files = entries[pkg];
      expect(files, pkg).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json']));
      expect(files.filter((f) => !['LICENSE', 'README.md', 'package.json'].includes(f) && !shipped[pkg].test(f)), pkg).toEqual([]);
      expect(files.filter((f) => /(^|\/)test\/|\.test\.|tsbuildinfo|tsconfig/.test(f)), pkg).toEqual([]);
      const installed = join(project, 'node_modules/@parley', pkg);
      expect(readFileSync(join(installed, 'LICENSE'), 'utf8'), pkg).toBe(license);
      // Every file the manifest points at (exports, main, types, bin) is in the tarball.
      const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as Record<string, unknown>;
      const pointed = targets([manifest.exports, manifest.main, manifest.types, manifest.bin]);
      expect(pointed.length, pkg).toBeGreaterThan(2);
      for (const file of pointed) expect(files, `${pkg}: ${file}`).toContain(file);
    }
    // Packed from sources that were never built: prepack built the ES module, CommonJS and browser builds.
    expect(entries.sdk).toEqual(expect.arrayContaining(['dist/index.js', 'dist/cjs/index.js', 'dist/cjs/index.d.ts', 'dist/browser/parley-sdk.js']));
  });

  test('the README example type-checks as ES module and as CommonJS (nodenext and node16), the widget README one in a page', async () => {
    const checks = await Promise.all(['tsconfig.json', 'tsconfig.node16.json', 'tsconfig.page.json'].map((config) => run(process.execPath, [tsc, '-p', config], project)));
    for (const [i, config] of ['nodenext', 'node16', 'page'].entries()) {
      expect(checks[i]!.stdout + checks[i]!.stderr, config).toBe('');
      expect(checks[i]!.code, config).toBe(0);
    }
    // The CommonJS build really is loaded with require() (not the ES module through require(esm)).
    expect(readFileSync(join(project, 'out/chat.cjs'), 'utf8')).toContain('require("@parley/sdk")');
  }, 120_000);

  test('the README example runs as ES module and as CommonJS against the installed parley-server', async () => {
    const http = `http://127.0.0.1:${server!.port}`;
    if (!existsSync(join(project, 'out/chat.mjs'))) await mustRun(process.execPath, [tsc, '-p', 'tsconfig.json'], project);
    const seqs: number[] = [];
    // Node 20.19+ would load an ES module through require() anyway; without that, only a CommonJS build works.
    for (const args of [['out/chat.mjs'], ['--no-experimental-require-module', 'out/chat.cjs']]) {
      const ran = await run(process.execPath, [...args, http], project, 30_000);
      expect(ran.stderr, args.join(' ')).toBe('');
      expect(ran.code).toBe(0);
      expect(ran.stdout).toContain('connection: connected');
      const stored = /stored as #(\d+); the last (\d+) events of #lobby are loaded/.exec(ran.stdout);
      expect(stored, ran.stdout).not.toBeNull();
      seqs.push(Number(stored![1]));
    }
    // Both messages are in the room's history as the server stores it.
    const guest = (await (await fetch(`${http}/v1/guest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Reader' }),
    })).json()) as { token: string };
    const page = (await (await fetch(`${http}/v1/rooms/lobby/events?limit=50`, { headers: { authorization: `Bearer ${guest.token}` } })).json()) as {
      events: { seq: number; kind: string; name: string; body?: string }[];
    };
    for (const seq of seqs) expect(page.events.find((e) => e.seq === seq)).toMatchObject({ kind: 'msg', name: 'Ada', body: 'Hello!' });
  }, 120_000);

  test('the installed parley-server serves the widget and the demo page, also when npm nests the widget under it', async () => {
    const widgetDist = (modules: string) => readFileSync(join(modules, '@parley/widget/dist/widget.js'), 'utf8');
    const check = async (port: number, modules: string) => {
      const http = `http://127.0.0.1:${port}`;
      const loader = await fetch(`${http}/widget.js`);
      expect(loader.status).toBe(200);
      expect(await loader.text()).toBe(widgetDist(modules));
      expect((await fetch(`${http}/chat-widget.js`)).status).toBe(200);
      const demo = await fetch(`${http}/`);
      expect(demo.status).toBe(200);
      expect(await demo.text()).toContain('widget.js');
    };
    await check(server!.port, join(project, 'node_modules'));
    await server!.stop();

    // `npm install -g @parley/server` from a registry puts the server's dependencies under it, not
    // beside it (and so does a version conflict): the server must find the widget through Node's
    // resolution, wherever it sits.
    const nested = join(project, 'node_modules/@parley/server/node_modules/@parley');
    mkdirSync(nested, { recursive: true });
    renameSync(join(project, 'node_modules/@parley/widget'), join(nested, 'widget'));
    server = await startProcess(serverEnv, bin());
    await check(server.port, join(project, 'node_modules/@parley/server/node_modules'));
  }, 120_000);
});
