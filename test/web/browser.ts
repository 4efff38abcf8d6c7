import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import {
  accessSync,
  constants,
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createBrotliDecompress } from 'node:zlib';
import { type Browser, chromium, type Page } from 'playwright-core';

/**
 * The Chromium the browser tests drive: TAKT_CHROMIUM, else the system's (/usr/bin/chromium,
 * Debian's), else the one the @sparticuz/chromium dev dependency ships compressed inside its
 * npm package (unpacked once into the temp dir). Never a downloaded browser.
 */
export async function chromiumExecutable(): Promise<string> {
  const given = process.env.TAKT_CHROMIUM;
  if (given) return given;
  if (isExecutableFile('/usr/bin/chromium')) return '/usr/bin/chromium';
  return unpackPackagedChromium();
}

/** A regular file we may run (not, say, /dev/null bound over it to hide it). */
function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The package's own executablePath() unpacks to a fixed /tmp/chromium and trusts any file
 * there, so two test files starting at once (or an interrupted run) could launch a half-written
 * binary. This unpacks to a temp name per process and renames it into a versioned folder.
 */
async function unpackPackagedChromium(): Promise<string> {
  const require = createRequire(import.meta.url);
  // Its exports hide package.json; the entry is <package>/build/cjs/index.cjs.
  const pkgJson = join(dirname(require.resolve('@sparticuz/chromium')), '..', '..', 'package.json');
  const version = (JSON.parse(readFileSync(pkgJson, 'utf8')) as { version: string }).version;
  const dir = join(tmpdir(), `takt-chromium-${version}`);
  const exe = join(dir, 'chromium');
  if (existsSync(exe)) return exe;
  mkdirSync(dir, { recursive: true });
  const partial = `${exe}.${process.pid}.partial`;
  await pipeline(
    createReadStream(join(dirname(pkgJson), 'bin', 'chromium.br')),
    createBrotliDecompress({ chunkSize: 2 ** 21 }),
    createWriteStream(partial, { mode: 0o755 }),
  );
  renameSync(partial, exe);
  return exe;
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: await chromiumExecutable(),
    // The machine's locale must not leak into the page: under LANG=C (Docker, CI) the packaged
    // Chromium reports navigator.language "en-US@posix", which uPlot hands to Intl.NumberFormat
    // at import, and that throws, so the dashboard never mounts. Debian's build says "en-US".
    env: { ...process.env, LANG: 'en_US.UTF-8', LC_ALL: 'en_US.UTF-8' },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * axe-core's WCAG 2 A and AA rules on the page as it is. axe is evaluated over the
 * DevTools protocol, so the page's Content-Security-Policy stays in force.
 */
export async function axeViolations(page: Page): Promise<{ id: string; targets: string[] }[]> {
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    // Runs in the page; the tests' tsconfig has no DOM types.
    const inPage = globalThis as unknown as {
      document: unknown;
      axe: {
        run: (ctx: unknown, opts: unknown) => Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }>;
      };
    };
    const r = await inPage.axe.run(inPage.document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return r.violations.map((v) => ({ id: v.id, targets: v.nodes.map((n) => n.target.join(' ')) }));
  });
}

export interface ServedTakt {
  url: string;
  /** Everything `takt serve` printed so far. */
  log: () => string;
  stop(): Promise<void>;
}

/** `takt serve` from the build (dist/), as a user runs it, on a fresh store and a random port. */
export async function serveBuiltTakt(): Promise<ServedTakt> {
  const home = mkdtempSync(join(tmpdir(), 'takt-web-'));
  const main = join(import.meta.dirname, '..', '..', 'dist', 'main.js');
  const server: ChildProcessWithoutNullStreams = spawn(process.execPath, [main, 'serve'], {
    env: { ...process.env, TAKT_HOME: home, TAKT_HTTP_PORT: '0', TAKT_GRPC: '0' },
  });
  let out = '';
  server.stdout.on('data', (d) => {
    out += d;
  });
  server.stderr.on('data', (d) => {
    out += d;
  });
  const url = await new Promise<string>((resolve, reject) => {
    const check = () => {
      const m = /HTTP (http:\/\/[^\s,]+)/.exec(out);
      if (m && /first-run setup code|takt token create/.test(out)) resolve(m[1] as string);
    };
    server.stdout.on('data', check);
    server.once('exit', (code) => reject(new Error(`takt serve exited with ${code}: ${out}`)));
  });
  return {
    url,
    log: () => out,
    async stop() {
      if (server.exitCode === null && server.signalCode === null) {
        const exited = new Promise((resolve) => server.once('exit', resolve));
        server.kill('SIGTERM');
        await exited;
      }
      rmSync(home, { recursive: true, force: true });
    },
  };
}
