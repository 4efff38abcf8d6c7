import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { newWebhookSecret, signedHeaders } from './signing.ts';

/** The verified payload, or why the verifier refused it. */
function verifyOrReason(body: string, secret: string, headers: Record<string, string>): unknown {
  try {
    return new Webhook(secret).verify(body, headers);
  } catch (e) {
    return (e as Error).message;
  }
}

/** Checked with the `standardwebhooks` package: a verifier nobody here wrote. */
describe('Standard Webhooks signing', () => {
  it('signs so that the reference verifier accepts it, and rejects a changed body or another secret', () => {
    const secret = newWebhookSecret();
    const body = JSON.stringify({
      type: 'limit_hit',
      timestamp: '2026-12-01T10:00:00.000Z',
      data: { window: 'five_hour' },
    });
    const headers = signedHeaders(secret, 'msg_1', body, Date.now());
    const verify = (b: string, s: string) => verifyOrReason(b, s, headers);
    expect([
      secret.startsWith('whsec_'),
      Buffer.from(secret.slice(6), 'base64').length,
      headers['webhook-signature'].startsWith('v1,'),
      verify(body, secret),
      verify(body.replace('five_hour', 'seven_day'), secret),
      verify(body, newWebhookSecret()),
    ]).toEqual([true, 24, true, JSON.parse(body), 'No matching signature found', 'No matching signature found']);
  });
});
