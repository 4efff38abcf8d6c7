import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Debian's chromium, never a downloaded browser (.ci/run installs it). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.TAKT_CHROMIUM ?? '/usr/bin/chromium',
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
