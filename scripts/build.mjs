// Compiles src/ to dist/ and copies the data files that ship with the package
// (price table, .proto definitions) next to the compiled code.
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';

rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
  stdio: 'inherit',
});

const dataFile = /\.(json|proto|html|css|svg)$/;
function copyData(dir) {
  for (const name of readdirSync(dir)) {
    const from = join(dir, name);
    if (statSync(from).isDirectory()) copyData(from);
    else if (dataFile.test(name)) cpSync(from, join('dist', from.slice('src/'.length)));
  }
}
copyData('src');
chmodSync('dist/main.js', 0o755);

// The status line runs after every Claude Code message, and `takt report` should answer
// warm in milliseconds: each is one CommonJS bundle, required by the `takt` bin
// (dist/takt.cjs) without starting Node's ES module loader (see src/takt.cts). The index's
// worker thread is CommonJS too (an ES module worker sets up the ES module loader first:
// ~50 ms of a first index build): one beside the bundles, one beside the unbundled index
// code. node: built-ins stay external; they use no packages. import.meta.url becomes the
// bundle's URL, so what the bundled code finds beside itself is copied there (prices.json).
for (const [entry, outfile] of [
  ['dist/statusline.js', 'dist/statusline.cjs'],
  ['dist/cli/commands/report.js', 'dist/report.cjs'],
  ['dist/transcripts/scan-worker.js', 'dist/scan-worker.cjs'],
  ['dist/transcripts/scan-worker.js', 'dist/transcripts/scan-worker.cjs'],
]) {
  buildSync({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    define: { 'import.meta.url': '__takt_bundle_url' },
    banner: { js: "const __takt_bundle_url = require('node:url').pathToFileURL(__filename).href;" },
    logLevel: 'warning',
  });
}
cpSync('dist/pricing/prices.json', 'dist/prices.json');
chmodSync('dist/takt.cjs', 0o755);
