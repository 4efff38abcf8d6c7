import { createInvites } from '../../auth/actions/create-invite.ts';
import { loadConfig } from '../../config/config.ts';
import { openStore } from '../../store/open-store.ts';
import { type CommandSpec, helpOf, parseCommand, storeFlags, subcommandOf } from '../command-spec.ts';

const spec: CommandSpec = {
  name: 'admin',
  usage: [
    'invite [--count N] [--expires-in SECONDS] [--json] [options]',
    'webhooks list|add|test [options]  (see takt admin webhooks --help)',
  ],
  about: `invite: run it on the server's machine. It makes invite codes directly in the server's
data (TAKT_HOME or TAKT_DATABASE_URL), for when no admin exists yet or you are at the server.
Give a code to a person; they run: takt setup --server URL --invite CODE --email E

webhooks: manage the endpoints that get limit alerts, over the server's API.`,
  shared: ['json', ...storeFlags, 'help'],
  flags: {
    count: { type: 'string', value: 'N', help: 'how many codes (1 to 100, default 1)' },
    'expires-in': { type: 'string', value: 'SECONDS', help: 'how long each code is valid (default 7 days)' },
  },
};

export async function run(args: string[]): Promise<number> {
  const { sub, rest } = subcommandOf(spec, args, ['invite', 'webhooks'] as const);
  // takt admin webhooks …: talks to a server over HTTP (admin-webhooks.ts).
  if (sub === 'webhooks') return (await import('./admin-webhooks.ts')).run(rest);
  const { values } = parseCommand(spec, rest);
  if (sub === 'help' || values.help) {
    process.stdout.write(helpOf(spec));
    return 0;
  }
  values.count ??= '1';
  values['expires-in'] ??= String(7 * 86_400);
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
  const config = loadConfig(process.env, {
    ...(typeof values.home === 'string' ? { home: values.home } : {}),
    ...(typeof values['database-url'] === 'string' ? { databaseUrl: values['database-url'] } : {}),
  });
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
