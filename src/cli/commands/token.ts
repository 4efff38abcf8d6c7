import { parseArgs } from 'node:util';
import { issueToken } from '../../auth/actions/issue-token.ts';
import { loadConfig } from '../../config/config.ts';
import { isEmailAddress } from '../../lib/email.ts';
import { openStore } from '../../store/open-store.ts';
import { findUserByEmail, insertUser } from '../../store/users.ts';

const help = `takt token create --email E [--label L] [--admin] [--json]

Run on the server's machine: works directly on the local store (TAKT_HOME /
TAKT_DATABASE_URL). Creates the user if needed and prints a new bearer token,
shown only this once.
`;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      email: { type: 'string' },
      label: { type: 'string' },
      admin: { type: 'boolean' },
      json: { type: 'boolean' },
      'database-url': { type: 'string' },
      home: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals[0] !== 'create') {
    process.stdout.write(help);
    return values.help ? 0 : 2;
  }
  if (!values.email || !isEmailAddress(values.email)) {
    process.stderr.write('takt token create: --email must be an email address, e.g. --email you@example.com\n');
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
