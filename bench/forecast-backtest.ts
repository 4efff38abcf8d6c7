// Back-test of the five-hour forecast (src/usage/forecast.ts): generated timelines with a known
// capacity and bursty, session-shaped usage (seeded, so every run sees the same timelines); the
// real hit is where cumulative usage first reaches the capacity. At 60, 30 and 10 minutes before
// it, the forecast is asked for hits_cap_at with the utilisation known exactly (so this measures
// the burn-rate projection, not calibration). Baseline: the window-average rate, used ÷ time since
// the window started (what a naive "burn rate" does).
// Run: npx tsx bench/forecast-backtest.ts [timelines]   (or: npm run bench -- forecast)
import { forecastWindow } from '../src/usage/forecast.ts';
import { FIVE_HOURS, type UsagePoint, type WindowBounds } from '../src/usage/limit-types.ts';
import { usageSeries } from '../src/usage/usage-series.ts';

const MINUTE = 60_000;
const CAPACITY = 100; // usd
const LEADS = [60, 30, 10];

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
 * Sessions of 15–75 minutes separated by pauses of 3–45 minutes; within a session a call in
 * about 60% of minutes, each costing a log-normal amount (heavy-tailed: big context reads);
 * each session's intensity varies ×0.5–1.6 around the timeline's own level, chosen so the
 * capacity is reached somewhere in the window's second half or so.
 */
function timeline(rand: () => number): UsagePoint[] {
  const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const level = (CAPACITY * (1.2 + rand() * 1.3)) / (5 * 60 * 0.45); // usd per wall-clock minute, on average
  const points: UsagePoint[] = [];
  let minute = Math.floor(rand() * 20);
  while (minute < 300) {
    const session = 15 + Math.floor(rand() * 60);
    const intensity = 0.5 + rand() * 1.1;
    for (let m = minute; m < Math.min(300, minute + session); m++) {
      if (rand() < 0.6) {
        const usd = (level / 0.6) * intensity * Math.exp(0.8 * normal() - 0.32); // mean 1 × level
        points.push({ at: m * MINUTE + Math.floor(rand() * 59_000), model: 'claude-sonnet-4-5', usd, tokens: 0 });
      }
    }
    minute += session + 3 + Math.floor(rand() * 42);
  }
  return points;
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
  start: 0,
  end: FIVE_HOURS,
  source: 'estimated',
  extrapolated: false,
  active: true,
  note: '',
};

interface Errors {
  abs: number[];
  signed: number[];
  missed: number;
}
const fresh = (): Errors => ({ abs: [], signed: [], missed: 0 });
const ours = LEADS.map(fresh);
const baseline = LEADS.map(fresh);

function record(errors: Errors, predicted: number | null, real: number) {
  if (predicted === null) {
    errors.missed++;
    return;
  }
  const minutes = (predicted - real) / MINUTE;
  errors.abs.push(Math.abs(minutes));
  errors.signed.push(minutes);
}

const wanted = Number(process.argv[2] ?? 1000);
const rand = mulberry32(20261201);
let timelines = 0;
let generated = 0;
const started = performance.now();
while (timelines < wanted) {
  generated++;
  const points = timeline(rand).sort((a, b) => a.at - b.at);
  const hit = realHit(points);
  if (hit === null || hit < 75 * MINUTE) continue; // never hit, or too early to ask an hour before
  timelines++;
  LEADS.forEach((lead, i) => {
    const now = hit - lead * MINUTE;
    const seen = points.filter((p) => p.at <= now);
    const used = seen.reduce((s, p) => s + p.usd, 0);
    const f = forecastWindow({
      kind: 'five_hour',
      bounds,
      now,
      unit: 'usd',
      series: usageSeries(seen),
      utilization: (used * 100) / CAPACITY,
      limit: CAPACITY,
      limited: false,
    });
    record(ours[i] as Errors, f.hits_cap_at, hit);
    const avgRate = used / (now - bounds.start); // usd per ms
    const naive = avgRate > 0 ? now + (CAPACITY - used) / avgRate : null;
    record(baseline[i] as Errors, naive !== null && naive < bounds.end ? naive : null, hit);
  });
}

const quantile = (values: number[], q: number) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : (s[Math.min(s.length - 1, Math.floor(q * s.length))] as number);
};
const fmt = (v: number) => v.toFixed(1);
console.log(
  `forecast back-test: ${timelines} timelines with a hit (of ${generated} generated), capacity ${CAPACITY} usd, seed 20261201`,
);
console.log(
  'minutes before the real hit | takt: median |err|, p90 |err|, median signed, no hit forecast | baseline (window average): same | ratio of medians',
);
LEADS.forEach((lead, i) => {
  const a = ours[i] as Errors;
  const b = baseline[i] as Errors;
  const row = (e: Errors) =>
    `${fmt(quantile(e.abs, 0.5))} / ${fmt(quantile(e.abs, 0.9))} / ${fmt(quantile(e.signed, 0.5))} / ${e.missed}`;
  console.log(`${lead} min | ${row(a)} | ${row(b)} | ${(quantile(a.abs, 0.5) / quantile(b.abs, 0.5)).toFixed(2)}`);
});
console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s)`);
