// Screenshots of the dashboard for docs/images/: wide and phone, light and dark.
// Starts `takt serve` from the build (run `npm run build` first) on a temp store, creates
// the first admin through the first-run page, exports two weeks of sample usage over
// OTLP/JSON, and photographs the main page in Debian's Chromium. While the server has no
// limits endpoint (GET /api/me/usage answers 404), the limits cards are filled from a
// sample answer in the documented shape, and the script says so.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
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

// Two weeks of usage, heavier on weekdays, across two models and two machines.
const attr = (key, v) => ({ key, value: { stringValue: v } });
const ns = (ms) => `${BigInt(Math.round(ms)) * 1_000_000n}`;
const now = Date.now();
for (let day = 13; day >= 0; day--) {
  for (const [host, model, scale] of [
    ['laptop', 'claude-sonnet-4-5', 1],
    ['build-box', 'claude-opus-4-1', 0.35],
  ]) {
    const t = now - day * 86_400_000 - 3_600_000;
    const weekday = new Date(t).getDay() % 6 !== 0;
    const k = scale * (weekday ? 1 : 0.3) * (0.6 + ((day * 7919) % 10) / 12);
    const points = [
      ['input', 180_000 * k],
      ['output', 95_000 * k],
      ['cacheRead', 2_400_000 * k],
      ['cacheCreation', 310_000 * k],
    ];
    const common = [attr('session.id', `s-${host}-${day}`), attr('user.account_uuid', 'acct-1')];
    const body = {
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
    };
    const r = await fetch(`${url}/v1/metrics`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${added.token}` },
      body: JSON.stringify(body),
    });
    if (!r.ok) throw new Error(`export failed: ${r.status} ${await r.text()}`);
  }
}

const hour = 3_600_000;
const iso = (ms) => new Date(ms).toISOString();
const fiveStart = Math.floor(now / hour) * hour - 2 * hour;
const weekStart = now - 4.2 * 24 * hour;
const sampleUsage = {
  accounts: [
    {
      id: 'a1',
      uuid: 'acct-1',
      label: 'Personal Max',
      plan: 'max5',
      unit: 'usd',
      windows: {
        five_hour: {
          window_start: iso(fiveStart),
          resets_at: iso(fiveStart + 5 * hour),
          used: 31.4,
          used_tokens: 9_812_345,
          limit: 40,
          utilization: 78.5,
          source: 'official',
          as_of: iso(now - 4 * 60_000),
          confidence: 'high',
        },
        seven_day: {
          window_start: iso(weekStart),
          resets_at: iso(weekStart + 7 * 24 * hour),
          used: 212.6,
          used_tokens: 61_204_551,
          limit: 400,
          utilization: 53.2,
          source: 'calibrated',
          as_of: iso(now - 60_000),
          confidence: 'medium',
        },
        seven_day_opus: {
          window_start: iso(weekStart),
          resets_at: iso(weekStart + 7 * 24 * hour),
          used: 88.1,
          used_tokens: 12_044_120,
          limit: 100,
          utilization: 88.1,
          source: 'calibrated',
          as_of: iso(now - 60_000),
          confidence: 'medium',
        },
        monthly: {
          window_start: iso(now - 17 * 24 * hour),
          resets_at: iso(now + 13 * 24 * hour),
          used: 640.2,
          used_tokens: 190_440_100,
          limit: null,
          utilization: null,
          source: 'configured',
          as_of: iso(now),
          confidence: null,
        },
      },
    },
    {
      id: 'a2',
      uuid: 'acct-2',
      label: 'Team seat',
      plan: 'team',
      unit: 'tokens',
      windows: {
        five_hour: {
          window_start: iso(fiveStart + hour),
          resets_at: iso(fiveStart + 6 * hour),
          used: 1_250_000,
          used_tokens: 1_250_000,
          limit: 8_000_000,
          utilization: 15.6,
          source: 'estimated',
          as_of: iso(now - 30_000),
          confidence: 'low',
        },
        seven_day: {
          window_start: iso(weekStart),
          resets_at: iso(weekStart + 7 * 24 * hour),
          used: 21_000_000,
          used_tokens: 21_000_000,
          limit: 90_000_000,
          utilization: 23.3,
          source: 'official',
          as_of: iso(now - 20 * 60_000),
          confidence: 'high',
        },
      },
    },
  ],
};
const sampleForecast = {
  accounts: [
    {
      id: 'a1',
      uuid: 'acct-1',
      windows: {
        five_hour: {
          utilization: 78.5,
          burn_rate_pct_per_hour: 24,
          hits_cap_at: iso(now + 54 * 60_000),
          resets_at: iso(fiveStart + 5 * hour),
          resets_first: false,
          verdict: 'will_hit_cap',
        },
        seven_day: {
          utilization: 53.2,
          burn_rate_pct_per_hour: 0.8,
          hits_cap_at: null,
          resets_at: iso(weekStart + 7 * 24 * hour),
          resets_first: true,
          verdict: 'ok',
        },
      },
    },
    {
      id: 'a2',
      uuid: 'acct-2',
      windows: {
        five_hour: {
          utilization: 15.6,
          burn_rate_pct_per_hour: 3,
          hits_cap_at: null,
          resets_at: iso(fiveStart + 6 * hour),
          resets_first: true,
          verdict: 'ok',
        },
      },
    },
  ],
};
const samplePace = {
  recommended_account: { id: 'a2', uuid: 'acct-2', label: 'Team seat' },
  reason: '36% weekly slack; Personal Max runs out of its 5-hour window before it resets.',
  accounts: [
    {
      id: 'a1',
      uuid: 'acct-1',
      weekly_used_pct: 53.2,
      weekly_expected_pct: 60,
      weekly_slack_pct: 6.8,
      blocked: false,
      blocked_until: null,
    },
    {
      id: 'a2',
      uuid: 'acct-2',
      weekly_used_pct: 23.3,
      weekly_expected_pct: 60,
      weekly_slack_pct: 36.7,
      blocked: false,
      blocked_until: null,
    },
  ],
};
const limitsMissing = (await fetch(`${url}/api/me/usage`, { headers: { cookie } })).status === 404;
if (limitsMissing)
  process.stdout.write('screenshots: /api/me/usage is not on this server: limits cards show sample data\n');

const browser = await chromium.launch({
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
      if (limitsMissing) {
        for (const [path, body] of [
          ['/api/me/usage', sampleUsage],
          ['/api/forecast', sampleForecast],
          ['/api/me/pace', samplePace],
        ]) {
          await page.route(`${url}${path}`, (route) => route.fulfill({ json: body }));
        }
      }
      await page.goto(url);
      await page.getByTestId('range-total').waitFor();
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
} finally {
  await browser.close();
  server.kill('SIGTERM');
  await new Promise((resolve) => server.once('exit', resolve));
  rmSync(home, { recursive: true, force: true });
}
process.stdout.write(`screenshots: ${out.join(', ')}\n`);
