#!/usr/bin/env node
import { type CommandName, commandSummaries } from './cli/command-list.ts';
import { runCommand } from './cli/exit-code.ts';

/**
 * Entry of `takt`: parse the command word and load only that command's module,
 * so that fast commands (statusline) pay for nothing else at start-up.
 */
const commands: Record<CommandName, () => Promise<{ run(args: string[]): Promise<number> }>> = {
  serve: () => import('./cli/commands/serve.ts'),
  token: () => import('./cli/commands/token.ts'),
  setup: () => import('./cli/commands/setup.ts'),
  validate: () => import('./cli/commands/validate.ts'),
  admin: () => import('./cli/commands/admin.ts'),
  report: () => import('./cli/commands/report.ts'),
  export: () => import('./cli/commands/export.ts'),
  statusline: () => import('./statusline.ts'),
  pricing: () => import('./cli/commands/pricing.ts'),
  watch: () => import('./cli/commands/watch.ts'),
  hooks: () => import('./cli/commands/hooks.ts'),
  service: () => import('./cli/commands/service.ts'),
  usage: () => import('./cli/commands/usage.ts'),
  sync: () => import('./cli/commands/sync.ts'),
  track: () => import('./cli/commands/track.ts'),
};

const width = Math.max(...Object.keys(commandSummaries).map((c) => c.length)) + 2;
const usage = `takt — Claude Code usage tracker

Usage: takt <command> [options]

Commands:
${Object.entries(commandSummaries)
  .map(([c, summary]) => `  ${c.padEnd(width)}${summary}`)
  .join('\n')}

Run 'takt <command> --help' for a command's options. Exit codes: 0 done, 1 failed (or not
tracking), 2 bad usage or input, 3 server unavailable (try again later), 4 not signed in or
not allowed (docs/cli.md).`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write('takt 0.1.0\n');
    return 0;
  }
  const load = Object.hasOwn(commands, name) ? commands[name as CommandName] : undefined;
  if (!load) {
    process.stderr.write(`takt: unknown command '${name}'; see \`takt --help\`\n`);
    return 2;
  }
  const command = await load();
  return runCommand(name, () => command.run(rest));
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`takt: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
