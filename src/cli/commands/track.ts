import { createInterface } from 'node:readline/promises';
import { TaktError } from '../../lib/errors.ts';
import { postJson, serverError } from '../../lib/server-client.ts';
import { type CommandSpec, helpOf, parseCommand, serverFlags } from '../command-spec.ts';
import { syncTarget } from './sync.ts';

const spec: CommandSpec = {
  name: 'track',
  usage: '<input> <output> [cache-read] [cache-creation] [--note TEXT] [--model M] [--account A] [options]',
  about: `Records usage you type in as a manual entry on the takt server: input and output tokens,
optionally cache reads and cache writes. Reports label it "manual" and always count it on
top of what Claude Code reported. With no numbers, on a terminal, it asks for them.

Without --account the entry counts toward your only Anthropic account, else the one that
sent usage most recently (the answer says which). Without --model the entry has no cost
("unpriced"). List and delete entries over the API: GET /api/manual-entries and
DELETE /api/manual-entries/{id} (docs/api.md).`,
  shared: ['json', ...serverFlags, 'help'],
  flags: {
    note: { type: 'string', value: 'TEXT', help: 'what the entry is for' },
    model: { type: 'string', value: 'M', help: 'the model, for the cost (e.g. claude-sonnet-4-5)' },
    account: { type: 'string', value: 'A', help: 'the Anthropic account it counts toward (its label or uuid)' },
  },
};

const WHOLE = /^\d+$/;

export async function run(args: string[]): Promise<number> {
  const { values: parsed, positionals } = parseCommand(spec, args, { positionals: true });
  const values = parsed as { note?: string; model?: string; account?: string; json?: boolean; help?: boolean };
  if (values.help) {
    process.stdout.write(helpOf(spec));
    return 0;
  }
  if (positionals.length > 4) {
    throw new TaktError(
      'bad_request',
      'takt track takes at most four numbers: input output [cache-read] [cache-creation]',
    );
  }
  let numbers = positionals;
  let note = values.note;
  if (numbers.length === 0) {
    if (process.stdin.isTTY !== true) {
      throw new TaktError(
        'bad_request',
        'give the numbers: takt track <input> <output> [cache-read] [cache-creation], e.g. takt track 5420 2100; see `takt track --help`',
      );
    }
    ({ numbers, note } = await ask(note));
  }
  if (numbers.length < 2)
    throw new TaktError('bad_request', 'give at least input and output tokens: takt track 5420 2100');
  for (const n of numbers) {
    if (!WHOLE.test(n)) throw new TaktError('bad_request', `"${n}" is not a whole number of tokens`);
  }
  const [input, output, cacheRead = '0', cacheCreation = '0'] = numbers.map(String);
  const target = await syncTarget(parsed);
  const body = {
    input: Number(input),
    output: Number(output),
    cache_read: Number(cacheRead),
    cache_creation: Number(cacheCreation),
    ...(note ? { note } : {}),
    ...(values.model ? { model: values.model } : {}),
    ...(values.account ? { account: values.account } : {}),
  };
  const answer = await postJson<Record<string, unknown>>(target.server, '/api/manual-entries', body, target.token);
  if (answer.status !== 201) throw serverError(answer);
  const e = answer.body as Record<string, unknown> & {
    account?: { label: string | null; account_uuid: string | null; chosen_by: string };
  };
  if (values.json) process.stdout.write(`${JSON.stringify(e)}\n`);
  else {
    const total = body.input + body.output + body.cache_read + body.cache_creation;
    process.stdout.write(
      `manual entry ${String(e.id)} recorded: ${total.toLocaleString('en-US')} tokens (input ${body.input}, output ${body.output}, cache read ${body.cache_read}, cache writes ${body.cache_creation})${note ? ` — ${note}` : ''}\n${accountLine(e.account)}`,
    );
  }
  return 0;
}

function accountLine(a: { label: string | null; account_uuid: string | null; chosen_by: string } | undefined): string {
  if (!a || a.chosen_by === 'none_known') {
    return 'no Anthropic account is known yet: the entry is linked once your usage names one\n';
  }
  const name = a.label ?? a.account_uuid ?? 'the account';
  const why =
    a.chosen_by === 'given'
      ? 'as given'
      : a.chosen_by === 'only_account'
        ? 'your only account'
        : 'the one most recently active; choose another with --account';
  return `counted toward ${name} (${why})\n`;
}

/**
 * The interactive form: one question per number, Enter for 0 on the optional ones. Lines
 * are read through the interface's iterator, which keeps a line typed (or pasted) before its
 * question is shown for that question; `rl.question` would drop it.
 */
async function ask(note: string | undefined): Promise<{ numbers: string[]; note: string | undefined }> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const lines = rl[Symbol.asyncIterator]();
  const answer = async (prompt: string): Promise<string> => {
    rl.setPrompt(prompt);
    rl.prompt();
    const next = await lines.next();
    if (next.done) throw new TaktError('bad_request', 'the input ended before every number was given');
    return String(next.value);
  };
  try {
    const question = async (label: string, optional: boolean): Promise<string> => {
      for (;;) {
        const a = (await answer(`${label}${optional ? ' [0]' : ''}: `)).trim().replace(/[,_]/g, '');
        if (a === '' && optional) return '0';
        if (WHOLE.test(a)) return a;
        process.stderr.write('  a whole number of tokens, please\n');
      }
    };
    const numbers = [
      await question('Input tokens', false),
      await question('Output tokens', false),
      await question('Cache read tokens', true),
      await question('Cache creation tokens', true),
    ];
    const typed = note ?? (await answer('Note (optional): ')).trim();
    return { numbers, note: typed === '' ? undefined : typed };
  } finally {
    rl.close();
  }
}
