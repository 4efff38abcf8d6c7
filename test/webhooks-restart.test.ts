import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { TestClient } from './support/http-client.ts';
import { dialects } from './support/test-databases.ts';
import { waitFor } from './support/wait-for.ts';
import { startReceiver } from './support/webhook-receiver.ts';

/**
 * At-least-once through a crash: `takt serve` (the built CLI) is killed with SIGKILL in the
 * middle of a delivery while the receiver fails 70% of attempts, then started again on the same
 * database. Every event arrives, each webhook-id is answered 2xx exactly once (nothing is sent
 * again after a success), and every request verifies with `standardwebhooks`.
 */
const main = join(import.meta.dirname, '..', 'dist', 'main.js');
const run = promisify(execFile);
const TESTS = 12;

function serve(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcessWithoutNullStreams; url: string }> {
  const child = spawn(process.execPath, [main, 'serve'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  return new Promise((resolve) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /HTTP (http:\/\/[^\s,]+)/.exec(out);
      if (m) resolve({ child, url: m[1] as string });
    });
  });
}

describe.each(dialects)('webhook delivery through kill -9 on $name', ({ create }) => {
  const home = mkdtempSync(join(tmpdir(), 'takt-wh-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('delivers every event exactly once after a success, with a 70% failing receiver and a SIGKILL', async () => {
    const db = await create();
    const receiver = await startReceiver();
    const env = {
      ...process.env,
      TAKT_HOME: home,
      TAKT_DATABASE_URL: db.url,
      TAKT_HTTP_PORT: '0',
      TAKT_GRPC: '0',
      TAKT_WEBHOOK_ALLOW_HTTP: '1',
      TAKT_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8',
      TAKT_WEBHOOK_RETRY_SCHEDULE: Array(11).fill('0.05').join(','),
      TAKT_WEBHOOK_TIMEOUT: '5',
      TAKT_WEBHOOK_LEASE: '6',
      // The test fires TESTS test events at once: above the per-user rate of /test (issue 22.5).
      TAKT_WEBHOOK_SENDS_PER_MINUTE: '1000',
    };
    const token = (
      JSON.parse(
        (await run(process.execPath, [main, 'token', 'create', '--email', 'ops@example.com', '--json'], { env }))
          .stdout,
      ) as { token: string }
    ).token;
    let server = await serve(env);
    const api = () => new TestClient(server.url, token);

    // The endpoint, added with the CLI.
    const added = JSON.parse(
      (
        await run(
          process.execPath,
          [
            main,
            'admin',
            'webhooks',
            'add',
            '--server',
            server.url,
            '--token',
            token,
            '--url',
            receiver.url,
            '--events',
            'limit_approaching',
            '--json',
          ],
          { env },
        )
      ).stdout,
    ) as { id: string; secret: string };
    receiver.secret = added.secret;

    // The receiver holds its first request until every event is in the outbox; then it fails
    // 7 attempts in 10, and on its 6th request (a failing one) the server is killed mid-send.
    let open: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    let restarted: Promise<void> = Promise.resolve();
    receiver.answer = async (n) => {
      if (n === 0) await gate;
      if (n === 5) {
        const old = server.child;
        restarted = new Promise<void>((resolve) => {
          old.once('exit', async () => {
            server = await serve(env);
            resolve();
          });
        });
        old.kill('SIGKILL');
      }
      return n % 10 < 7 ? 500 : 204;
    };

    const tests = Array.from({ length: TESTS }, () => api().call('POST', `/api/webhooks/${added.id}/test`));
    for (const pct of [85, 96]) {
      const r = await api().call('POST', '/api/official-usage', {
        source: 'statusline',
        account_uuid: 'acct-restart',
        rate_limits: { five_hour: { used_percentage: pct, resets_at: Date.now() / 1000 + 3600 } },
      });
      expect(r.status).toBe(201);
    }
    const queued = async () =>
      (await api().call('GET', `/api/webhooks/${added.id}/deliveries?limit=100`)).body.deliveries.length as number;
    while ((await queued()) < TESTS + 2) await new Promise((r) => setTimeout(r, 50));
    open();
    await Promise.allSettled(tests);

    await receiver.waitFor(() => new Set(receiver.delivered().map((q) => q.id)).size >= TESTS + 2, 90_000);
    await restarted;
    // The worker is idle once no delivery is pending (a claimed one stays pending until its
    // outcome is recorded): from then on nothing is sent again, so the counts below are final.
    await waitFor(
      'no delivery pending',
      async () =>
        (
          (await api().call('GET', `/api/webhooks/${added.id}/deliveries?limit=100`)).body.deliveries as {
            status: string;
          }[]
        ).filter((d) => d.status === 'pending').length,
      (n) => n === 0,
      90_000,
    );

    const successes = new Map<string, number>();
    for (const q of receiver.delivered()) successes.set(q.id, (successes.get(q.id) ?? 0) + 1);
    const types = receiver.delivered().map((q) => (q.verified as { type: string }).type);
    const log = (await api().call('GET', `/api/webhooks/${added.id}/deliveries?limit=100`)).body.deliveries as {
      status: string;
    }[];
    const failed = receiver.requests.filter((q) => q.status >= 300).length;
    expect({
      events: successes.size,
      answeredTwice: [...successes.values()].filter((n) => n > 1).length,
      unverified: receiver.requests.filter((q) => q.verified === null).length,
      tests: types.filter((t) => t === 'webhook_test').length,
      approaching: types.filter((t) => t === 'limit_approaching').length,
      logged: log.map((d) => d.status).filter((s) => s === 'delivered').length,
      mostlyFailing: failed / receiver.requests.length >= 0.6,
    }).toEqual({
      events: TESTS + 2,
      answeredTwice: 0,
      unverified: 0,
      tests: TESTS,
      approaching: 2,
      logged: TESTS + 2,
      mostlyFailing: true,
    });

    const exited = new Promise((resolve) => server.child.once('exit', resolve));
    server.child.kill('SIGTERM');
    await exited;
    await receiver.close();
    await db.drop();
  }, 60_000);
});
