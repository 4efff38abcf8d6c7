#!/usr/bin/env node
/**
 * The `takt` command (package.json "bin"). CommonJS on purpose: Node 20 sets up its ES
 * module loader only when something imports an ES module, and that alone costs ~10 ms —
 * too much for the status line, which Claude Code runs after every message. So the status
 * line is a CommonJS bundle (dist/statusline.cjs, built by scripts/build.mjs) required from
 * here, and every other command loads the ES modules of main.js as usual. `takt report`,
 * whose warm runs take a few hundred milliseconds, is bundled the same way.
 */
/** Commands built as CommonJS bundles beside this file (scripts/build.mjs). */
const bundled: Record<string, string> = { statusline: 'statusline.cjs', report: 'report.cjs' };
const bundle = bundled[process.argv[2] ?? ''];
if (bundle !== undefined) {
  const { bundle: command, saveCache } = loadBundle(`${__dirname}/${bundle}`);
  command.run(process.argv.slice(3)).then(
    (code) => {
      process.exitCode = code;
      saveCache();
      // A report has written everything by now (stdout by descriptor; stderr, on Linux, is
      // synchronous for files, pipes and terminals alike): exiting here skips Node's teardown of
      // the heap, ~4 ms of a warm report (issue 24.2). Not the status line: its background
      // refresh starts after run() resolves.
      if (process.argv[2] === 'report' && process.platform === 'linux') process.exit(code);
    },
    (error: unknown) => {
      process.stderr.write(`takt: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = process.argv[2] === 'statusline' ? 0 : 1; // the status line never fails Claude Code
    },
  );
} else {
  void import('./main.ts');
}

/**
 * Loads a bundle with a V8 code cache kept in TAKT_HOME. Node 20 has no module compile cache
 * (`module.enableCompileCache()` is Node ≥ 22.1), so every run parsed and compiled the bundle
 * again (~90 kB, and each function again when first called); a cache made after a run holds
 * the functions that run compiled, and the next run takes them as they are (issue 24.2: ~4 ms
 * of a warm report's CPU time). The cache is named for the bundle's size and modification time
 * and Node's version; V8 also checks the source and its flags and rejects a cache that does not
 * fit: then the bundle is compiled as usual and `saveCache` (after the command ran) writes a
 * new one. A cache that cannot be read or written only costs the compile it would have saved.
 */
function loadBundle(file: string): { bundle: { run(args: string[]): Promise<number> }; saveCache: () => void } {
  const fs = require('node:fs') as typeof import('node:fs');
  const path = require('node:path') as typeof import('node:path');
  const { createRequire, wrap } = require('node:module') as typeof import('node:module');
  const { Script } = require('node:vm') as typeof import('node:vm');
  const source = fs.readFileSync(file, 'utf8');
  let cacheFile: string | undefined;
  let cachedData: Buffer | undefined;
  try {
    // config/takt-home.ts's defaultHome, without loading the config module.
    const home = path.resolve(process.env.TAKT_HOME ?? path.join(require('node:os').homedir(), '.takt'));
    const st = fs.statSync(file);
    const name = `${path.basename(file)}-${st.size}-${Math.trunc(st.mtimeMs)}-${process.version}.v8`;
    cacheFile = path.join(home, 'code-cache', name);
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    // no cache yet, or no home: compiled as usual
  }
  // The bundles have no import() (scripts/build.mjs): Node 20 runs none in code compiled by node:vm.
  const script = new Script(wrap(source), { filename: file, cachedData });
  const module = { exports: {} as { run(args: string[]): Promise<number> } };
  const compiled = script.runInThisContext() as (...args: unknown[]) => void;
  compiled.call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file));
  const saveCache = () => {
    if (cacheFile === undefined || (cachedData !== undefined && !script.cachedDataRejected)) return;
    try {
      fs.mkdirSync(path.dirname(cacheFile), { recursive: true, mode: 0o700 });
      const temporary = `${cacheFile}.${process.pid}.tmp`;
      fs.writeFileSync(temporary, script.createCachedData(), { mode: 0o600 });
      fs.renameSync(temporary, cacheFile);
      // Caches of this bundle's earlier builds (or another Node) go: one per bundle is kept.
      const dir = path.dirname(cacheFile);
      const prefix = `${path.basename(file)}-`;
      for (const old of fs.readdirSync(dir)) {
        if (old.startsWith(prefix) && old !== path.basename(cacheFile)) fs.rmSync(path.join(dir, old), { force: true });
      }
    } catch {
      // a read-only home: no cache, as before
    }
  };
  return { bundle: module.exports, saveCache };
}
