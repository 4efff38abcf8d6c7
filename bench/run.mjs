// Runs the benchmarks: every bench/*.bench.mjs, or only those named on the command line
// (`npm run bench -- transcripts` runs bench/transcripts.bench.mjs). Each runs in its own
// process, one after another, so they do not compete for the two cores.
//
// --check (`npm run bench -- transcripts --check`): each benchmark compares its ratios with
// bench/budgets.json and the run exits non-zero when one passes its budget; without names,
// --check runs the benchmarks that have budgets.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBudgets } from './budget-check.mjs';

const dir = fileURLToPath(new URL('.', import.meta.url));
const all = readdirSync(dir)
  .filter((name) => name.endsWith('.bench.mjs'))
  .map((name) => name.slice(0, -'.bench.mjs'.length))
  .sort();
const args = process.argv.slice(2);
const flags = args.filter((a) => a.startsWith('--'));
const badFlags = flags.filter((f) => f !== '--check');
if (badFlags.length > 0) {
  console.error(`bench: unknown option ${badFlags.join(', ')}; the one option is --check`);
  process.exit(2);
}
const check = flags.includes('--check');
const budgeted = check ? Object.keys(loadBudgets()).filter((k) => !k.startsWith('$')) : [];
const named = args.filter((a) => !a.startsWith('--'));
const wanted = named.length > 0 ? named : check ? budgeted : [];
const unknown = wanted.filter((name) => !all.includes(name));
if (unknown.length > 0) {
  console.error(`bench: no benchmark named ${unknown.join(', ')}; there are: ${all.join(', ')}`);
  process.exit(2);
}
const unguarded = check ? wanted.filter((name) => !budgeted.includes(name)) : [];
if (unguarded.length > 0) {
  console.error(`bench: --check: no budgets for ${unguarded.join(', ')} in bench/budgets.json`);
  process.exit(2);
}
let failed = 0;
for (const name of wanted.length > 0 ? wanted : all) {
  console.log(`\n== ${name} ==`);
  const result = spawnSync(process.execPath, [join(dir, `${name}.bench.mjs`), ...(check ? ['--check'] : [])], {
    stdio: 'inherit',
  });
  if (result.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
