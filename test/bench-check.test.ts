// The benchmark guard (issue 24, point 3): ratios measured in one run are compared with the
// budgets in bench/budgets.json, and `--check` fails the run when one passes its budget.
// Synthetic ratios only: nothing here is timed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { type Budget, checkRatios, formatCheck, loadBudgets } from '../bench/budget-check.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const budgets = {
  transcripts: {
    '64mb': {
      cold_over_ccusage_daily: { max: 1.5, why: 'test' },
      throughput_over_baseline: { min: 0.4, why: 'test' },
    },
    '1024mb': {
      cold_over_ccusage_daily: { max: 0.85, target: 0.7, why: 'test' },
      warm_minus_node_bare_ms: { unit: 'ms' as const, target: 40, why: 'test' },
    },
  },
};

describe('checkRatios', () => {
  it('passes ratios within their budgets and lists unbudgeted ones', () => {
    const result = checkRatios(budgets, 'transcripts', '64mb', {
      cold_over_ccusage_daily: 1.2,
      throughput_over_baseline: 0.45,
      extra: 9,
    });
    expect(result.ok).toBe(true);
    expect(result.rows.map((r) => [r.name, r.verdict])).toEqual([
      ['cold_over_ccusage_daily', 'ok'],
      ['throughput_over_baseline', 'ok'],
      ['extra', 'no budget'],
    ]);
  });

  it('fails a ratio above its max', () => {
    const result = checkRatios(budgets, 'transcripts', '64mb', {
      cold_over_ccusage_daily: 1.51,
      throughput_over_baseline: 0.45,
    });
    expect(result.ok).toBe(false);
    expect(result.rows.map((r) => r.verdict)).toEqual(['OVER BUDGET', 'ok']);
  });

  it('fails a ratio below its min', () => {
    const result = checkRatios(budgets, 'transcripts', '64mb', {
      cold_over_ccusage_daily: 1.0,
      throughput_over_baseline: 0.39,
    });
    expect(result.ok).toBe(false);
    expect(result.rows.map((r) => r.verdict)).toEqual(['ok', 'UNDER BUDGET']);
  });

  it('fails a budgeted ratio that was not measured or is not a number', () => {
    const result = checkRatios(budgets, 'transcripts', '64mb', {
      cold_over_ccusage_daily: Number.NaN,
    });
    expect(result.ok).toBe(false);
    expect(result.rows.map((r) => r.verdict)).toEqual(['not measured', 'not measured']);
  });

  it('fails a scale without budgets, naming the scales there are', () => {
    const result = checkRatios(budgets, 'transcripts', '128mb', { cold_over_ccusage_daily: 1 });
    expect(result.ok).toBe(false);
    expect(result.problem).toBe(
      'no budgets for transcripts at scale 128mb in bench/budgets.json (there are: 64mb, 1024mb)',
    );
  });

  it('reports a target as met or not, and never fails on a target alone', () => {
    const missed = checkRatios(budgets, 'transcripts', '1024mb', {
      cold_over_ccusage_daily: 0.8,
      warm_minus_node_bare_ms: 56.2,
    });
    expect(missed.ok).toBe(true);
    expect(missed.rows.map((r) => [r.verdict, r.targetMet])).toEqual([
      ['ok', false],
      ['target only', false],
    ]);
    expect(formatCheck(missed)).toEqual([
      '  cold_over_ccusage_daily      0.800  <= 0.85    ok  (target 0.7: NOT met)',
      '  warm_minus_node_bare_ms   +56.2 ms             target only  (target +40 ms: NOT met)',
    ]);
    const met = checkRatios(budgets, 'transcripts', '1024mb', {
      cold_over_ccusage_daily: 0.6,
      warm_minus_node_bare_ms: 29.3,
    });
    expect(met.rows.map((r) => r.targetMet)).toEqual([true, true]);
    expect(formatCheck(met)[1]).toContain('+29.3 ms');
    expect(formatCheck(met)[1]).toContain('(target +40 ms: met)');
    // A difference measured at a scale that budgets no such entry still prints in ms.
    const unbudgeted = checkRatios(budgets, 'transcripts', '64mb', {
      cold_over_ccusage_daily: 1,
      throughput_over_baseline: 0.5,
      warm_minus_node_bare_ms: 7.94,
    });
    expect(formatCheck(unbudgeted).at(-1)).toMatch(/warm_minus_node_bare_ms +\+7\.9 ms +no budget$/);
  });

  it('fails an entry with neither a limit nor a target, and a target only that was not measured', () => {
    const empty = checkRatios({ transcripts: { x: { ratio: { why: 'test' } } } }, 'transcripts', 'x', { ratio: 1 });
    expect(empty.ok).toBe(false);
    expect(empty.rows[0]?.verdict).toBe('budget has no max or min');
    const unmeasured = checkRatios(budgets, 'transcripts', '1024mb', { cold_over_ccusage_daily: 0.6 });
    expect(unmeasured.ok).toBe(false);
    expect(unmeasured.rows[1]?.verdict).toBe('not measured');
  });
});

describe('a benchmark process under --check', () => {
  const dir = mkdtempSync(join(tmpdir(), 'takt-bench-check-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const budgetsPath = join(dir, 'budgets.json');
  writeFileSync(budgetsPath, JSON.stringify(budgets));
  // A stand-in for a benchmark: reports fixed ratios the way bench/*.bench.mjs do.
  const fakeBench = join(dir, 'fake.bench.mjs');
  writeFileSync(
    fakeBench,
    `import { reportRatios } from ${JSON.stringify(join(root, 'bench/budget-check.mjs'))};
reportRatios('transcripts', '64mb', JSON.parse(process.env.RATIOS));`,
  );
  const run = (ratios: Record<string, number>, args: string[]) =>
    spawnSync(process.execPath, [fakeBench, ...args], {
      env: { ...process.env, BENCH_BUDGETS: budgetsPath, RATIOS: JSON.stringify(ratios) },
      encoding: 'utf8',
    });

  it('exits 1 when a ratio passes its budget, 0 under it', () => {
    const over = run({ cold_over_ccusage_daily: 1.6, throughput_over_baseline: 0.5 }, ['--check']);
    expect(over.status).toBe(1);
    expect(over.stdout).toMatch(/cold_over_ccusage_daily +1\.600 +<= 1\.5 +OVER BUDGET/);
    expect(over.stdout).toContain('check: FAILED');
    const under = run({ cold_over_ccusage_daily: 1.4, throughput_over_baseline: 0.5 }, ['--check']);
    expect(under.status).toBe(0);
    expect(under.stdout).toContain('check: every transcripts ratio within its budget');
  });

  it('only prints the ratios without --check', () => {
    const over = run({ cold_over_ccusage_daily: 1.6, throughput_over_baseline: 0.5 }, []);
    expect(over.status).toBe(0);
    expect(over.stdout).toContain('OVER BUDGET');
  });
});

describe('bench/run.mjs --check', () => {
  it('refuses a benchmark without budgets before running it', () => {
    const result = spawnSync(process.execPath, [join(root, 'bench/run.mjs'), 'forecast', '--check'], {
      encoding: 'utf8',
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('bench: --check: no budgets for forecast in bench/budgets.json');
  });
});

describe('bench/budgets.json', () => {
  const file = loadBudgets(join(root, 'bench/budgets.json'));
  const entries = Object.entries(file).filter(([bench]) => !bench.startsWith('$'));

  it('has budgets for the transcripts at 1 GiB and at the CI scale, for ingest and the dashboard', () => {
    expect(entries.map(([bench]) => bench).sort()).toEqual(['dashboard', 'ingest', 'transcripts']);
    expect(Object.keys(file.transcripts as object).filter((k) => !k.startsWith('$'))).toEqual(
      expect.arrayContaining(['1024mb', '64mb']),
    );
  });

  it('gives every budget a limit (or, for a difference in ms, a target) and a reason', () => {
    const budgetsOnly = entries.flatMap(([, scales]) =>
      Object.entries(scales as Record<string, Record<string, Budget | string>>)
        .filter(([scale]) => !scale.startsWith('$'))
        .flatMap(([, set]) => Object.entries(set).filter(([name]) => !name.startsWith('$'))),
    );
    expect(budgetsOnly.length).toBeGreaterThan(10);
    const bad = budgetsOnly.filter(
      ([, b]) =>
        typeof b !== 'object' ||
        (typeof b.max !== 'number' &&
          typeof b.min !== 'number' &&
          !(b.unit === 'ms' && typeof b.target === 'number')) ||
        typeof b.why !== 'string' ||
        b.why.length < 20,
    );
    expect(bad).toEqual([]);
  });

  it("states issue 24's warm and status-line targets as differences from bare Node, in ms", () => {
    const gib = (file.transcripts as Record<string, Record<string, Budget>>)['1024mb'];
    expect(gib?.warm_minus_node_bare_ms).toMatchObject({ unit: 'ms', target: 40 });
    expect(gib?.statusline_minus_node_bare_ms).toMatchObject({ unit: 'ms', target: 25 });
  });
});
