// Generates a year of takt data straight into a migrated SQLite store: users, machines,
// accounts, API tokens, usage_records and usage_hourly rows as takt's write path produces
// them (src/recording/telemetry-jobs.ts, src/store/telemetry.ts sumHourly), official
// observations as the status line forwards them, and limit events at five-hour hits.
//
// The shape: each user works on workdays in their own zone, 1–3 sessions a day of 0.5–4 h
// on one of 4 machines, on one of 1–3 accounts. In a session ~70% of minutes are active,
// with 1–4 API requests each (an `api_request` event row per request) and, per model, one
// `claude_code.*` metrics row per active minute (Claude Code exports every 60 s) carrying
// the same totals — both sources, as Claude Code sends them, which the counting rule
// resolves. Accounts with the status line send official five_hour and seven_day figures
// (and seven_day_opus on Max 20) every 3 minutes of activity. Today every user has a
// session running until now, so the current five-hour window is active.
//
// Rows are inserted day by day, every user's rows of a day sorted by time, so the tables
// are laid out as a live server would have written them (interleaved users).
import { createHash } from 'node:crypto';
import SqliteDatabase from 'better-sqlite3';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const MINUTE = 60_000;

/** Deterministic pseudo-random numbers (mulberry32), so two runs generate the same data. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Claude Code's own cost figure is computed from list prices per million tokens.
const MODELS = {
  sonnet: { name: 'claude-sonnet-4-5-20250929', input: 3, output: 15, write: 3.75, read: 0.3 },
  opus: { name: 'claude-opus-4-1-20250805', input: 15, output: 75, write: 18.75, read: 1.5 },
  haiku: { name: 'claude-haiku-4-5-20251001', input: 1, output: 5, write: 1.25, read: 0.1 },
};
const ZONES = [-7, -5, 0, 1, 1, 2, 8, 9]; // UTC offsets in hours
const HOSTS = ['laptop', 'desktop', 'devbox', 'ci-runner'];
const HOST_WEIGHTS = [0.5, 0.3, 0.15, 0.05];
const PLANS = [
  { plan: 'max5', five: 35, week: 210 },
  { plan: 'max20', five: 140, week: 840 },
  { plan: 'pro', five: 18, week: 108 },
];

/** Same width as store/telemetry.ts timeKeyPrefix: keys start with the time. */
const timeKeyPrefix = (ts) => Math.max(0, Math.floor(ts)).toString(36).padStart(9, '0');

/**
 * Fills `file` (a store migrated by takt) with `users` users' data for `days` days up to
 * `now`. Returns what it wrote: users (with ids and emails), row counts, seconds taken.
 */
export function generateDataset(file, { users = 50, days = 365, now = Date.now(), seed = 1 } = {}) {
  const started = process.hrtime.bigint();
  const rand = prng(seed);
  const pick = (weights) => {
    let x = rand();
    for (let i = 0; i < weights.length; i++) {
      x -= weights[i];
      if (x < 0) return i;
    }
    return weights.length - 1;
  };
  const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
  const hex = (n) => {
    let s = '';
    while (s.length < n)
      s += Math.floor(rand() * 4294967296)
        .toString(16)
        .padStart(8, '0');
    return s.slice(0, n);
  };
  const uuid = () => {
    const h = hex(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  };
  const alnum = (n) => {
    const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    let s = '';
    for (let i = 0; i < n; i++) s += abc[Math.floor(rand() * 62)];
    return s;
  };

  const raw = new SqliteDatabase(file);
  // Generation only: the store is rebuilt if this is interrupted. The server reopens it in WAL.
  raw.pragma('journal_mode = OFF');
  raw.pragma('synchronous = OFF');
  raw.pragma('cache_size = -262144');
  const start = now - days * DAY;

  const insertUser = raw.prepare(
    `insert into users (id, email, password_hash, role, created_at, disabled_at) values (?, ?, null, 'member', ?, null)
     on conflict (email) do nothing`,
  );
  const userIdOf = raw.prepare('select id from users where email = ?');
  const insertMachine = raw.prepare(
    'insert into machines (id, user_id, host_name, first_seen_at, last_seen_at) values (?, ?, ?, ?, ?)',
  );
  const insertAccount = raw.prepare(
    `insert into accounts (id, user_id, account_key, account_uuid, organization_id, email, first_seen_at, last_seen_at,
       label, plan, unit, limits, weekly_reset, month_start_day, team_seat, per_seat_cap)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'usd', null, null, 1, ?, null)`,
  );
  const insertToken = raw.prepare(
    `insert into api_tokens (id, user_id, prefix, secret_hash, label, created_at, last_used_at, revoked_at)
     values (?, ?, ?, ?, ?, ?, ?, null)`,
  );
  const insertTokenMachine = raw.prepare(
    'insert into token_machines (token_id, machine_id, user_id, first_seen_at, last_seen_at) values (?, ?, ?, ?, ?)',
  );
  const insertUsage = raw.prepare(
    `insert into usage_records (user_id, dedupe_key, source, ts, machine_id, account_id, session_id, model, request_id,
       input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens, cache_creation_5m_tokens,
       cache_creation_1h_tokens, cost_usd, token_id)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertHourly = raw.prepare(
    `insert into usage_hourly (user_id, hour, session_id, model, source, machine_id, account_id, records,
       input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens, cache_creation_5m_tokens,
       cache_creation_1h_tokens, cost_usd)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertObservation = raw.prepare(
    `insert into official_observations (id, user_id, account_id, window, utilization, resets_at, captured_at,
       received_at, source, session_id, raw) values (?, ?, ?, ?, ?, ?, ?, ?, 'statusline', ?, ?)`,
  );
  const insertLimitEvent = raw.prepare(
    `insert into limit_events (id, user_id, account_id, kind, window, at, resets_at, session_id, source, created_at, undone_at)
     values (?, ?, ?, 'hit_limit', 'five_hour', ?, ?, ?, 'hook', ?, null)`,
  );

  // People, machines, accounts and tokens.
  const people = [];
  raw.transaction(() => {
    for (let u = 0; u < users; u++) {
      const email = `bench-${u}@example.com`;
      insertUser.run(uuid(), email, start);
      const id = userIdOf.get(email).id;
      const zone = ZONES[u % ZONES.length];
      const machines = HOSTS.map((h) => {
        const m = { id: uuid(), host: `u${u}-${h}`, token: uuid() };
        insertMachine.run(m.id, id, m.host, start, now);
        insertToken.run(m.token, id, alnum(12), hex(64), `${m.host} (takt setup)`, start, now);
        insertTokenMachine.run(m.token, m.id, id, start, now);
        return m;
      });
      const accounts = Array.from({ length: 1 + (u % 3) }, (_, a) => {
        const p = PLANS[(u + a) % PLANS.length];
        const acc = {
          id: uuid(),
          uuid: uuid(),
          plan: p,
          // The status line forwards official figures for about half of the accounts.
          observed: (u + a) % 2 === 0,
          // Weekly reset: a weekday and hour of its own (official resets_at).
          weeklyAnchor: start - (start % DAY) + int(0, 6) * DAY + int(0, 23) * HOUR,
          five: { end: 0, start: 0, used: 0, hit: false },
          week: { start: 0, used: 0, opus: 0 },
          lastObservedBucket: -1,
        };
        insertAccount.run(
          acc.id,
          id,
          acc.uuid,
          acc.uuid,
          a === 1 ? `org-team-${u}` : uuid(),
          `bench-${u}${a ? `+${a}` : ''}@example.com`,
          start,
          now,
          a === 0 ? 'Personal' : a === 1 ? 'Team seat' : 'Side project',
          p.plan,
          a === 1 ? 1 : 0,
        );
        return acc;
      });
      people.push({ id, email, zone, machines, accounts, opusFan: rand() < 0.3 });
    }
  })();

  const counts = { usage_records: 0, official_observations: 0, limit_events: 0 };
  const firstDay = Math.floor(start / DAY) * DAY;
  for (let day = firstDay; day < now; day += DAY) {
    const rows = [];
    for (const person of people) {
      const localMidnight = day - person.zone * HOUR;
      const weekday = new Date(day).getUTCDay();
      const today = now - day < DAY;
      const sessions = [];
      if (weekday >= 1 && weekday <= 5) {
        for (let s = int(1, 3); s > 0; s--) {
          const from = localMidnight + int(8 * 60, 17 * 60) * MINUTE;
          sessions.push([from, from + int(30, 240) * MINUTE]);
        }
      }
      // Today a session runs until now for everyone: the current five-hour window is open.
      if (today) sessions.push([now - int(60, 150) * MINUTE, now]);
      for (const [from, to] of sessions) {
        if (from < start || from >= now) continue;
        const session = uuid();
        const machine = person.machines[pick(HOST_WEIGHTS)];
        const account = person.accounts[rand() < 0.7 ? 0 : int(0, person.accounts.length - 1)];
        const main = person.opusFan || rand() < 0.2 ? MODELS.opus : MODELS.sonnet;
        for (let minute = from; minute < Math.min(to, now - MINUTE); minute += MINUTE) {
          if (rand() > 0.7) continue;
          const perModel = new Map();
          for (let r = int(1, 4); r > 0; r--) {
            const model = rand() < 0.25 ? MODELS.haiku : main;
            const write = rand() < 0.6 ? int(0, 8000) : 0;
            const t = {
              input: int(1, 200),
              output: int(50, 1500),
              read: int(10_000, 120_000),
              write,
            };
            const cost =
              (t.input * model.input + t.output * model.output + t.write * model.write + t.read * model.read) / 1e6;
            const ts = minute + int(0, 59_999);
            const requestId = `req_011C${alnum(20)}`;
            rows.push({
              person,
              account,
              machine,
              session,
              model: model.name,
              source: 'event',
              key: `${timeKeyPrefix(ts)}:e:req:${requestId}`,
              ts,
              requestId,
              ...t,
              w5m: write,
              cost,
            });
            let m = perModel.get(model);
            if (!m) {
              m = { input: 0, output: 0, read: 0, write: 0, cost: 0 };
              perModel.set(model, m);
            }
            m.input += t.input;
            m.output += t.output;
            m.read += t.read;
            m.write += t.write;
            m.cost += cost;
          }
          // One metrics row per model and export interval (the minute), stamped at its end.
          for (const [model, m] of perModel) {
            const ts = minute + MINUTE;
            rows.push({
              person,
              account,
              machine,
              session,
              model: model.name,
              source: 'metric',
              key: `${timeKeyPrefix(ts)}:m:${createHash('sha256').update(`${session}${model.name}${ts}`).digest('base64url').slice(0, 22)}`,
              ts,
              requestId: null,
              ...m,
              w5m: 0,
            });
          }
        }
      }
    }
    rows.sort((a, b) => a.ts - b.ts);
    const hourly = new Map();
    raw.transaction(() => {
      for (const r of rows) {
        const { person, account, machine } = r;
        insertUsage.run(
          person.id,
          r.key,
          r.source,
          r.ts,
          machine.id,
          account.id,
          r.session,
          r.model,
          r.requestId,
          r.input,
          r.output,
          r.read,
          r.write,
          r.w5m,
          0,
          r.cost,
          machine.token,
        );
        // The rollup as sumHourly adds it up; a session's rows all fall in one day's batch.
        const hour = Math.floor(r.ts / HOUR) * HOUR;
        const hk = `${hour}\u0000${r.session}\u0000${r.model}\u0000${r.source}`;
        let h = hourly.get(hk);
        if (!h) {
          h = { r, hour, records: 0, input: 0, output: 0, read: 0, write: 0, w5m: 0, cost: 0 };
          hourly.set(hk, h);
        }
        h.records++;
        h.input += r.input;
        h.output += r.output;
        h.read += r.read;
        h.write += r.write;
        h.w5m += r.w5m;
        h.cost += r.cost;
        counts.usage_records++;
        if (r.source !== 'event') continue;
        // The account's windows as Anthropic would count them, for official figures.
        const five = account.five;
        if (r.ts >= five.end) {
          five.start = Math.floor(r.ts / HOUR) * HOUR;
          five.end = five.start + 5 * HOUR;
          five.used = 0;
          five.hit = false;
        }
        const weekStart = r.ts - ((r.ts - account.weeklyAnchor) % (7 * DAY));
        if (weekStart !== account.week.start) account.week = { start: weekStart, used: 0, opus: 0 };
        five.used += r.cost;
        account.week.used += r.cost;
        if (r.model === MODELS.opus.name) account.week.opus += r.cost;
        const fivePct = (100 * five.used) / account.plan.five;
        if (fivePct >= 100 && !five.hit) {
          five.hit = true;
          insertLimitEvent.run(uuid(), person.id, account.id, r.ts, five.end, r.session, r.ts);
          counts.limit_events++;
        }
        const bucket = Math.floor(r.ts / (3 * MINUTE));
        if (!account.observed || bucket === account.lastObservedBucket) continue;
        account.lastObservedBucket = bucket;
        const windows = [
          ['five_hour', fivePct, five.end],
          ['seven_day', (100 * account.week.used) / account.plan.week, weekStart + 7 * DAY],
        ];
        if (account.plan.plan === 'max20')
          windows.push(['seven_day_opus', (100 * account.week.opus) / (account.plan.week * 0.6), weekStart + 7 * DAY]);
        for (const [window, pct, resets] of windows) {
          const utilization = Math.min(100, Math.round(pct));
          insertObservation.run(
            uuid(),
            person.id,
            account.id,
            window,
            utilization,
            resets,
            r.ts,
            r.ts + 150,
            r.session,
            JSON.stringify({ used_percentage: utilization, resets_at: Math.floor(resets / 1000) }),
          );
          counts.official_observations++;
        }
      }
      for (const h of hourly.values()) {
        const { r } = h;
        insertHourly.run(
          r.person.id,
          h.hour,
          r.session,
          r.model,
          r.source,
          r.machine.id,
          r.account.id,
          h.records,
          h.input,
          h.output,
          h.read,
          h.write,
          h.w5m,
          0,
          h.cost,
        );
      }
    })();
  }
  // No ANALYZE: a live takt store never runs it, so the planner works without statistics here too.
  raw.pragma('journal_mode = WAL');
  raw.close();
  return {
    users: people.map((p) => ({ id: p.id, email: p.email, accounts: p.accounts.length })),
    counts,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
  };
}

/** Rows per table of a store, and the file's size. */
export function datasetFigures(file) {
  const raw = new SqliteDatabase(file, { readonly: true });
  const tables = {};
  for (const t of [
    'users',
    'machines',
    'accounts',
    'api_tokens',
    'usage_records',
    'usage_hourly',
    'official_observations',
    'limit_events',
  ]) {
    tables[t] = raw.prepare(`select count(*) as n from ${t}`).get().n;
  }
  const pages = raw.pragma('page_count', { simple: true });
  const pageSize = raw.pragma('page_size', { simple: true });
  raw.close();
  return { tables, bytes: pages * pageSize };
}
