// Summarises V8 CPU profiles (`BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR"`): self
// time by where the code lives (a package of node_modules, takt's own folder, Node's internals,
// garbage collection, idle) and the functions with the most self time.
//
//   node bench/profile-summary.mjs DIR/*.cpuprofile
import { readFileSync } from 'node:fs';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node bench/profile-summary.mjs FILE.cpuprofile …');
  process.exit(2);
}

/** Where a function's code lives: a package, takt's source folder, Node, or V8's own entries. */
function placeOf(frame) {
  const url = frame.url;
  if (!url) return frame.functionName.startsWith('(') ? frame.functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const own = /\/dist\/([^/]+)\//.exec(url);
  if (own) return `takt ${own[1]}/`;
  if (url.startsWith('node:')) return 'node internals';
  return url;
}

const byPlace = new Map();
const byFunction = new Map();
let total = 0;
for (const file of files) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  // Self time: each sample names the node on top of the stack; timeDeltas are the intervals.
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const frame = nodes.get(id).callFrame;
    const place = placeOf(frame);
    total += dt;
    byPlace.set(place, (byPlace.get(place) ?? 0) + dt);
    const fn = `${frame.functionName || '(anonymous)'} ${place === frame.url ? '' : `[${place}]`}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + dt);
  });
}
const busy = total - (byPlace.get('(idle)') ?? 0);
const pct = (us, of) => `${((100 * us) / Math.max(1, of)).toFixed(1)}%`.padStart(6);
console.log(
  `${files.length} profile(s), ${(total / 1e6).toFixed(1)} s sampled, idle ${pct(byPlace.get('(idle)') ?? 0, total)}; shares of the busy time:`,
);
for (const [place, us] of [...byPlace]
  .filter(([p]) => p !== '(idle)')
  .sort((a, b) => b[1] - a[1])
  .slice(0, 15)) {
  console.log(`  ${pct(us, busy)}  ${place}`);
}
console.log('functions with the most self time:');
for (const [fn, us] of [...byFunction]
  .filter(([f]) => !f.startsWith('(idle)'))
  .sort((a, b) => b[1] - a[1])
  .slice(0, 20)) {
  console.log(`  ${pct(us, busy)}  ${fn}`);
}
