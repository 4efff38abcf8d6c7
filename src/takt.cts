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
const bundled: Record<string, string> = { statusline: './statusline.cjs', report: './report.cjs' };
const bundle = bundled[process.argv[2] ?? ''];
if (bundle !== undefined) {
  const { run } = require(bundle) as { run(args: string[]): Promise<number> };
  run(process.argv.slice(3)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`takt: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = process.argv[2] === 'statusline' ? 0 : 1; // the status line never fails Claude Code
    },
  );
} else {
  void import('./main.ts');
}
