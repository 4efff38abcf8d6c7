// Runs the benchmarks: every bench/*.bench.mjs, or only those named on the command line
// (`npm run bench -- transcripts` runs bench/transcripts.bench.mjs). Each runs in its own
// process, one after another, so they do not compete for the two cores.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const all = readdirSync(dir)
  .filter((name) => name.endsWith('.bench.mjs'))
  .map((name) => name.slice(0, -'.bench.mjs'.length))
  .sort();
const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !all.includes(name));
if (unknown.length > 0) {
  console.error(`bench: no benchmark named ${unknown.join(', ')}; there are: ${all.join(', ')}`);
  process.exit(2);
}
let failed = 0;
for (const name of wanted.length > 0 ? wanted : all) {
  console.log(`\n== ${name} ==`);
  const result = spawnSync(process.execPath, [join(dir, `${name}.bench.mjs`)], { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
