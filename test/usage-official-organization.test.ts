import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { touchAccount } from '../src/store/telemetry.ts';
import { startTakt, type TestTakt } from './support/takt-server.ts';

/**
 * A claude.ai reading names an organization, not an account. The server counts it toward the
 * person's one account that telemetry saw in that organization; when it cannot tell (two
 * accounts there), it answers 422 and `takt usage official` exits 2 asking for --account.
 */
const main = join(import.meta.dirname, '..', 'dist', 'main.js');
let takt: TestTakt;
let fake: Server;
let fakeUrl: string;
const scratch = mkdtempSync(join(tmpdir(), 'takt-official-org-'));

beforeAll(async () => {
  takt = await startTakt();
  fake = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ five_hour: { utilization: 36, resets_at: '2099-01-01T13:00:00+00:00' } }));
  });
  await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
  fakeUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
  writeFileSync(join(scratch, 'session-key'), 'sk-ant-sid01-test\n', { mode: 0o600 });
});
afterAll(async () => {
  await takt.stop();
  await new Promise<void>((r) => fake.close(() => r()));
  rmSync(scratch, { recursive: true, force: true });
});

let runs = 0;
function official(token: string, org: string, extra: string[] = []) {
  const home = join(scratch, `home-${++runs}`); // its own cache: every run asks claude.ai
  writeFileSync(join(scratch, `token-${runs}`), `${token}\n`, { mode: 0o600 });
  const args = [main, 'usage', 'official', '--json', '--source', 'claude-ai', '--org', org];
  args.push('--session-key-file', join(scratch, 'session-key'), '--server', takt.directUrl);
  args.push('--token-file', join(scratch, `token-${runs}`), ...extra);
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(
      process.execPath,
      args,
      {
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: home,
          TAKT_HOME: home,
          TAKT_CLAUDE_AI_BASE_URL: fakeUrl,
        },
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    ),
  );
}

async function accountsOf(userId: string, accounts: [string, string][]) {
  for (const [uuid, org] of accounts)
    await touchAccount(
      takt.server.context.store.db,
      userId,
      { key: uuid, accountUuid: uuid, organizationId: org, email: null },
      Date.now(),
    );
}

it('counts the reading toward the one account seen in that organization, and says which', async () => {
  const ann = await takt.addUser('ann@example.com');
  await accountsOf(ann.userId, [
    ['acc-ann-work', 'org-work'],
    ['acc-ann-home', 'org-home'],
  ]);
  const r = await official(ann.token, 'org-home');
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout)).toMatchObject({
    posted_to: `${takt.directUrl} (201)`,
    account_note: 'Organization org-home is your account acc-ann-home; another with --account UUID.',
  });
});

it('exits 2 and asks for --account when the server cannot tell (422); --account settles it', async () => {
  const bo = await takt.addUser('bo@example.com');
  await accountsOf(bo.userId, [
    ['acc-bo-1', 'org-shared'],
    ['acc-bo-2', 'org-shared'],
  ]);
  const refused = await official(bo.token, 'org-shared');
  expect(refused.code).toBe(2);
  expect(JSON.parse(refused.stdout)).toMatchObject({ posted_to: null });
  expect(refused.stderr).toContain('(422: you have 2 accounts in organization org-shared');
  expect(refused.stderr).toContain(
    'This claude.ai reading is about organization org-shared, and you have several accounts: pass --account UUID',
  );
  const given = await official(bo.token, 'org-shared', ['--account', 'acc-bo-2']);
  expect(given.code).toBe(0);
  expect(JSON.parse(given.stdout)).toMatchObject({ posted_to: `${takt.directUrl} (201)` });
  expect(JSON.parse(given.stdout).account_note).toBeUndefined();
});
