import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { decideDevice } from '../../../auth/actions/decide-device-code.ts';
import { redeemDeviceCode } from '../../../auth/actions/redeem-device-code.ts';
import { startDevice } from '../../../auth/actions/start-device-flow.ts';
import {
  confirmedUserCode,
  DEVICE_CODE_TTL_SECONDS,
  findByDeviceCode,
  findByResumeCode,
  notePoll,
  pendingRequest,
} from '../../../auth/device-flow.ts';
import { TaktError } from '../../../lib/errors.ts';
import type { DeviceCodesTable } from '../../../store/schema.ts';
import type { AppContext } from '../../app-context.ts';
import { addressOf, findCaller, requireCaller } from '../../authenticate.ts';
import { readForm } from '../../read-body.ts';
import { readJson } from '../../read-json.ts';
import { serverUrlOf } from '../../server-url.ts';
import { machineField, setupFor } from '../fields.ts';
import { VERIFY_PAGE_CSS, VERIFY_PAGE_JS, verifyPage } from './verify-page.ts';

/** The device flow (RFC 8628) under /auth/device; each write calls one action in auth/actions/. */
export function registerDeviceRoutes(app: Hono, ctx: AppContext): void {
  const db = ctx.store.db;

  /** Gives the token to whoever polls or redeems first after approval; later calls learn it is spent. */
  async function deliver(c: Context, row: DeviceCodesTable) {
    const now = Date.now();
    if (row.status === 'pending' && row.expires_at <= now) return c.json({ status: 'expired', error: 'expired_token' });
    switch (row.status) {
      case 'pending':
        return c.json({ status: 'pending', error: 'authorization_pending', interval: row.interval_seconds });
      case 'denied':
        return c.json({ status: 'denied', error: 'access_denied' });
      case 'redeemed':
        throw new TaktError('conflict', 'this device code was already redeemed: start again (POST /auth/device/start)');
      case 'approved': {
        const token = await redeemDeviceCode(ctx.store, addressOf(c, ctx), row);
        return c.json({
          status: 'approved',
          token: token.token,
          token_id: token.id,
          machine: row.machine,
          setup: setupFor(c, ctx, token.token, row.machine),
        });
      }
      default:
        return row.status satisfies never;
    }
  }

  app.post('/auth/device/start', async (c) => {
    await ctx.limits.device.hit(`device-start:${addressOf(c, ctx)}`);
    const body = await readJson(c, z.object({ machine: machineField }));
    const codes = await startDevice(ctx.store, { userId: null, address: addressOf(c, ctx) }, { machine: body.machine });
    const base = serverUrlOf(c, ctx.config.publicUrl);
    const verificationUrl = `${base}/auth/device/verify`;
    return c.json(
      {
        device_code: codes.deviceCode,
        user_code: codes.userCode,
        resume_code: codes.resumeCode,
        verification_url: verificationUrl,
        verification_uri: verificationUrl,
        verification_uri_complete: `${verificationUrl}?user_code=${encodeURIComponent(codes.userCode)}`,
        expires_in: DEVICE_CODE_TTL_SECONDS,
        interval: 5,
      },
      201,
    );
  });

  app.post('/auth/device/poll', async (c) => {
    await ctx.limits.device.hit(`device-poll:${addressOf(c, ctx)}`);
    const body = await readJson(c, z.object({ device_code: z.string({ error: 'device_code is required' }).min(1) }));
    const row = await findByDeviceCode(db, body.device_code);
    if (!row) throw new TaktError('not_found', 'unknown device_code: start again with POST /auth/device/start');
    if (await notePoll(db, row)) {
      return c.json({ status: 'pending', error: 'slow_down', interval: row.interval_seconds + 5 });
    }
    return deliver(c, row);
  });

  app.post('/auth/device/redeem', async (c) => {
    await ctx.limits.device.hit(`device-redeem:${addressOf(c, ctx)}`);
    const body = await readJson(c, z.object({ resume_code: z.string({ error: 'resume_code is required' }).min(1) }));
    const row = await findByResumeCode(db, body.resume_code);
    if (!row) throw new TaktError('not_found', 'unknown resume_code: start again with POST /auth/device/start');
    return deliver(c, row);
  });

  app.get('/auth/device/verify.css', (c) =>
    c.body(VERIFY_PAGE_CSS, 200, { 'content-type': 'text/css; charset=utf-8' }),
  );
  app.get('/auth/device/verify.js', (c) =>
    c.body(VERIFY_PAGE_JS, 200, { 'content-type': 'text/javascript; charset=utf-8' }),
  );

  /** Reached by hand (type the code) or through verification_uri_complete (the code in the URL). */
  app.get('/auth/device/verify', async (c) => {
    const caller = await findCaller(c, ctx);
    const signedIn = caller?.via === 'session';
    const linkCode = c.req.query('user_code') ?? '';
    const linked = signedIn && linkCode ? await pendingRequest(db, linkCode) : undefined;
    return c.html(
      verifyPage({
        userCode: '',
        signedInAs: signedIn ? caller.user.email : undefined,
        csrf: caller?.csrf,
        linked,
        ...(signedIn && linkCode && !linked
          ? {
              error:
                'the code in this link is unknown, expired or already used: start again on the machine (takt setup)',
            }
          : {}),
      }),
    );
  });

  /** The verify page's form: approve or deny a user code (signed-in browser session, CSRF-checked). */
  app.post('/auth/device/verify', async (c) => {
    const form = await readForm(c);
    const field = (k: string) => form[k] ?? '';
    await ctx.limits.device.hit(`device-verify:${addressOf(c, ctx)}`);
    let caller: Awaited<ReturnType<typeof requireCaller>>;
    try {
      caller = await requireCaller(c, ctx, { write: true, csrfFromForm: field('csrf_token') });
    } catch (error) {
      return c.html(verifyPage({ userCode: field('user_code'), error: (error as Error).message }), 401);
    }
    const decision = field('decision') === 'deny' ? 'denied' : 'approved';
    const linkCode = field('link_code');
    try {
      const userCode = confirmedUserCode({ typed: field('user_code'), linkCode, decision });
      const row = await decideDevice(
        ctx.store,
        { userId: caller.user.id, address: addressOf(c, ctx) },
        { userCode, decision },
      );
      return c.html(
        verifyPage({
          userCode: '',
          signedInAs: caller.user.email,
          csrf: caller.csrf,
          done:
            decision === 'approved'
              ? `Approved: ${row.machine} will receive its token within a few seconds.`
              : `Denied: ${row.machine} gets no token.`,
        }),
      );
    } catch (error) {
      return c.html(
        verifyPage({
          userCode: field('user_code'),
          signedInAs: caller.user.email,
          csrf: caller.csrf,
          error: (error as Error).message,
          linked: linkCode ? await pendingRequest(db, linkCode) : undefined,
        }),
        400,
      );
    }
  });
}
