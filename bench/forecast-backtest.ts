// Back-test of the five-hour forecast (src/usage/forecast.ts, src/usage/forecast-band.ts):
// generated people (seeded, so every run sees the same ones), each with a week of history
// — a morning and an afternoon block of session-shaped work a day, at the same hours — and a
// five-hour window starting at the morning block with a known capacity. The real hit is where
// cumulative usage in the window first reaches the capacity. At 60, 30 and 10 minutes before
// it, the forecast is asked with the utilisation known exactly (so this measures the
// projection, not calibration). Compared with the window-average rate (used ÷ time since the
// window started) and with the replays' 40th percentile as the point (a variant not taken). The
// band (hits_cap_at_p10…p90) "held" when the real hit fell within it (p90 null: up to the reset).
// Run: npx tsx bench/forecast-backtest.ts [timelines] [history-days]   (or: npm run bench -- forecast)
import { activeBurnRate, forecastWindow } from '../src/usage/forecast.ts';
import { quantile as nearestRank, replayArrivals } from '../src/usage/forecast-band.ts';
import { FIVE_HOURS, type UsagePoint, type WindowBounds } from '../src/usage/limit-types.ts';
import { usageSeries } from '../src/usage/usage-series.ts';

const MINUTE = 60_000;
const DAY = 1_440 * MINUTE;
const CAPACITY = 100; // usd
const LEADS = [60, 30, 10];
const SEED = 20261201;
const wanted = Number(process.argv[2] ?? 1000);
const HISTORY_DAYS = Number(process.argv[3] ?? 6);
/** The window under test starts at 09:00 UTC of this day (day 0 is history's first). */
const START = HISTORY_DAYS * DAY + 9 * 60 * MINUTE;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A person: a level (usd per wall-clock minute of a working block, on average) chosen so the
 * capacity is reached somewhere in the window. Work comes in sessions of 15–75 minutes
 * separated by pauses of 3–45 minutes; within a session a call in about 60% of minutes, each
 * costing a log-normal amount (σ 0.8: heavy-tailed, big context reads); each session's
 * intensity ×0.5–1.6 around the person's level.
 */
interface Session {
  start: number;
  end: number;
  intensity: number;
}

function block(
  rand: () => number,
  level: number,
  from: number,
  minutes: number,
  out: UsagePoint[],
  sessions: Session[] = [],
) {
  const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  let minute = Math.floor(rand() * 20);
  while (minute < minutes) {
    const session = 15 + Math.floor(rand() * 60);
    const intensity = 0.5 + rand() * 1.1;
    sessions.push({
      start: from + minute * MINUTE,
      end: from + Math.min(minutes, minute + session) * MINUTE,
      intensity,
    });
    for (let m = minute; m < Math.min(minutes, minute + session); m++) {
      if (rand() < 0.6) {
        const usd = (level / 0.6) * intensity * Math.exp(0.8 * normal() - 0.32); // mean 1 × level
        out.push({ at: from + m * MINUTE + Math.floor(rand() * 59_000), model: 'claude-sonnet-4-5', usd, tokens: 0 });
      }
    }
    minute += session + 3 + Math.floor(rand() * 42);
  }
}

function person(rand: () => number): {
  history: UsagePoint[];
  window: UsagePoint[];
  level: number;
  sessions: Session[];
} {
  const level = (CAPACITY * (1.2 + rand() * 1.3)) / (5 * 60 * 0.45);
  const history: UsagePoint[] = [];
  for (let d = 0; d < HISTORY_DAYS; d++) {
    block(rand, level, d * DAY + 9 * 60 * MINUTE, 300, history); // 09:00–14:00
    block(rand, level, d * DAY + 15 * 60 * MINUTE, 180, history); // 15:00–18:00
  }
  const window: UsagePoint[] = [];
  const sessions: Session[] = [];
  block(rand, level, START, 300, window, sessions);
  return { history, window: window.sort((a, b) => a.at - b.at), level, sessions };
}

/**
 * An oracle, to see what is reachable at all: it knows the generator, the person's level, the
 * session under way (its intensity and its end) or, in a pause, when the next session starts;
 * it does not know the calls' amounts nor later pauses and sessions. Its median arrival over
 * 200 simulated futures (its own random stream: the timelines stay the same).
 */
const oracleRand = mulberry32(SEED + 1);
function oracle(level: number, sessions: readonly Session[], now: number, remaining: number): number | null {
  const normal = () => Math.sqrt(-2 * Math.log(1 - oracleRand())) * Math.cos(2 * Math.PI * oracleRand());
  const current = sessions.find((x) => x.start <= now && now < x.end);
  const next = sessions.find((x) => x.start > now);
  const arrivals: number[] = [];
  for (let k = 0; k < 200; k++) {
    let used = 0;
    let arrival = Number.POSITIVE_INFINITY;
    let minute = Math.floor(now / MINUTE) + 1;
    let end = current ? current.end / MINUTE : minute;
    let intensity = current?.intensity ?? 1;
    if (!current) {
      minute = next ? next.start / MINUTE : bounds.end / MINUTE;
      end = next ? next.end / MINUTE : minute;
      intensity = next?.intensity ?? 1;
    }
    while (minute < bounds.end / MINUTE && arrival === Number.POSITIVE_INFINITY) {
      for (; minute < end; minute++) {
        if (oracleRand() < 0.6) used += (level / 0.6) * intensity * Math.exp(0.8 * normal() - 0.32);
        if (used >= remaining) {
          arrival = (minute + 0.5) * MINUTE;
          break;
        }
      }
      minute = end + 3 + Math.floor(oracleRand() * 42);
      end = minute + 15 + Math.floor(oracleRand() * 60);
      intensity = 0.5 + oracleRand() * 1.1;
    }
    arrivals.push(arrival);
  }
  const median = arrivals.sort((a, b) => a - b)[100] as number;
  return median < bounds.end ? median : null;
}

function realHit(points: readonly UsagePoint[]): number | null {
  let used = 0;
  for (const p of points) {
    used += p.usd;
    if (used >= CAPACITY) return p.at;
  }
  return null;
}

const bounds: WindowBounds = {
  kind: 'five_hour',
  start: START,
  end: START + FIVE_HOURS,
  source: 'estimated',
  extrapolated: false,
  active: true,
  note: '',
};

interface Errors {
  abs: number[];
  share: number[];
  signed: number[];
  missed: number;
}
const fresh = (): Errors => ({ abs: [], share: [], signed: [], missed: 0 });
const ours = LEADS.map(fresh);
const atPace = LEADS.map(fresh);
const replayPoint = LEADS.map(fresh);
const oracleAll = LEADS.map(fresh);
const baselineSame = LEADS.map(fresh);
const baseline = LEADS.map(fresh);
const band = LEADS.map(() => ({ asked: 0, held: 0, openEnded: 0, fromHistory: 0, widthMinutes: [] as number[] }));
const idle = LEADS.map(() => ({ count: 0 }));

function record(errors: Errors, predicted: number | null, real: number, lead: number) {
  if (predicted === null) {
    errors.missed++;
    return;
  }
  const minutes = (predicted - real) / MINUTE;
  errors.abs.push(Math.abs(minutes));
  errors.share.push(Math.abs(minutes) / lead);
  errors.signed.push(minutes);
}

const rand = mulberry32(SEED);
let timelines = 0;
let generated = 0;
const started = performance.now();
while (timelines < wanted) {
  generated++;
  const { history, window, level, sessions } = person(rand);
  const hit = realHit(window);
  if (hit === null || hit < START + 75 * MINUTE) continue; // never hit, or too early to ask an hour before
  timelines++;
  LEADS.forEach((lead, i) => {
    const now = hit - lead * MINUTE;
    const seen = window.filter((p) => p.at <= now);
    const used = seen.reduce((s, p) => s + p.usd, 0);
    const f = forecastWindow({
      kind: 'five_hour',
      bounds,
      now,
      unit: 'usd',
      series: usageSeries([...history, ...seen]),
      utilization: (used * 100) / CAPACITY,
      limit: CAPACITY,
      limited: false,
    });
    if (f.basis === 'if_resumed') {
      // No time is forecast while idle (counted under "no time forecast").
      (idle[i] as { count: number }).count++;
      record(ours[i] as Errors, null, hit, lead);
    } else {
      record(ours[i] as Errors, f.hits_cap_at, hit, lead);
      const b = band[i] as (typeof band)[number];
      b.asked++;
      if (f.band_source === 'history') b.fromHistory++;
      if (f.hits_cap_at_p90 === null) b.openEnded++;
      const p10 = f.hits_cap_at_p10 ?? Number.POSITIVE_INFINITY;
      const p90 = f.hits_cap_at_p90 ?? bounds.end;
      if (p10 <= hit && hit <= p90) b.held++;
      b.widthMinutes.push((p90 - Math.min(p10, p90)) / MINUTE);
    }
    const pace = f.burn_rate_pct_per_hour ?? 0;
    const projected = pace > 0 ? now + ((100 - (used * 100) / CAPACITY) / pace) * 3_600_000 : null;
    record(atPace[i] as Errors, projected !== null && projected < bounds.end ? projected : null, hit, lead);
    const avgRate = used / (now - bounds.start); // usd per ms
    const naive = avgRate > 0 ? now + (CAPACITY - used) / avgRate : null;
    record(baseline[i] as Errors, naive !== null && naive < bounds.end ? naive : null, hit, lead);
    record(oracleAll[i] as Errors, oracle(level, sessions, now, CAPACITY - used), hit, lead);
    if (f.basis === 'active_pace') {
      // The variant not taken: the replays' 40th percentile as the point.
      const series = usageSeries([...history, ...seen]);
      const arrivals = replayArrivals({
        series,
        unit: 'usd',
        now,
        end: bounds.end,
        remaining: CAPACITY - used,
        ratePerActiveMinute: activeBurnRate(series, 'usd', now) / 60,
      });
      const q40 = arrivals === null ? Number.POSITIVE_INFINITY : nearestRank(arrivals, 0.4);
      record(replayPoint[i] as Errors, q40 < bounds.end ? q40 : null, hit, lead);
      record(baselineSame[i] as Errors, naive !== null && naive < bounds.end ? naive : null, hit, lead);
    }
  });
}

const quantile = (values: number[], q: number) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : (s[Math.min(s.length - 1, Math.floor(q * s.length))] as number);
};
const fmt = (v: number) => v.toFixed(1);
const pct = (v: number) => `${(v * 100).toFixed(0)}%`;
console.log(
  `forecast back-test: ${timelines} timelines with a hit (of ${generated} generated), capacity ${CAPACITY} usd, ` +
    `${HISTORY_DAYS} days of history, seed ${SEED}`,
);
console.log(
  'minutes before the real hit | median |err| min (share of time left), p90 |err| min (share), median signed, no time forecast',
);
const row = (e: Errors) =>
  `${fmt(quantile(e.abs, 0.5))} (${pct(quantile(e.share, 0.5))}) / ${fmt(quantile(e.abs, 0.9))} (${pct(quantile(e.share, 0.9))}) / ${fmt(quantile(e.signed, 0.5))} / ${e.missed}`;
console.log('  on the asks where someone was working (basis active_pace):');
LEADS.forEach((lead, i) => {
  console.log(
    `  ${lead} min | takt: ${row(ours[i] as Errors)} | replays' 40th as the point: ${row(replayPoint[i] as Errors)} | window average: ${row(baselineSame[i] as Errors)}`,
  );
});
console.log('  on every ask (idle ones too: takt gives no time there):');
LEADS.forEach((lead, i) => {
  console.log(
    `  ${lead} min | active pace alone: ${row(atPace[i] as Errors)} | window average: ${row(baseline[i] as Errors)} | oracle: ${row(oracleAll[i] as Errors)}`,
  );
});
console.log(
  'minutes before the real hit | band held the hit | band from history | p90 "after the reset" | median band width | idle (if_resumed, no time)',
);
LEADS.forEach((lead, i) => {
  const b = band[i] as (typeof band)[number];
  const d = idle[i] as (typeof idle)[number];
  console.log(
    `${lead} min | ${b.held}/${b.asked} = ${pct(b.held / b.asked)} | ${b.fromHistory} | ${b.openEnded} | ${fmt(quantile(b.widthMinutes, 0.5))} min | ${d.count}`,
  );
});
console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s)`);
