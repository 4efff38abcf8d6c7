import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeMetrics, tokenMetrics } from './support/otlp-payloads.ts';

/** The built CLI (npm test builds first), as a user runs it. */
const main = join(import.meta.dirname, '..', 'dist', 'main.js');
const run = promisify(execFile);
const home = mkdtempSync(join(tmpdir(), 'takt-cli-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('takt serve and takt token create', () => {
  it('refuses to start on a bad setting, naming it, with exit code 2', async () => {
    const failed = await run(process.execPath, [main, 'serve'], {
      env: { ...process.env, TAKT_HOME: home, TAKT_GRPC_PORT: 'abc' },
    }).catch((e: { code: number; stderr: string }) => e);
    expect(failed).toMatchObject({
      code: 2,
      stderr:
        'takt cannot start, a setting is invalid:\n  TAKT_GRPC_PORT (--grpc-port): TAKT_GRPC_PORT must be a port number (0-65535) (got "abc")\n',
    });
  });

  it('creates a token on the local store that the server then accepts, and stops cleanly on SIGTERM', async () => {
    const env = { ...process.env, TAKT_HOME: home, TAKT_HTTP_PORT: '0', TAKT_GRPC_PORT: '0' };
    const created = JSON.parse(
      (
        await run(
          process.execPath,
          [main, 'token', 'create', '--email', 'Cli@Example.com', '--label', 'ci', '--json'],
          { env },
        )
      ).stdout,
    ) as { email: string; created_user: boolean; token: string };
    expect([created.email, created.created_user, created.token.startsWith('takt_')]).toEqual([
      'cli@example.com',
      true,
      true,
    ]);

    const server = spawn(process.execPath, [main, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const url = await new Promise<string>((resolve) => {
      let out = '';
      server.stdout.on('data', (d) => {
        out += d;
        const m = /HTTP (http:\/\/[^\s,]+)/.exec(out);
        if (m) resolve(m[1] as string);
      });
    });
    const t = Date.UTC(2026, 10, 2);
    const body = encodeMetrics(
      tokenMetrics({ host: 'cli-box', sessionId: 'cli' }, [{ model: 'm', type: 'output', value: 77 }], {
        startMs: t,
        timeMs: t + 1000,
      }),
    );
    const post = await fetch(`${url}/v1/metrics`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${created.token}` },
    });
    const usage = await fetch(`${url}/api/usage?from=2026-11-02T00:00:00Z&to=2026-11-03T00:00:00Z`, {
      headers: { authorization: `Bearer ${created.token}` },
    }).then((r) => r.json() as Promise<{ totals: { output_tokens: number } }>);
    const exited = new Promise<number | null>((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    expect([post.status, usage.totals.output_tokens, await exited]).toEqual([200, 77, 0]);
  });
});
