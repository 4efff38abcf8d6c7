// Screenshots of the dashboard for docs/images/: wide and phone, light and dark.
// Starts `takt serve` from the build (run `npm run build` first) on a temp store, creates
// the first admin through the first-run page, and puts in real data over the real API —
// two weeks of usage over OTLP (metrics for the history, per-request api_request events
// for today's sessions) on two accounts and two machines, official figures with past
// capture times as the status line and the OAuth poller send them, account settings —
// then photographs the main page in Debian's Chromium. Nothing is stubbed.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const home = mkdtempSync(join(tmpdir(), 'takt-shots-'));
const server = spawn(process.execPath, ['dist/main.js', 'serve'], {
  env: { ...process.env, TAKT_HOME: home, TAKT_HTTP_PORT: '0', TAKT_GRPC: '0' },
});
let log = '';
const url = await new Promise((resolve, reject) => {
  server.stdout.on('data', (d) => {
    log += d;
    const m = /HTTP (http:\/\/[^\s,]+)/.exec(log);
    if (m && /first-run setup code: /.test(log)) resolve(m[1]);
  });
  server.once('exit', (code) => reject(new Error(`takt serve exited with ${code}: ${log}`)));
});
const code = /first-run setup code: ([A-Z0-9-]+)/.exec(log)[1];
const email = 'ada@example.com';
const password = 'screenshots only';

async function json(method, path, body, headers = {}) {
  const r = await fetch(`${url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { r, body: await r.json() };
}

const setup = await json('POST', '/auth/setup', { setup_code: code, email, password });
const cookie = setup.r.headers.get('set-cookie').split(';')[0];
const { body: added } = await json(
  'POST',
  '/auth/setup-additional',
  { machine: 'laptop' },
  { cookie, 'x-csrf-token': setup.body.csrf_token },
);

const bearer = { authorization: `Bearer ${added.token}` };
const attr = (key, v) => ({ key, value: { stringValue: v } });
const ns = (ms) => `${BigInt(Math.round(ms)) * 1_000_000n}`;
const now = Date.now();
const minute = 60_000;
const hour = 60 * minute;
const MAX = 'acct-personal-max';
const TEAM = 'acct-team-seat';

async function post(path, body, contentType = 'application/json') {
  const r = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': contentType, ...bearer },
    body: JSON.stringify(body),
  });
  if (!r.ok) throw new Error(`POST ${path} answered ${r.status}: ${await r.text()}`);
  return r.json();
}

// The history: thirteen days of usage over OTLP metrics, heavier on weekdays, on two
// machines with one account each.
for (let day = 13; day >= 1; day--) {
  for (const [host, model, account, scale] of [
    ['laptop', 'claude-sonnet-4-5', MAX, 1],
    ['build-box', 'claude-opus-4-1', TEAM, 0.35],
  ]) {
    const t = now - day * 86_400_000 - 3 * hour;
    const weekday = new Date(t).getDay() % 6 !== 0;
    const k = scale * (weekday ? 1 : 0.3) * (0.6 + ((day * 7919) % 10) / 12);
    const points = [
      ['input', 180_000 * k],
      ['output', 95_000 * k],
      ['cacheRead', 2_400_000 * k],
      ['cacheCreation', 310_000 * k],
    ];
    const common = [attr('session.id', `s-${host}-${day}`), attr('user.account_uuid', account)];
    await post('/v1/metrics', {
      resourceMetrics: [
        {
          resource: { attributes: [attr('service.name', 'claude-code'), attr('host.name', host)] },
          scopeMetrics: [
            {
              metrics: [
                {
                  name: 'claude_code.token.usage',
                  sum: {
                    aggregationTemporality: 1,
                    isMonotonic: true,
                    dataPoints: points.map(([type, v]) => ({
                      attributes: [...common, attr('model', model), attr('type', type)],
                      startTimeUnixNano: ns(t - 60_000),
                      timeUnixNano: ns(t),
                      asDouble: Math.round(v),
                    })),
                  },
                },
                {
                  name: 'claude_code.cost.usage',
                  sum: {
                    aggregationTemporality: 1,
                    isMonotonic: true,
                    dataPoints: [
                      {
                        attributes: [...common, attr('model', model)],
                        startTimeUnixNano: ns(t - 60_000),
                        timeUnixNano: ns(t),
                        asDouble: (model.includes('opus') ? 9 : 2.4) * k,
                      },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
    });
  }
}

// Today: per-request api_request events (the logs exporter), so sessions show their
// context-window use. Each request is { minutesAgo, input, output, cacheRead, cacheWrite }.
let sequence = 0;
async function requests(host, session, account, model, list) {
  await post('/v1/logs', {
    resourceLogs: [
      {
        resource: { attributes: [attr('service.name', 'claude-code'), attr('host.name', host)] },
        scopeLogs: [
          {
            scope: { name: 'com.anthropic.claude_code.events' },
            logRecords: list.map((q) => {
              const at = now - q.minutesAgo * minute;
              sequence++;
              return {
                timeUnixNano: ns(at),
                body: { stringValue: 'claude_code.api_request' },
                attributes: [
                  attr('session.id', session),
                  attr('user.account_uuid', account),
                  attr('event.name', 'api_request'),
                  attr('event.timestamp', new Date(at).toISOString()),
                  { key: 'event.sequence', value: { intValue: String(sequence) } },
                  attr('model', model),
                  attr('request_id', `req_${session}_${sequence}`),
                  attr('input_tokens', String(q.input)),
                  attr('output_tokens', String(q.output)),
                  attr('cache_read_tokens', String(q.cacheRead)),
                  attr('cache_creation_tokens', String(q.cacheWrite)),
                  attr('cost_usd', String(q.cost)),
                  attr('duration_ms', '4200'),
                ],
              };
            }),
          },
        ],
      },
    ],
  });
}

// Personal Max: a 5-hour window that started 3 hours ago, whose capacity is 4,000,000
// tokens (input + output + cache writes). The status line reports the percentages after
// each burst, as Claude Code would.
const CAPACITY = 4_000_000;
const resetsAt = now + 2 * hour;
const bursts = [
  { minutesAgo: 170, tokens: 600_000, observedAgo: 160 },
  { minutesAgo: 110, tokens: 900_000, observedAgo: 100 },
  { minutesAgo: 50, tokens: 700_000, observedAgo: 40 },
  { minutesAgo: 6, tokens: 350_000 },
];
let cumulative = 0;
for (const [i, b] of bursts.entries()) {
  const q = [];
  for (let j = 0; j < 4; j++) {
    const part = b.tokens / 4;
    q.push({
      minutesAgo: b.minutesAgo - j * 3,
      input: Math.round(part * 0.08),
      output: Math.round(part * 0.32),
      cacheRead: 60_000 + 30_000 * (i * 4 + j),
      cacheWrite: Math.round(part * 0.6),
      cost: (part / 1_000_000) * 5.1,
    });
  }
  await requests(i < 2 ? 'laptop' : 'laptop', i < 2 ? 's-morning' : 's-afternoon', MAX, 'claude-sonnet-4-5', q);
  cumulative += b.tokens;
  if (b.observedAgo !== undefined) {
    await post('/api/official-usage', {
      source: 'statusline',
      captured_at: new Date(now - b.observedAgo * minute).toISOString(),
      account_uuid: MAX,
      rate_limits: {
        five_hour: {
          used_percentage: Math.round((cumulative / CAPACITY) * 100),
          resets_at: Math.round(resetsAt / 1000),
        },
        seven_day: { used_percentage: 38 + i * 6, resets_at: Math.round((now + 3.3 * 24 * hour) / 1000) },
      },
    });
  }
}
// Some Opus work this week, which its own weekly bucket counts.
await requests('laptop', 's-afternoon', MAX, 'claude-opus-4-1', [
  { minutesAgo: 28, input: 9_000, output: 60_000, cacheRead: 300_000, cacheWrite: 150_000, cost: 4.9 },
  { minutesAgo: 24, input: 7_000, output: 48_000, cacheRead: 380_000, cacheWrite: 90_000, cost: 3.6 },
]);
// The OAuth poller's answer: the per-model weekly bucket too.
await post('/api/official-usage', {
  source: 'oauth',
  captured_at: new Date(now - 12 * minute).toISOString(),
  account_uuid: MAX,
  usage: {
    seven_day_opus: { utilization: 71, resets_at: new Date(now + 3.3 * 24 * hour).toISOString() },
  },
});

// Team seat: an hour of work on the build box, a claude.ai reading 20 minutes ago.
await requests('build-box', 's-build', TEAM, 'claude-opus-4-1[1m]', [
  { minutesAgo: 75, input: 4_000, output: 12_000, cacheRead: 240_000, cacheWrite: 30_000, cost: 1.9 },
  { minutesAgo: 48, input: 6_000, output: 18_000, cacheRead: 410_000, cacheWrite: 45_000, cost: 2.8 },
  { minutesAgo: 2, input: 3_000, output: 9_000, cacheRead: 520_000, cacheWrite: 20_000, cost: 2.2 },
]);
await post('/api/official-usage', {
  source: 'claude_ai',
  captured_at: new Date(now - 20 * minute).toISOString(),
  account_uuid: TEAM,
  usage: {
    five_hour: { utilization: 12, resets_at: new Date(now + 3.6 * hour).toISOString() },
    seven_day: { utilization: 23, resets_at: new Date(now + 5.2 * 24 * hour).toISOString() },
  },
});

// Settings, as the Account page would send them.
const { accounts } = await (await fetch(`${url}/api/accounts`, { headers: bearer })).json();
const idOf = (uuid) => accounts.find((a) => a.uuid === uuid).id;
for (const [uuid, patch] of [
  [MAX, { label: 'Personal Max', plan: 'max5', unit: 'tokens' }],
  [TEAM, { label: 'Team seat', plan: 'team', team_seat: true, per_seat_cap: 150 }],
]) {
  const r = await fetch(`${url}/api/accounts/${idOf(uuid)}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json', ...bearer },
    body: JSON.stringify(patch),
  });
  if (!r.ok) throw new Error(`PATCH account answered ${r.status}: ${await r.text()}`);
}

// An alert endpoint, as the Webhooks page makes one (delivery would need the network: none here).
await post('/api/webhooks', {
  url: 'https://hooks.example.com/services/takt',
  events: ['limit_approaching', 'limit_hit', 'telemetry_stale'],
  format: 'slack',
  description: 'Team channel',
});

/**
 * The Chromium the browser tests use (test/web/browser.ts): TAKT_CHROMIUM, else Debian's, else
 * the one the tests unpacked from the @sparticuz/chromium package into the temp dir.
 */
function chromiumPath() {
  if (process.env.TAKT_CHROMIUM) return process.env.TAKT_CHROMIUM;
  if (existsSync('/usr/bin/chromium') && statSync('/usr/bin/chromium').isFile()) return '/usr/bin/chromium';
  const unpacked = readdirSync(tmpdir())
    .filter((d) => d.startsWith('takt-chromium-'))
    .map((d) => join(tmpdir(), d, 'chromium'))
    .find((f) => existsSync(f));
  if (unpacked) return unpacked;
  throw new Error(
    "No Chromium: set TAKT_CHROMIUM, install Debian's chromium, or run the browser tests once (npx vitest run test/web/fit.test.ts), which unpack the one from npm",
  );
}

const browser = await chromium.launch({
  executablePath: chromiumPath(),
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
});
mkdirSync('docs/images', { recursive: true });
const out = [];
try {
  for (const [size, viewport] of [
    ['wide', { width: 1440, height: 1000 }],
    ['phone', { width: 390, height: 844 }],
  ]) {
    for (const scheme of ['light', 'dark']) {
      const context = await browser.newContext({
        viewport,
        deviceScaleFactor: size === 'phone' ? 2 : 1,
        colorScheme: scheme,
        locale: 'en-US',
        timezoneId: 'Europe/Berlin',
      });
      await context.addCookies([{ name: 'takt_session', value: cookie.split('=')[1], url }]);
      const page = await context.newPage();
      await page.goto(url);
      await page.getByTestId('range-total').waitFor();
      await page.getByTestId('account-card').first().waitFor();
      if (process.env.SHOTS_STACK === 'model') {
        await page.getByLabel('Stack by').selectOption('model');
        await page.waitForTimeout(500);
      }
      await page.waitForTimeout(300);
      const file = `${process.env.SHOTS_DIR ?? 'docs/images'}/dashboard-${size}-${scheme}.png`;
      await page.screenshot({ path: file, fullPage: size === 'wide' || process.env.SHOTS_FULL_PAGE === '1' });
      out.push(file);
      await context.close();
    }
  }
  // The other pages, wide and light (phone-width checks: SHOTS_PAGES_PHONE=1).
  const phone = process.env.SHOTS_PAGES_PHONE === '1';
  const context = await browser.newContext({
    viewport: phone ? { width: 390, height: 844 } : { width: 1440, height: 1000 },
    deviceScaleFactor: phone ? 2 : 1,
    colorScheme: 'light',
    locale: 'en-US',
    timezoneId: 'Europe/Berlin',
  });
  await context.addCookies([{ name: 'takt_session', value: cookie.split('=')[1], url }]);
  const page = await context.newPage();
  for (const [path, ready] of [
    ['/sessions', 'session-table'],
    ['/machines', 'machine-table'],
    ['/account', 'account-settings'],
    ['/admin', 'seats-table'],
    ['/webhooks', 'webhook'],
  ]) {
    await page.goto(`${url}${path}`);
    await page.getByTestId(ready).first().waitFor();
    await page.waitForTimeout(300);
    if (process.env.SHOTS_DEBUG) {
      const wide = await page.evaluate(() =>
        [...document.querySelectorAll('body *')]
          .filter((e) => e.getBoundingClientRect().right > innerWidth + 1 && !e.closest('.table-wrap'))
          .slice(0, 6)
          .map((e) => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`)
          .concat([`scrollWidth ${document.documentElement.scrollWidth}`]),
      );
      process.stdout.write(`${path}: ${wide.join(' | ')}\n`);
    }
    const file = `${process.env.SHOTS_DIR ?? 'docs/images'}/page-${path.slice(1)}${phone ? '-phone' : ''}.png`;
    await page.screenshot({ path: file, fullPage: true });
    out.push(file);
  }
  await context.close();
} finally {
  await browser.close();
  server.kill('SIGTERM');
  await new Promise((resolve) => server.once('exit', resolve));
  rmSync(home, { recursive: true, force: true });
}
process.stdout.write(`screenshots: ${out.join(', ')}\n`);
