import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { defaultHome } from '../../config/takt-home.ts';
import { TaktError } from '../../lib/errors.ts';
import { getJson, requestJson, serverError } from '../../lib/server-client.ts';
import { loadPriceTable, type ModelPrice, userPriceTableFile } from '../../pricing/price-table.ts';
import { contractedPricingSchema, parsePriceTable } from '../../pricing/price-table-schema.ts';
import { type CommandSpec, type FlagValues, helpOf, parseCommand, serverFlags, subcommandOf } from '../command-spec.ts';
import { formatTable } from '../format-table.ts';
import { serverAccessFrom } from '../server-flags.ts';

const spec: CommandSpec = {
  name: 'pricing',
  usage: ['show [--json]', 'update --file PATH', 'reset', 'contracted [--file PATH] [--json] [server options]'],
  about: `show        the price table in use (US dollars per million tokens) and its date
update      check a price table (the format of takt pricing show --json) and use it on this
            machine from then on (kept in TAKT_HOME/prices.json)
reset       go back to the table that came with takt
contracted  a server's contracted prices and data-residency factor (admins): shown, or with
            --file replaced by {"models": {"claude-sonnet-4-5": {"input": 2, …}},
            "residency_factor": 1.1}; takt's list_cost_usd then uses them (docs/api.md)

takt never fetches prices: the table comes with takt and changes only here.`,
  shared: ['json', ...serverFlags, 'help'],
  flags: {
    file: { type: 'string', value: 'PATH', help: 'update: the price table to use; contracted: the prices to set' },
  },
};

export async function run(args: string[]): Promise<number> {
  const { sub, rest } = subcommandOf(spec, args, ['show', 'update', 'reset', 'contracted'] as const, 'show');
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
      mkdirSync(home, { recursive: true, mode: 0o700 });
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
    case 'contracted':
      return contracted(parsed, values, home);
  }
}

interface AdminPrices {
  basis: 'list' | 'contracted';
  models: Record<string, ModelPrice>;
  residency_factor: number;
  updated_at: string | null;
}

/** GET or PUT /api/admin/prices: the file is checked here first, so a typo never leaves the machine. */
async function contracted(
  parsed: FlagValues,
  values: { file?: string; json?: boolean },
  home: string,
): Promise<number> {
  const access = await serverAccessFrom(parsed, { env: process.env, home });
  if (!access) {
    throw new TaktError(
      'bad_request',
      'no server or token: pass --server URL --token-file PATH (or set TAKT_SERVER and TAKT_TOKEN), or run takt setup',
    );
  }
  let answer: { status: number; body: unknown };
  if (values.file === undefined) {
    answer = await getJson<AdminPrices>(access.server, '/api/admin/prices', access.token);
  } else {
    const checked = contractedPricingSchema.safeParse(JSON.parse(readFileSync(values.file, 'utf8')));
    if (!checked.success) {
      const why = checked.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ');
      throw new TaktError('bad_request', `${values.file}: ${why}`);
    }
    answer = await requestJson<AdminPrices>({
      server: access.server,
      path: '/api/admin/prices',
      method: 'PUT',
      body: checked.data,
      token: access.token,
    });
  }
  if (answer.status !== 200) throw serverError(answer);
  const p = answer.body as AdminPrices;
  if (values.json) {
    process.stdout.write(`${JSON.stringify(p)}\n`);
    return 0;
  }
  const models = Object.entries(p.models);
  process.stdout.write(
    p.basis === 'list'
      ? 'list_cost_usd uses list prices (no contracted prices, residency factor 1).\n'
      : `list_cost_usd uses ${models.length} contracted model price(s) and residency factor ${p.residency_factor}.\n`,
  );
  if (models.length > 0) {
    process.stdout.write(
      formatTable(
        ['Model', 'Input', 'Output', 'Write 5m', 'Write 1h', 'Read'],
        models.map(([m, r]) => [
          m,
          String(r.input),
          String(r.output),
          String(r.cache_write_5m),
          String(r.cache_write_1h),
          String(r.cache_read),
        ]),
      ),
    );
  }
  return 0;
}
