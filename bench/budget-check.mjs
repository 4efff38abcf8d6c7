// The guard against drift: each benchmark reports the ratios it measured in one run (takt
// against a baseline measured in the same run: ccusage, bare Node, the same server with storage
// off, an indexed lookup), and with --check (`npm run bench -- transcripts --check`) the run
// fails when a ratio passes its budget in bench/budgets.json. Ratios only: an absolute time
// says more about the machine's load than about takt. Where an issue states its target as a
// difference from a baseline of the same run (issue 24: "warm <= bare Node + 60 ms"), the
// benchmark also reports that paired difference, and budgets.json gives it a `target` with
// `"unit": "ms"` and no max: it is printed as met or not met, never failed on, because how
// many milliseconds a fixed piece of work takes depends on the machine's CPU.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

/** bench/budgets.json; BENCH_BUDGETS names another file (for the checker's own test). */
export const budgetsFile = process.env.BENCH_BUDGETS ?? fileURLToPath(new URL('./budgets.json', import.meta.url));

/** Whether this benchmark process was asked to check its ratios (bench/run.mjs passes --check). */
export const checking = process.argv.includes('--check');

export function loadBudgets(file = budgetsFile) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** 'ms' for a paired difference: as its budget says, else by its name (`…_ms`) where a scale has none. */
function unitOf(name, budget) {
  return budget?.unit ?? (name.endsWith('_ms') ? 'ms' : undefined);
}

/**
 * Compares measured ratios with the budgets of one benchmark at one scale (the size of its data
 * set: budgets measured on a 1 GiB history do not hold on a 64 MB one). Pure, for the test.
 *
 * Returns one row per budget and per measured ratio, and `ok`: false when a ratio passes its
 * budget (above `max`, below `min`), when a budgeted ratio was not measured or is not a finite
 * number (a guard that silently stops guarding is worse than none), or when the benchmark has no
 * budgets at that scale. A measured ratio without a budget is listed, not failed. A `target`
 * is reported as met or not (at most the target, or at least it when the entry has a `min`);
 * an entry with a target and neither max nor min is a target only: reported, never failed.
 */
export function checkRatios(budgets, bench, scale, ratios) {
  const scales = budgets[bench];
  const set = scales?.[scale];
  if (set === undefined || set === null || typeof set !== 'object') {
    const known = scales ? Object.keys(scales).filter((k) => !k.startsWith('$')) : [];
    return {
      ok: false,
      rows: [],
      problem:
        `no budgets for ${bench} at scale ${scale} in bench/budgets.json` +
        (known.length > 0 ? ` (there are: ${known.join(', ')})` : ''),
    };
  }
  const rows = [];
  for (const [name, budget] of Object.entries(set)) {
    if (name.startsWith('$')) continue;
    const value = ratios[name];
    const row = {
      name,
      value,
      max: budget.max,
      min: budget.min,
      target: budget.target,
      unit: unitOf(name, budget),
      why: budget.why,
    };
    const measured = typeof value === 'number' && Number.isFinite(value);
    const limited = typeof budget.max === 'number' || typeof budget.min === 'number';
    if (measured && typeof budget.target === 'number') {
      row.targetMet = typeof budget.min === 'number' ? value >= budget.target : value <= budget.target;
    }
    if (!measured) row.verdict = 'not measured';
    else if (typeof budget.max === 'number' && value > budget.max) row.verdict = 'OVER BUDGET';
    else if (typeof budget.min === 'number' && value < budget.min) row.verdict = 'UNDER BUDGET';
    else if (!limited) row.verdict = typeof budget.target === 'number' ? 'target only' : 'budget has no max or min';
    else row.verdict = 'ok';
    rows.push(row);
  }
  for (const [name, value] of Object.entries(ratios)) {
    if (!(name in set)) rows.push({ name, value, unit: unitOf(name), verdict: 'no budget' });
  }
  if (!rows.some((r) => r.verdict !== 'no budget')) {
    return { ok: false, rows, problem: `the budgets for ${bench} at scale ${scale} in bench/budgets.json are empty` };
  }
  const ok = rows.every((r) => r.verdict === 'ok' || r.verdict === 'no budget' || r.verdict === 'target only');
  return { ok, rows };
}

/** The rows as aligned text lines. */
export function formatCheck(result) {
  const lines = result.problem ? [`  ${result.problem}`] : [];
  const finite = (n) => typeof n === 'number' && Number.isFinite(n);
  // A difference in ms is signed (+29.3 ms); a ratio has three decimals.
  const num = (n, unit) => (!finite(n) ? '—' : unit === 'ms' ? `${n >= 0 ? '+' : ''}${n.toFixed(1)} ms` : n.toFixed(3));
  const bound = (n, unit) => (unit === 'ms' ? `${n >= 0 ? '+' : ''}${n} ms` : `${n}`);
  const limit = (r) =>
    typeof r.max === 'number'
      ? `<= ${bound(r.max, r.unit)}`
      : typeof r.min === 'number'
        ? `>= ${bound(r.min, r.unit)}`
        : '';
  const target = (r) =>
    typeof r.target !== 'number'
      ? ''
      : `  (target ${bound(r.target, r.unit)}${r.targetMet === undefined ? '' : r.targetMet ? ': met' : ': NOT met'})`;
  const width = Math.max(...result.rows.map((r) => r.name.length), 5);
  return lines.concat(
    result.rows.map(
      (r) =>
        `  ${r.name.padEnd(width)}  ${num(r.value, r.unit).padStart(9)}  ${limit(r).padEnd(9)}  ${r.verdict}${target(r)}`,
    ),
  );
}

/**
 * Called by a benchmark with the ratios it measured. Always prints them (with the load average,
 * since every figure here is taken on shared machines); under --check also compares them with
 * bench/budgets.json and sets a failing exit code when one passes its budget.
 */
export function reportRatios(bench, scale, ratios) {
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');
  const budgets = loadBudgets();
  const result = checkRatios(budgets, bench, scale, ratios);
  console.log(`\n${bench} ratios at scale ${scale} (load average ${load}):`);
  for (const line of formatCheck(result)) console.log(line);
  if (!checking) return result;
  if (result.ok) console.log(`check: every ${bench} ratio within its budget`);
  else {
    console.log(`check: FAILED — a ${bench} ratio passed its budget (bench/budgets.json says why each is set)`);
    process.exitCode = 1;
  }
  return result;
}

/** The median of numbers (the upper one of the middle two for an even count). */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
