import { issueToken } from '../../auth/actions/issue-token.ts';
import { loadConfig } from '../../config/config.ts';
import { isEmailAddress } from '../../lib/email.ts';
import { openStore } from '../../store/open-store.ts';
import { findUserByEmail, insertUser } from '../../store/users.ts';
import { type CommandSpec, helpOf, parseCommand, storeFlags, subcommandOf } from '../command-spec.ts';

const spec: CommandSpec = {
  name: 'token',
  usage: 'create --email E [--label L] [--admin] [--json] [options]',
  about: `Run it on the server's machine: it works directly on the server's data (TAKT_HOME or
TAKT_DATABASE_URL), so it needs no sign-in. Creates the user if needed and prints a new
token, shown only this once. Signed-in people manage their own tokens on the dashboard.`,
  shared: ['json', ...storeFlags, 'help'],
  flags: {
    email: { type: 'string', value: 'E', help: "the person's email address" },
    label: { type: 'string', value: 'L', help: 'a name for the token (e.g. the machine it is for)' },
    admin: { type: 'boolean', help: 'a new user becomes an admin' },
  },
};

export async function run(args: string[]): Promise<number> {
  const { sub, rest } = subcommandOf(spec, args, ['create'] as const);
  const { values: parsed } = parseCommand(spec, rest);
  const values = parsed as {
    email?: string;
    label?: string;
    admin?: boolean;
    json?: boolean;
    home?: string;
    'database-url'?: string;
    help?: boolean;
  };
  if (sub === 'help' || values.help) {
    process.stdout.write(helpOf(spec));
    return 0;
  }
  if (!values.email || !isEmailAddress(values.email)) {
    process.stderr.write(
      `takt token create: ${values.email ? '--email must be an email address' : 'whose token? --email is required'}, e.g. --email you@example.com\n`,
    );
    return 2;
  }
  const config = loadConfig(process.env, {
    ...(values.home ? { home: values.home } : {}),
    ...(values['database-url'] ? { databaseUrl: values['database-url'] } : {}),
  });
  const store = await openStore(config.databaseUrl);
  try {
    const email = values.email;
    const label = values.label ?? '';
    const { user, created, token } = await store.transaction(async (trx) => {
      const existing = await findUserByEmail(trx, email);
      const user = existing ?? (await insertUser(trx, { email, role: values.admin ? 'admin' : 'member' }));
      const token = await issueToken(
        trx,
        { userId: null, address: 'local cli', local: true },
        {
          userId: user.id,
          label,
          via: 'takt token create',
          event: (t) => ({
            action: existing ? 'token.create' : 'user.create',
            targetType: existing ? 'token' : 'user',
            targetId: existing ? t.id : user.id,
            after: { email: user.email, role: user.role, token_id: t.id, label, via: 'takt token create' },
          }),
        },
      );
      return { user, created: !existing, token };
    });
    if (values.json) {
      process.stdout.write(
        `${JSON.stringify({ user_id: user.id, email: user.email, role: user.role, created_user: created, token: token.token, token_id: token.id, label })}\n`,
      );
    } else {
      process.stdout.write(
        `${created ? 'Created user' : 'User'} ${user.email} (${user.role}).\nToken (shown once, keep it secret):\n${token.token}\n`,
      );
    }
    return 0;
  } finally {
    await store.close();
  }
}
