import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { TaktError } from '../../../lib/errors.ts';
import { findDelivery, listAttempts, listDeliveries, listWebhookEndpoints } from '../../../store/webhooks.ts';
import { createEndpoint } from '../../../webhooks/actions/create-endpoint.ts';
import { deleteEndpoint } from '../../../webhooks/actions/delete-endpoint.ts';
import { endpointView } from '../../../webhooks/actions/endpoint-view.ts';
import { replayDelivery } from '../../../webhooks/actions/replay-delivery.ts';
import { rotateSecret } from '../../../webhooks/actions/rotate-secret.ts';
import { sendTestEvent } from '../../../webhooks/actions/send-test.ts';
import { updateEndpoint } from '../../../webhooks/actions/update-endpoint.ts';
import { endpointOf, type WebhookActor } from '../../../webhooks/actions/webhook-actor.ts';
import { webhookEventTypes, webhookFormats } from '../../../webhooks/event-types.ts';
import type { WebhookService } from '../../../webhooks/webhook-service.ts';
import type { AppContext } from '../../app-context.ts';
import { addressOf, requireCaller } from '../../authenticate.ts';
import { readJson } from '../../read-json.ts';

const endpointBody = z
  .object({
    url: z.string().min(1).max(2000, 'url must be at most 2000 characters'),
    events: z
      .array(z.enum(webhookEventTypes, { error: `events are names among ${webhookEventTypes.join(', ')}` }))
      .min(1, 'events must name at least one event'),
    account_uuids: z.array(z.string().min(1).max(200)).max(100).nullable(),
    thresholds: z
      .array(
        z.number().min(1, 'a threshold is a percentage, 1 to 100').max(100, 'a threshold is a percentage, 1 to 100'),
      )
      .min(1, 'thresholds must hold at least one percentage (the default is [80, 95])')
      .max(10),
    format: z.enum(webhookFormats, { error: `format must be one of ${webhookFormats.join(', ')}` }),
    description: z.string().max(500).nullable(),
    enabled: z.boolean(),
  })
  .partial()
  .strict();

const createBody = endpointBody.required({ url: true, events: true });

const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());

function attemptView(a: Awaited<ReturnType<typeof listAttempts>>[number]) {
  return {
    attempt: Number(a.attempt),
    at: iso(a.started_at),
    status_code: a.status_code === null ? null : Number(a.status_code),
    latency_ms: Number(a.latency_ms),
    outcome: a.outcome,
    error: a.error,
    response_excerpt: a.response_excerpt,
  };
}

/**
 * The webhook endpoints (docs/api.md, "Webhooks"): members manage their own endpoints (for their
 * own accounts), admins every endpoint; every change is audited by the action it calls.
 */
export function registerWebhookRoutes(app: Hono, ctx: AppContext, webhooks: WebhookService): void {
  const actorOf = async (c: Context, write: boolean): Promise<WebhookActor> => {
    const caller = await requireCaller(c, ctx, { write });
    return { userId: caller.user.id, address: addressOf(c, ctx), admin: caller.user.role === 'admin' };
  };

  /** GET /api/webhooks: the caller's endpoints (an admin's: everyone's). */
  app.get('/api/webhooks', async (c) => {
    const actor = await actorOf(c, false);
    const rows = await listWebhookEndpoints(ctx.store.db, actor.admin ? undefined : actor.userId);
    return c.json({ webhooks: rows.map(endpointView) });
  });

  /** POST /api/webhooks: a new endpoint; the answer carries its signing secret, this once. */
  app.post('/api/webhooks', async (c) => {
    const actor = await actorOf(c, true);
    const body = await readJson(c, createBody);
    return c.json(await createEndpoint(ctx.store, webhooks.guard, actor, body), 201);
  });

  app.get('/api/webhooks/:id', async (c) => {
    const actor = await actorOf(c, false);
    return c.json(endpointView(await endpointOf(ctx.store.db, actor, c.req.param('id'))));
  });

  app.patch('/api/webhooks/:id', async (c) => {
    const actor = await actorOf(c, true);
    const body = await readJson(c, endpointBody);
    return c.json(await updateEndpoint(ctx.store, webhooks.guard, actor, c.req.param('id'), body));
  });

  app.delete('/api/webhooks/:id', async (c) => {
    const actor = await actorOf(c, true);
    await deleteEndpoint(ctx.store, actor, c.req.param('id'));
    return c.json({ id: c.req.param('id'), deleted: true });
  });

  /** POST /api/webhooks/{id}/rotate-secret: a new secret, shown this once. */
  app.post('/api/webhooks/:id/rotate-secret', async (c) => {
    const actor = await actorOf(c, true);
    return c.json(await rotateSecret(ctx.store, actor, c.req.param('id')));
  });

  /**
   * POST /api/webhooks/{id}/test: a webhook_test event through the outbox, like any other;
   * the answer waits for its first attempt (up to 12 s; not at all for a disabled endpoint) and reports it.
   */
  app.post('/api/webhooks/:id/test', async (c) => {
    const actor = await actorOf(c, true);
    const sent = await sendTestEvent(ctx.store, actor, c.req.param('id'), webhooks.dashboardUrl);
    webhooks.worker.kick();
    const enabled = Number((await endpointOf(ctx.store.db, actor, c.req.param('id'))).enabled) === 1;
    // Under the CLI's 15 s: a slower answer (or a queue ahead of it) shows up in the delivery log.
    const deadline = Date.now() + (enabled ? Math.min(ctx.config.webhookTimeoutSeconds * 1000 + 1000, 12_000) : 0);
    let attempts = await listAttempts(ctx.store.db, sent.deliveryId);
    while (attempts.length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      attempts = await listAttempts(ctx.store.db, sent.deliveryId);
    }
    const delivery = await findDelivery(ctx.store.db, sent.deliveryId);
    return c.json({
      event_id: sent.eventId,
      delivery_id: sent.deliveryId,
      status: delivery?.status ?? 'pending',
      attempts: attempts.map(attemptView),
    });
  });

  /** GET /api/webhooks/{id}/deliveries: the delivery log, newest first, each with its attempts. */
  app.get('/api/webhooks/:id/deliveries', async (c) => {
    const actor = await actorOf(c, false);
    const endpoint = await endpointOf(ctx.store.db, actor, c.req.param('id'));
    const limit = Number(c.req.query('limit') ?? 50);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
      throw new TaktError('bad_request', 'limit must be a whole number from 1 to 500');
    }
    const rows = await listDeliveries(ctx.store.db, endpoint.id, limit);
    return c.json({
      deliveries: rows.map(({ delivery: d, type, attempts }) => ({
        id: d.id,
        webhook_id: d.event_id,
        type,
        status: d.status,
        attempts: Number(d.attempts),
        next_attempt_at: d.status === 'pending' ? iso(d.next_attempt_at) : null,
        last_status: d.last_status === null ? null : Number(d.last_status),
        last_error: d.last_error,
        delivered_at: iso(d.delivered_at),
        created_at: iso(d.created_at),
        log: attempts.map(attemptView),
      })),
    });
  });

  /** POST /api/webhooks/{id}/deliveries/{delivery}/replay: send it again, same webhook-id. */
  app.post('/api/webhooks/:id/deliveries/:delivery/replay', async (c) => {
    const actor = await actorOf(c, true);
    await replayDelivery(ctx.store, actor, c.req.param('id'), c.req.param('delivery'));
    webhooks.worker.kick();
    return c.json({ id: c.req.param('delivery'), status: 'pending' }, 202);
  });
}
