import { hostname, userInfo } from 'node:os';
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
import { TaktError } from '../../lib/errors.ts';
import { openStore } from '../../store/open-store.ts';
import { findUserByEmail, insertUser, listUsers } from '../../store/users.ts';
import { installService, platformOf } from '../commands/service.ts';
import { taktCommandLine } from '../takt-invocation.ts';

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
  /** False: the dashboard cannot be signed into until a password is set (takt setup --local asks on a terminal). */
  has_password: boolean;
  token: string;
  token_reused: boolean;
  settings: string;
  backup: string | null;
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
  let owner: { email: string; created: boolean; token: string; reused: boolean; hasPassword: boolean };
  try {
    owner = await store.transaction(async (trx) => {
      const users = await listUsers(trx);
      const wanted =
        o.email ??
        users.filter((u) => u.role === 'admin').sort((a, b) => Number(a.created_at) - Number(b.created_at))[0]?.email ??
        `${safeUser()}@localhost`;
      const found = await findUserByEmail(trx, wanted);
      const user = found ?? (await insertUser(trx, { email: wanted, role: users.length === 0 ? 'admin' : 'member' }));
      // A token settings.json already holds for this user still works: keep it (one token per machine).
      const current = existing ? await verifyApiToken(trx, existing) : undefined;
      const hasPassword = user.password_hash !== null;
      if (existing && current?.user.id === user.id)
        return { email: user.email, created: !found, token: existing, reused: true, hasPassword };
      const issued = await issueToken(
        trx,
        { userId: null, address: 'local cli', local: true },
        {
          userId: user.id,
          label: machine,
          via: 'takt setup --local',
          event: (t) => ({
            action: found ? 'token.create' : 'user.create',
            targetType: found ? 'token' : 'user',
            targetId: found ? t.id : user.id,
            after: { email: user.email, role: user.role, token_id: t.id, label: machine, via: 'takt setup --local' },
          }),
        },
      );
      return { email: user.email, created: !found, token: issued.token, reused: false, hasPassword };
    });
  } finally {
    await store.close();
  }

  const { backup } = applyTelemetryEnv(settings, telemetryEnv(server, owner.token, machine));
  const hooks = installHooks(settings, config.home, taktCommandLine());
  const service = o.service ? installService(platformOf(undefined), 'serve', o.env.HOME ?? userInfo().homedir) : null;
  return {
    server,
    dashboard: `http://localhost:${config.httpPort}/`,
    email: owner.email,
    created_user: owner.created,
    has_password: owner.hasPassword,
    token: owner.token,
    token_reused: owner.reused,
    settings,
    backup: backup ?? null,
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
