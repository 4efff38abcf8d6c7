import type { Hono } from 'hono';
import { z } from 'zod';
import { bearerFrom } from '../../../auth/api-token.ts';
import { trackingStatus } from '../../../queries/machines.ts';
import { sourceStatus } from '../../../queries/source-status.ts';
import { tokensSentForHost } from '../../../queries/token-host-usage.ts';
import { listAccountsOfTokenSince } from '../../../store/accounts.ts';
import { listMachines, listMachinesOfToken } from '../../../store/machines.ts';
import type { AppContext } from '../../app-context.ts';
import { localModeStatus } from '../../local-mode.ts';
import { readJson } from '../../read-json.ts';

/** tracking_status values of seed 000, with the one literal instruction for each. */
export const NEXT_ACTIONS = {
  active: 'Nothing to do: telemetry from this machine arrived in the last 5 minutes.',
  recent: 'Nothing to do: telemetry arrived within the hour; the next batch comes with your next prompt.',
  stale:
    'Start Claude Code on this machine and send one prompt; if the status stays stale, restart Claude Code so it re-reads its environment.',
  host_never_seen:
    'Nothing arrived with this host.name yet. If the setup payload is applied (takt setup applies it), Claude Code was most likely not restarted since, or no prompt was sent: quit and restart Claude Code, send one prompt, wait a minute, and validate again. Otherwise apply all the variables of the setup payload first (OTEL_RESOURCE_ATTRIBUTES=host.name=<this name> among them).',
  host_normalized:
    'Use exactly one of hostname_match_candidates as host.name in OTEL_RESOURCE_ATTRIBUTES (or keep validating with that name), then restart Claude Code.',
  no_host_supplied: 'Call again with {"host_name": "<the host.name in your OTEL_RESOURCE_ATTRIBUTES>"}.',
  auth_invalid: 'Get a new token: takt setup (device flow), or POST /auth/setup-additional from a machine that works.',
  no_token: 'Send Authorization: Bearer <the token in your OTEL_EXPORTER_OTLP_HEADERS>.',
} as const;

export type TrackingStatus = keyof typeof NEXT_ACTIONS;

const DAY = 86_400_000;

/** Case, a trailing dot and the .local / .lan / .localdomain / .home suffixes do not make another machine. */
export function normalizeHostName(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/\.$/, '')
    .replace(/\.(local|lan|localdomain|home)$/, '');
}

export function registerValidateRoutes(app: Hono, ctx: AppContext): void {
  app.get('/validate', (c) =>
    c.json({
      checklist: [
        'All variables of the setup payload are set together (one delivery method, no partial merge).',
        'OTEL_EXPORTER_OTLP_HEADERS is "Authorization=Bearer <token>" with a token that POST /validate accepts.',
        'OTEL_RESOURCE_ATTRIBUTES contains host.name=<name>, and you validate with that same name.',
        'The endpoints point at this server and are reachable from the machine (curl <server>/healthz).',
        'Claude Code was fully quit and restarted after the variables were set (it reads them only at start).',
        'You sent at least one prompt since the restart, and waited a minute for the first export.',
        'The desktop app does not read ~/.claude/settings.json: use the powershell (user environment) method for it.',
      ],
      tracking_status_values: NEXT_ACTIONS,
      probe: 'POST /validate with Authorization: Bearer <token> and {"host_name": "<host.name>"}',
    }),
  );

  app.post('/validate', async (c) => {
    const token = bearerFrom(c.req.header('authorization'));
    const answer = (status: TrackingStatus, extra: Record<string, unknown> = {}, http: 200 | 401 = 200) =>
      c.json({ tracking_status: status, next_action: NEXT_ACTIONS[status], ...extra }, http);
    if (!token) return answer('no_token', { token: 'missing' }, 401);
    const identity = await ctx.tokens.verify(token);
    if (!identity) return answer('auth_invalid', { token: 'invalid' }, 401);

    // No host_name (or not a string) is answered no_host_supplied, with the next action.
    const body = await readJson(c, z.unknown());
    const named = (body as { host_name?: unknown } | null)?.host_name;
    const hostName = typeof named === 'string' && named.trim() ? named.trim() : undefined;
    const db = ctx.store.db;
    const userId = identity.user.id;
    const now = Date.now();
    const machines = await listMachines(db, userId);
    // The accounts this token (not the user's other tokens) sent usage for in the last day.
    const accounts = await listAccountsOfTokenSince(db, userId, identity.tokenId, now - DAY);
    const local = await localModeStatus(db, ctx.config);
    // The machines this token (not the user's other tokens) sent for in the last day.
    const ofToken = await listMachinesOfToken(db, identity.tokenId, now - DAY);
    const common = {
      token: 'ok',
      // Each way usage reaches takt, told apart: telemetry is not the only one (takt sync, hooks, …).
      sources: await sourceStatus(db, userId),
      recent_machines_for_token: ofToken.map((m) => m.host_name || '(unknown)').sort(),
      recent_accounts_for_token: accounts.map((a) => ({
        account_uuid: a.account_uuid,
        organization_id: a.organization_id,
        email: a.email,
        last_seen_at: new Date(a.last_seen_at).toISOString(),
      })),
      local_mode: { on: local.on, reason: local.reason },
    };
    if (!hostName) return answer('no_host_supplied', { ...common, host_name: null, host_name_ever_seen: false });

    const exact = machines.find((m) => m.host_name === hostName);
    if (!exact) {
      const wanted = normalizeHostName(hostName);
      const candidates = machines.filter((m) => m.host_name && normalizeHostName(m.host_name) === wanted);
      if (candidates.length > 0) {
        return answer('host_normalized', {
          ...common,
          host_name: hostName,
          host_name_ever_seen: false,
          hostname_match_candidates: candidates.map((m) => m.host_name).sort(),
        });
      }
      return answer('host_never_seen', {
        ...common,
        host_name: hostName,
        host_name_ever_seen: false,
        hostname_match_candidates: [],
      });
    }
    // What this token (not the user's other tokens) sent for this host in the last day.
    const tokens24h = await tokensSentForHost(db, {
      userId,
      tokenId: identity.tokenId,
      machineId: exact.id,
      since: now - DAY,
    });
    const status: TrackingStatus = trackingStatus(exact.last_seen_at, now);
    // A machine is also seen through takt sync: then say so, not "telemetry arrived".
    const noTelemetry = common.sources.opentelemetry.last_arrival === null;
    return answer(status, {
      ...(noTelemetry && (status === 'active' || status === 'recent')
        ? {
            next_action: `This machine's usage arrived through ${Object.entries(common.sources)
              .filter(([, s]) => s.last_arrival !== null)
              .map(([k]) => k)
              .join(', ')}, but no OpenTelemetry yet: ${common.sources.opentelemetry.missing}.`,
          }
        : {}),
      ...common,
      host_name: hostName,
      host_name_ever_seen: true,
      last_seen_at: new Date(exact.last_seen_at).toISOString(),
      tokens_24h_for_host: tokens24h,
    });
  });
}
