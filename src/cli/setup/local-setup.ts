import { hostname, userInfo } from 'node:os';
import { recordAudit } from '../../audit/record-audit.ts';
import { issueToken } from '../../auth/actions/issue-token.ts';
import { setPassword } from '../../auth/actions/set-password.ts';
import { verifyApiToken } from '../../auth/api-token.ts';
import { loadConfig } from '../../config/config.ts';
import { installHooks } from '../../install/claude-hooks.ts';
import {
  applyTelemetryEnv,
  bearerOf,
  currentTelemetryEnv,
  defaultSettingsPath,
} from '../../install/claude-settings.ts';
import { MACHINE_NAME, telemetryEnv } from '../../install/setup-payload.ts';
import { EMAIL_MESSAGE, isEmailAddress } from '../../lib/email.ts';
import { TaktError } from '../../lib/errors.ts';
import type { Db } from '../../store/db.ts';
import { setLocalOwner } from '../../store/local-owner.ts';
import { openStore } from '../../store/open-store.ts';
import {
  findUserByEmail,
  insertUser,
  listUsers,
  normalizeEmail,
  setUserEmail,
  setUserRole,
  type User,
} from '../../store/users.ts';
import { installService, platformOf } from '../commands/service.ts';
import { taktCommandLine } from '../takt-invocation.ts';
import { checkServiceManager } from './service-preflight.ts';

/**
 * `takt setup --local`: one person, one machine, no team server. Works on the local store
 * directly (as `takt token create` does): the owner account (the first admin, or one made
 * now) and a token, reused when settings.json already holds a valid one; then Claude
 * Code's telemetry pointed at this machine's takt, the StopFailure hook and the status
 * line, and — when asked — the `serve` service. Idempotent: running it again changes only
 * what is missing.
 */
export interface LocalSetupResult {
  server: string;
  dashboard: string;
  email: string;
  created_user: boolean;
  /** The owner's previous email when `--email` renamed them; null otherwise. */
  renamed_from: string | null;
  /** False: the dashboard cannot be signed into until a password is set (takt setup --local asks on a terminal). */
  has_password: boolean;
  token: string;
  token_reused: boolean;
  settings: string;
  /** The one copy of settings.json as it was before this run changed it (null: nothing changed, or there was no file). */
  backup: string | null;
  /** False when settings.json already held these telemetry settings (then nothing was written). */
  settings_changed: boolean;
  hooks: { hook: string; status_line: string };
  service: string | null;
}

export async function localSetup(o: {
  email?: string | undefined;
  machine?: string | undefined;
  settings?: string | undefined;
  service: boolean;
  env: NodeJS.ProcessEnv;
}): Promise<LocalSetupResult> {
  // Before the store or settings.json are touched: a service that cannot be installed leaves nothing behind.
  const platform = o.service ? platformOf(undefined) : null;
  if (platform) {
    checkServiceManager(
      platform,
      o.env,
      'or set up without it — `takt setup --local` — and keep `takt serve` running under your own supervisor',
    );
  }
  const config = loadConfig(o.env);
  const server = `http://127.0.0.1:${config.httpPort}`;
  const machine = o.machine ?? hostname();
  if (!MACHINE_NAME.test(machine)) {
    throw new TaktError(
      'bad_request',
      `'${machine}' is not a usable host name: pass --machine NAME (letters, digits, . _ -)`,
    );
  }
  const settings = o.settings ?? defaultSettingsPath(o.env);
  const existing = bearerOf(currentTelemetryEnv({}, settings).OTEL_EXPORTER_OTLP_HEADERS);

  const store = await openStore(config.databaseUrl);
  let owner: {
    email: string;
    created: boolean;
    renamedFrom: string | null;
    token: string;
    reused: boolean;
    hasPassword: boolean;
  };
  try {
    owner = await store.transaction(async (trx) => {
      const { user, created, renamedFrom } = await chooseOwner(trx, o.email);
      await setLocalOwner(trx, user.id, Date.now());
      // A token settings.json already holds for this user still works: keep it (one token per machine).
      const current = existing ? await verifyApiToken(trx, existing) : undefined;
      const hasPassword = user.password_hash !== null;
      if (existing && current?.user.id === user.id)
        return { email: user.email, created, renamedFrom, token: existing, reused: true, hasPassword };
      const issued = await issueToken(
        trx,
        { userId: null, address: 'local cli', local: true },
        {
          userId: user.id,
          label: machine,
          via: 'takt setup --local',
          event: (t) => ({
            action: created ? 'user.create' : 'token.create',
            targetType: created ? 'user' : 'token',
            targetId: created ? user.id : t.id,
            after: { email: user.email, role: user.role, token_id: t.id, label: machine, via: 'takt setup --local' },
          }),
        },
      );
      return { email: user.email, created, renamedFrom, token: issued.token, reused: false, hasPassword };
    });
  } finally {
    await store.close();
  }

  const { backup, changed } = applyTelemetryEnv(settings, telemetryEnv(server, owner.token, machine));
  // The telemetry edit, when it wrote, kept the file as it was before takt touched it: the
  // hooks edit right after is over takt's own file and keeps no second copy (one backup per run).
  const hooks = installHooks(settings, config.home, taktCommandLine(), { statusLine: true, keepBackup: !changed });
  const service = platform ? installService(platform, 'serve', o.env.HOME ?? userInfo().homedir) : null;
  return {
    server,
    dashboard: `http://localhost:${config.httpPort}/`,
    email: owner.email,
    created_user: owner.created,
    renamed_from: owner.renamedFrom,
    has_password: owner.hasPassword,
    token: owner.token,
    token_reused: owner.reused,
    settings,
    backup: backup ?? hooks.backup ?? null,
    settings_changed: changed,
    hooks: { hook: hooks.hook, status_line: hooks.status_line },
    service,
  };
}

/**
 * Gives the owner made by `takt setup --local` a password for the dashboard, in the local
 * store (the operator on the server's machine, audited as such). Only while none is set:
 * changing one goes through the Account page with the current password.
 */
export async function setLocalOwnerPassword(o: {
  env: NodeJS.ProcessEnv;
  email: string;
  password: string;
}): Promise<void> {
  const config = loadConfig(o.env);
  const store = await openStore(config.databaseUrl);
  try {
    const user = await findUserByEmail(store.db, o.email);
    if (!user) throw new TaktError('not_found', `no user ${o.email} in ${config.home}: run takt setup --local first`);
    if (user.password_hash !== null) {
      throw new TaktError('conflict', `${o.email} has a password already: change it on the dashboard's Account page`);
    }
    await setPassword(
      store,
      { userId: null, address: 'local cli', local: true },
      { userId: user.id, password: o.password, currentPassword: undefined },
    );
  } finally {
    await store.close();
  }
}

/**
 * The owner of a one-person store: its first admin (or its only person), made an admin when
 * an earlier version left them a member. `--email` names the owner: an address already in
 * the store is that person; another address renames the owner (one person stays one person);
 * a store of several people without that address is a team server's, and is refused.
 */
async function chooseOwner(
  trx: Db,
  email: string | undefined,
): Promise<{ user: User; created: boolean; renamedFrom: string | null }> {
  if (email !== undefined && !isEmailAddress(email)) {
    throw new TaktError('bad_request', `--email '${email}': ${EMAIL_MESSAGE}`);
  }
  const users = await listUsers(trx);
  const owner = users.find((u) => u.role === 'admin') ?? (users.length === 1 ? users[0] : undefined);
  const named = email === undefined ? undefined : await findUserByEmail(trx, email);
  const actor = { userId: null, address: 'local cli' };
  if (named) return { user: await ensureAdminIfAlone(trx, named, users.length), created: false, renamedFrom: null };
  if (users.length === 0) {
    const user = await insertUser(trx, { email: email ?? `${safeUser()}@localhost`, role: 'admin' });
    return { user, created: true, renamedFrom: null };
  }
  if (owner && (email === undefined || users.length === 1)) {
    const user = await ensureAdminIfAlone(trx, owner, users.length);
    if (email === undefined) return { user, created: false, renamedFrom: null };
    await setUserEmail(trx, user.id, email);
    await recordAudit(trx, actor, {
      action: 'user.rename',
      targetType: 'user',
      targetId: user.id,
      before: { email: user.email },
      after: { email: normalizeEmail(email), via: 'takt setup --local' },
    });
    return { user: { ...user, email: normalizeEmail(email) }, created: false, renamedFrom: user.email };
  }
  throw new TaktError(
    'bad_request',
    `this store has ${users.length} people and none is ${email ?? 'an admin'}: takt setup --local is for one person. ` +
      'Run it with --email of an existing person, or connect this machine to the team server: takt setup --server URL',
  );
}

async function ensureAdminIfAlone(trx: Db, user: User, people: number): Promise<User> {
  if (people !== 1 || user.role === 'admin') return user;
  await setUserRole(trx, user.id, 'admin');
  await recordAudit(
    trx,
    { userId: null, address: 'local cli' },
    {
      action: 'user.role',
      targetType: 'user',
      targetId: user.id,
      before: { role: user.role },
      after: { role: 'admin', via: 'takt setup --local' },
    },
  );
  return { ...user, role: 'admin' };
}

function safeUser(): string {
  try {
    const name = userInfo()
      .username.toLowerCase()
      .replace(/[^a-z0-9._-]/g, '');
    return name === '' ? 'owner' : name;
  } catch {
    return 'owner';
  }
}
