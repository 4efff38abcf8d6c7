// Back-test of the five-hour forecast (src/usage/forecast.ts, src/usage/forecast-band.ts):
// generated people (seeded, so every run sees the same ones), each with a week of history
// — a morning and an afternoon block of session-shaped work a day, at the same hours — and a
// five-hour window starting at the morning block with a known capacity. The real hit is where
// cumulative usage in the window first reaches the capacity. At 60, 30 and 10 minutes before
// it, the forecast is asked with the utilisation known exactly (so this measures the
// projection, not calibration). Compared with the window-average rate (used ÷ time since the
// window started) and with the replays' 40th percentile as the point (a variant not taken). The
// band (hits_cap_at_p10…p90) "held" when the real hit fell within it (p90 null: up to the reset).
// Two oracles say what is reachable at all on these timelines (see `Timeline`).
//
// Two generators: `minutes` (the default: a call in ~60% of a session's minutes, log-normal
// amounts) and `turns` (Claude Code's shape: a prompt starts a turn, a burst of API calls a few
// seconds apart, each costing what its context costs — the context grows through the session
// and is compacted — then the person reads and types; sessions and breaks of log-normal length).
// Run: npx tsx bench/forecast-backtest.ts [timelines] [history-days] [minutes|turns]
//      (npm run bench -- forecast runs both generators)
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
const GENERATOR = process.argv[4] ?? 'minutes';
if (GENERATOR !== 'minutes' && GENERATOR !== 'turns') throw new Error(`generator: minutes or turns, not ${GENERATOR}`);
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

/**
 * The floor (`minutes`): knows every session of the window (start, end, intensity); only the
 * calls (which minutes, how large) are unknown. Its median arrival over 200 simulated futures.
 */
const floorRand = mulberry32(SEED + 2);
function minutesFloor(level: number, sessions: readonly Session[], now: number, remaining: number): number | null {
  const normal = () => Math.sqrt(-2 * Math.log(1 - floorRand())) * Math.cos(2 * Math.PI * floorRand());
  const arrivals: number[] = [];
  for (let k = 0; k < 200; k++) {
    let used = 0;
    let arrival = Number.POSITIVE_INFINITY;
    for (const s of sessions) {
      if (s.end <= now || arrival !== Number.POSITIVE_INFINITY) continue;
      for (let m = Math.max(s.start, Math.floor(now / MINUTE) * MINUTE + MINUTE); m < s.end; m += MINUTE) {
        if (floorRand() < 0.6) used += (level / 0.6) * s.intensity * Math.exp(0.8 * normal() - 0.32);
        if (used >= remaining) {
          arrival = m + 0.5 * MINUTE;
          break;
        }
      }
    }
    arrivals.push(arrival);
  }
  return medianArrival(arrivals);
}

function medianArrival(arrivals: number[]): number | null {
  const median = arrivals.sort((a, b) => a - b)[Math.floor(arrivals.length / 2)] as number;
  return median < bounds.end ? median : null;
}

/** What a generator gives for one person. */
interface Timeline {
  history: UsagePoint[];
  /** The window's usage, sorted. */
  window: UsagePoint[];
  /** Knows the session under way (its end, its intensity or context) or, in a break, the next one; not the calls nor later sessions. */
  oracle(now: number, remaining: number): number | null;
  /** Knows every session of the window: only the calls are unknown. No forecast from usage can beat it. */
  floor(now: number, remaining: number): number | null;
}

function minutesTimeline(rand: () => number): Timeline {
  const { history, window, level, sessions } = person(rand);
  return {
    history,
    window,
    oracle: (now, remaining) => oracle(level, sessions, now, remaining),
    floor: (now, remaining) => minutesFloor(level, sessions, now, remaining),
  };
}

/**
 * `turns`, Claude Code's shape. A person: a median session length (25–70 minutes), break
 * (5–25), reading time between turns (30–120 s) and calls per turn (mean 4–12), drawn once.
 * A session: log-normal length (σ 0.6, 8–180 minutes) and a price factor (model, task:
 * log-normal σ 0.3); its context starts at 18–28k tokens (system prompt, CLAUDE.md). A turn: the
 * person reads and types (log-normal σ 0.9, 10 s–15 min), then 1 + geometric calls 4–20 s
 * apart; each call reads its context from the cache (0.30 usd per million tokens), writes what
 * it adds (0.5–6k tokens, 3.75 per million) and its output (log-normal, median 400 tokens,
 * 15 per million: Sonnet's list prices); past 155k tokens the context is compacted to 35k.
 * Breaks between sessions: log-normal σ 0.9, 2–120 minutes. Amounts are then scaled per person
 * (the history's mean morning × 1.2–2.5 = the capacity) so the cap comes somewhere in the window.
 */
interface TurnsPerson {
  sessionMedian: number;
  breakMedian: number;
  readMedian: number;
  callsMean: number;
}
interface TurnsSession {
  start: number;
  end: number;
  price: number;
  context: number;
}
interface TurnsCall {
  at: number;
  usd: number;
  /** The context after the call. */
  context: number;
  turnStart: boolean;
}

const gauss = (rand: () => number) => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/**
 * Plays a session from `t` to `end`: reading, then a turn of calls, again. `callsLeft` > 0: a
 * turn is under way with that many calls to come. `emit` returns true to stop.
 */
function playSession(
  rand: () => number,
  p: TurnsPerson,
  s: { end: number; price: number },
  t0: number,
  context0: number,
  callsLeft: number,
  emit: (call: TurnsCall) => boolean,
): void {
  let t = t0;
  let context = context0;
  let calls = callsLeft;
  for (;;) {
    const turnStart = calls === 0;
    if (turnStart) {
      t += clamp(p.readMedian * Math.exp(0.9 * gauss(rand)), 10_000, 15 * MINUTE);
      calls = 1 + Math.floor(Math.log(1 - rand()) / Math.log(1 - 1 / p.callsMean));
    }
    for (let c = 0; c < calls; c++) {
      t += 4_000 + rand() * 16_000;
      if (t >= s.end) return;
      const added = 500 + rand() * 5_500;
      const output = Math.min(16_000, 400 * Math.exp(gauss(rand)));
      const usd = (s.price * (context * 0.3 + added * 3.75 + output * 15)) / 1e6;
      context += added + output;
      if (context > 155_000) context = 35_000;
      if (emit({ at: Math.round(t), usd, context, turnStart: turnStart && c === 0 })) return;
    }
    calls = 0;
  }
}

function turnsSession(rand: () => number, p: TurnsPerson, start: number, blockEnd: number): TurnsSession {
  return {
    start,
    end: Math.min(blockEnd, start + clamp(p.sessionMedian * Math.exp(0.6 * gauss(rand)), 8 * MINUTE, 180 * MINUTE)),
    price: Math.exp(0.3 * gauss(rand)),
    context: 18_000 + rand() * 10_000,
  };
}
const breakAfter = (rand: () => number, p: TurnsPerson) =>
  clamp(p.breakMedian * Math.exp(0.9 * gauss(rand)), 2 * MINUTE, 120 * MINUTE);

function turnsBlock(
  rand: () => number,
  p: TurnsPerson,
  from: number,
  minutes: number,
  calls: TurnsCall[],
  sessions: TurnsSession[],
) {
  const blockEnd = from + minutes * MINUTE;
  let t = from + rand() * 20 * MINUTE;
  while (t < blockEnd) {
    const s = turnsSession(rand, p, t, blockEnd);
    sessions.push(s);
    playSession(rand, p, s, s.start, s.context, 0, (call) => {
      calls.push(call);
      return false;
    });
    t = s.end + breakAfter(rand, p);
  }
}

const turnsOracleRand = mulberry32(SEED + 3);
/**
 * The oracles (`turns`): from now, the session under way from its context at now (during a
 * turn, the turn goes on: geometric calls are memoryless; while reading, a fresh reading time),
 * then (`everySession` false) breaks and sessions as the person's are drawn, or (true) the
 * window's real sessions. Amounts unscaled. Median arrival over 100 futures.
 */
function turnsOracle(
  p: TurnsPerson,
  sessions: readonly TurnsSession[],
  calls: readonly TurnsCall[],
  now: number,
  remaining: number,
  everySession: boolean,
): number | null {
  const rand = turnsOracleRand;
  const current = sessions.find((s) => s.start <= now && now < s.end);
  const sofar = current ? calls.filter((c) => c.at >= current.start && c.at <= now) : [];
  const last = sofar[sofar.length - 1];
  const next = calls.find((c) => c.at > now);
  // A turn is under way when the next call is in the same session and not a turn's first.
  const inTurn = current !== undefined && next !== undefined && next.at < current.end && !next.turnStart;
  const arrivals: number[] = [];
  for (let k = 0; k < 100; k++) {
    let used = 0;
    let arrival = Number.POSITIVE_INFINITY;
    const emit = (c: TurnsCall) => {
      if (c.at <= now) return false;
      used += c.usd;
      if (used < remaining) return false;
      arrival = c.at;
      return true;
    };
    let t = now;
    if (current) {
      const left = inTurn ? 1 + Math.floor(Math.log(1 - rand()) / Math.log(1 - 1 / p.callsMean)) : 0;
      playSession(rand, p, current, now, last?.context ?? current.context, left, emit);
      t = current.end;
    }
    if (everySession) {
      for (const s of sessions) {
        if (s.start <= now || arrival !== Number.POSITIVE_INFINITY) continue;
        playSession(rand, p, s, s.start, s.context, 0, emit);
      }
    } else {
      let s = current ? undefined : sessions.find((x) => x.start > now);
      if (!s) t += breakAfter(rand, p);
      while (arrival === Number.POSITIVE_INFINITY && (s?.start ?? t) < bounds.end) {
        s ??= turnsSession(rand, p, t, bounds.end);
        playSession(rand, p, s, s.start, s.context, 0, emit);
        t = s.end + breakAfter(rand, p);
        s = undefined;
      }
    }
    arrivals.push(arrival);
  }
  return medianArrival(arrivals);
}

function turnsTimeline(rand: () => number): Timeline {
  const p: TurnsPerson = {
    sessionMedian: (25 + rand() * 45) * MINUTE,
    breakMedian: (5 + rand() * 20) * MINUTE,
    readMedian: (30 + rand() * 90) * 1_000,
    callsMean: 4 + rand() * 8,
  };
  const historyCalls: TurnsCall[] = [];
  const mornings: number[] = [];
  for (let d = 0; d < HISTORY_DAYS; d++) {
    const before = historyCalls.length;
    turnsBlock(rand, p, d * DAY + 9 * 60 * MINUTE, 300, historyCalls, []); // 09:00–14:00
    mornings.push(historyCalls.slice(before).reduce((sum, c) => sum + c.usd, 0));
    turnsBlock(rand, p, d * DAY + 15 * 60 * MINUTE, 180, historyCalls, []); // 15:00–18:00
  }
  const calls: TurnsCall[] = [];
  const sessions: TurnsSession[] = [];
  turnsBlock(rand, p, START, 300, calls, sessions);
  const morning = mornings.reduce((a, b) => a + b, 0) / mornings.length;
  const scale = (CAPACITY * (1.2 + rand() * 1.3)) / morning;
  const point = (c: TurnsCall): UsagePoint => ({ at: c.at, model: 'claude-sonnet-4-5', usd: c.usd * scale, tokens: 0 });
  return {
    history: historyCalls.map(point),
    window: calls.map(point),
    oracle: (now, remaining) => turnsOracle(p, sessions, calls, now, remaining / scale, false),
    floor: (now, remaining) => turnsOracle(p, sessions, calls, now, remaining / scale, true),
  };
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
const floorAll = LEADS.map(fresh);
const floorSame = LEADS.map(fresh);
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
  const timeline = GENERATOR === 'turns' ? turnsTimeline(rand) : minutesTimeline(rand);
  const { history, window } = timeline;
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
    record(oracleAll[i] as Errors, timeline.oracle(now, CAPACITY - used), hit, lead);
    const floor = timeline.floor(now, CAPACITY - used);
    record(floorAll[i] as Errors, floor, hit, lead);
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
      record(floorSame[i] as Errors, floor, hit, lead);
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
    `${HISTORY_DAYS} days of history, seed ${SEED}, generator ${GENERATOR}`,
);
console.log(
  'minutes before the real hit | median |err| min (share of time left), p90 |err| min (share), median signed, no time forecast',
);
const row = (e: Errors) =>
  `${fmt(quantile(e.abs, 0.5))} (${pct(quantile(e.share, 0.5))}) / ${fmt(quantile(e.abs, 0.9))} (${pct(quantile(e.share, 0.9))}) / ${fmt(quantile(e.signed, 0.5))} / ${e.missed}`;
console.log('  on the asks where someone was working (basis active_pace):');
LEADS.forEach((lead, i) => {
  console.log(
    `  ${lead} min | takt: ${row(ours[i] as Errors)} | replays' 40th as the point: ${row(replayPoint[i] as Errors)} | window average: ${row(baselineSame[i] as Errors)} | floor: ${row(floorSame[i] as Errors)}`,
  );
});
console.log('  on every ask (idle ones too: takt gives no time there):');
LEADS.forEach((lead, i) => {
  console.log(
    `  ${lead} min | active pace alone: ${row(atPace[i] as Errors)} | window average: ${row(baseline[i] as Errors)} | oracle: ${row(oracleAll[i] as Errors)} | floor: ${row(floorAll[i] as Errors)}`,
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
