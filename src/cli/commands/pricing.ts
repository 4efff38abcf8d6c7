import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { defaultHome } from '../../config/takt-home.ts';
import { loadPriceTable, userPriceTableFile } from '../../pricing/price-table.ts';
import { parsePriceTable } from '../../pricing/price-table-schema.ts';
import { type CommandSpec, helpOf, parseCommand, subcommandOf } from '../command-spec.ts';
import { formatTable } from '../format-table.ts';

const spec: CommandSpec = {
  name: 'pricing',
  usage: ['show [--json]', 'update --file PATH', 'reset'],
  about: `show    the price table in use (US dollars per million tokens) and its date
update  check a price table (the format of takt pricing show --json) and use it on this
        machine from then on (kept in TAKT_HOME/prices.json)
reset   go back to the table that came with takt

takt never fetches prices: the table comes with takt and changes only here.`,
  shared: ['json', 'help'],
  flags: { file: { type: 'string', value: 'PATH', help: 'update: the price table to use' } },
};

export async function run(args: string[]): Promise<number> {
  const { sub, rest } = subcommandOf(spec, args, ['show', 'update', 'reset'] as const, 'show');
  const { values: parsed } = parseCommand(spec, rest);
  const values = parsed as { file?: string; json?: boolean; help?: boolean };
  if (sub === 'help' || values.help) {
    process.stdout.write(helpOf(spec));
    return 0;
  }
  const home = defaultHome();
  const action = sub;
  switch (action) {
    case 'show': {
      const table = loadPriceTable(home);
      if (values.json) {
        process.stdout.write(`${JSON.stringify(table, null, 2)}\n`);
        return 0;
      }
      process.stdout.write(`Prices of ${table.effective} (${table.unit}, ${table.currency})\n`);
      const rows = Object.entries(table.models).map(([model, p]) => [
        model,
        String(p.input),
        String(p.output),
        String(p.cache_write_5m),
        String(p.cache_write_1h),
        String(p.cache_read),
        p.long_context
          ? `>${p.long_context.threshold_tokens / 1000}k: ${p.long_context.input}/${p.long_context.output}`
          : '',
        p.fast_multiplier ? `${p.fast_multiplier}×` : '',
      ]);
      process.stdout.write(
        formatTable(['Model', 'Input', 'Output', 'Write 5m', 'Write 1h', 'Read', 'Long context', 'Fast'], rows),
      );
      return 0;
    }
    case 'update': {
      if (values.file === undefined) {
        process.stderr.write(
          'takt pricing update: pass --file F, a price table in the format of `takt pricing show --json`\n',
        );
        return 2;
      }
      let parsed: ReturnType<typeof parsePriceTable>;
      try {
        parsed = parsePriceTable(JSON.parse(readFileSync(values.file, 'utf8')));
      } catch (error) {
        process.stderr.write(`takt pricing update: ${values.file}: ${(error as Error).message}\n`);
        return 2;
      }
      mkdirSync(home, { recursive: true });
      const target = userPriceTableFile(home);
      writeFileSync(`${target}.tmp`, `${JSON.stringify(parsed, null, 2)}\n`);
      renameSync(`${target}.tmp`, target);
      process.stdout.write(
        `Installed prices of ${parsed.effective} for ${Object.keys(parsed.models).length} models (${target}).\n`,
      );
      return 0;
    }
    case 'reset':
      rmSync(userPriceTableFile(home), { force: true });
      process.stdout.write('Using the price table shipped with takt.\n');
      return 0;
  }
}
