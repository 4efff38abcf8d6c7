import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { defaultHome } from '../../config/takt-home.ts';
import { loadPriceTable, userPriceTableFile } from '../../pricing/price-table.ts';
import { parsePriceTable } from '../../pricing/price-table-schema.ts';
import { formatTable } from '../format-table.ts';

const help = `takt pricing <show|update|reset> [options]

  show [--json]        the price table in use (USD per million tokens) and its date
  update --file F      validate F and install it as this machine's price table
                       (TAKT_HOME/prices.json); reports use it from then on
  reset                go back to the table shipped with takt

takt never fetches prices: the table ships with the package and changes only here.
`;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { file: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  const home = defaultHome();
  const action = positionals[0] ?? 'show';
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
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
    default:
      process.stderr.write(`takt pricing: unknown action '${action}': use show, update or reset\n`);
      return 2;
  }
}
