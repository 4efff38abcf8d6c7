#!/usr/bin/env node
/**
 * The `takt` command (package.json "bin"). CommonJS on purpose: Node 20 sets up its ES
 * module loader only when something imports an ES module, and that alone costs ~10 ms —
 * too much for the status line, which Claude Code runs after every message. So the status
 * line is a CommonJS bundle (dist/statusline.cjs, built by scripts/build.mjs) required from
 * here, and every other command loads the ES modules of main.js as usual.
 */
if (process.argv[2] === 'statusline') {
  const { run } = require('./statusline.cjs') as { run(args: string[]): Promise<number> };
  run(process.argv.slice(3)).then(
    (code) => {
      process.exitCode = code;
    },
    () => {
      process.exitCode = 0; // the status line never fails Claude Code
    },
  );
} else {
  void import('./main.ts');
}
