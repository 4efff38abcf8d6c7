import { parseArgs } from 'node:util';
import { createInvites } from '../../auth/actions/create-invite.ts';
import { loadConfig } from '../../config/config.ts';
import { openStore } from '../../store/open-store.ts';

const help = `takt admin invite [--count N] [--expires-in SECONDS] [--json]
takt admin webhooks list|add|test (takt admin webhooks --help)

Run on the server's machine: mints invite codes directly in the local store
(TAKT_HOME / TAKT_DATABASE_URL), for when no admin exists yet or you are at the server.
Give a code to a person; they run: takt setup --server URL --invite CODE --email E
`;

export async function run(args: string[]): Promise<number> {
  // takt admin webhooks …: talks to a server over HTTP (admin-webhooks.ts).
  if (args[0] === 'webhooks') return (await import('./admin-webhooks.ts')).run(args.slice(1));
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      count: { type: 'string', default: '1' },
      'expires-in': { type: 'string', default: String(7 * 86_400) },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals[0] !== 'invite') {
    process.stdout.write(help);
    return values.help ? 0 : 2;
  }
  const count = Number(values.count);
  const expires = Number(values['expires-in']);
  if (!Number.isInteger(count) || count < 1 || count > 100) {
    process.stderr.write('takt admin invite: --count must be 1 to 100\n');
    return 2;
  }
  if (!Number.isInteger(expires) || expires < 60) {
    process.stderr.write('takt admin invite: --expires-in is in seconds, at least 60\n');
    return 2;
  }
  const config = loadConfig(process.env);
  const store = await openStore(config.databaseUrl);
  try {
    const minted = await createInvites(
      store,
      { userId: null, address: 'local cli', local: true },
      { count, expiresInSeconds: expires, via: 'takt admin invite' },
    );
    if (values.json) {
      process.stdout.write(
        `${JSON.stringify({ codes: minted.codes, expires_at: new Date(minted.expiresAt).toISOString() })}\n`,
      );
    } else {
      process.stdout.write(`${minted.codes.join('\n')}\n(valid until ${new Date(minted.expiresAt).toISOString()})\n`);
    }
    return 0;
  } finally {
    await store.close();
  }
}
