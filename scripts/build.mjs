// Compiles src/ to dist/, builds the dashboard into dist/web/, and copies the data files that ship with the package
// (price table, .proto definitions) next to the compiled code.
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync, constants as zlibConstants } from 'node:zlib';
import { buildSync } from 'esbuild';
import { compileWasm } from '../wasm/compile.mjs';

rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
  stdio: 'inherit',
});

// The transcript line scanner in WebAssembly (wasm/usage-scan.ts, AssemblyScript; docs/decisions.md,
// "The line scanner in WebAssembly"): beside the bundles and beside the unbundled transcripts code,
// where usage-scan-wasm.ts looks for it.
writeFileSync('dist/usage-scan.wasm', await compileWasm('usage-scan'));
cpSync('dist/usage-scan.wasm', 'dist/transcripts/usage-scan.wasm');

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
    // import() of a node: module becomes require(): takt.cjs compiles the bundles with node:vm
    // (for its code cache), where Node 20 runs no import() without an experimental flag.
    supported: { 'dynamic-import': false },
    banner: { js: "const __takt_bundle_url = require('node:url').pathToFileURL(__filename).href;" },
    // Without comments and indentation the bundles are ~40% smaller, and ASCII only (the
    // comments held the only other characters): V8 keeps a one-byte source of half the size
    // for each run to read and hold (issue 24.2). Names are kept: messages and stacks stay readable.
    minifyWhitespace: true,
    charset: 'ascii',
    logLevel: 'warning',
  });
}
for (const bundle of ['dist/statusline.cjs', 'dist/report.cjs']) {
  if (/\bimport\(/.test(readFileSync(bundle, 'utf8').replace(/\/\/.*$/gm, ''))) {
    throw new Error(`${bundle} calls import(): takt.cjs loads it with node:vm, where Node 20 cannot import()`);
  }
}
cpSync('dist/pricing/prices.json', 'dist/prices.json');
chmodSync('dist/takt.cjs', 0o755);

// The dashboard (web/): Vite builds it into dist/web; every text file is precompressed
// (brotli and gzip) so `takt serve` sends it without compressing per request. The
// JavaScript a browser downloads must stay within 150 kB gzipped (issue 12): printed here,
// and the build fails beyond it.
execFileSync(
  process.execPath,
  ['node_modules/vite/bin/vite.js', 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'],
  {
    stdio: 'inherit',
  },
);
const JS_BUDGET_GZIP = 150 * 1024;
let jsGzip = 0;
const sizes = [];
function precompress(dir) {
  for (const name of readdirSync(dir)) {
    const file = join(dir, name);
    if (statSync(file).isDirectory()) {
      precompress(file);
      continue;
    }
    if (!/\.(js|css|html|svg|json)$/.test(name)) continue;
    const raw = readFileSync(file);
    const gz = gzipSync(raw, { level: 9 });
    writeFileSync(`${file}.gz`, gz);
    writeFileSync(
      `${file}.br`,
      brotliCompressSync(raw, {
        params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: raw.length },
      }),
    );
    if (name.endsWith('.js')) {
      jsGzip += gz.length;
      sizes.push(
        `${file.slice('dist/web/'.length)} ${(raw.length / 1024).toFixed(1)} kB (${(gz.length / 1024).toFixed(1)} kB gzip)`,
      );
    }
  }
}
precompress('dist/web');
process.stdout.write(
  `dashboard JavaScript: ${(jsGzip / 1024).toFixed(1)} kB gzipped of ${JS_BUDGET_GZIP / 1024} kB allowed\n  ${sizes.join('\n  ')}\n`,
);
if (jsGzip > JS_BUDGET_GZIP) {
  process.stderr.write('the dashboard JavaScript exceeds its 150 kB gzip budget: trim web/ before shipping\n');
  process.exit(1);
}
