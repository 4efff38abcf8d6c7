import { describe, expect, it } from 'vitest';
import { FailureLimiter } from './rate-limit.ts';

const T = 1_000_000;
const outcome = (f: () => void) => {
  try {
    f();
    return 'ok';
  } catch (error) {
    return (error as { details?: { retryAfterSeconds?: number } }).details?.retryAfterSeconds ?? 'error';
  }
};

describe('FailureLimiter', () => {
  it('limits failures per address within the window, and only failures', () => {
    const l = new FailureLimiter(3, 60_000);
    for (let i = 0; i < 3; i++) l.fail('10.0.0.1', `u${i}@x`, T);
    expect([
      outcome(() => l.check('10.0.0.1', 'other@x', T + 1000)),
      outcome(() => l.check('10.0.0.2', 'u0@x', T)),
    ]).toEqual([59, 'ok']);
    expect(outcome(() => l.check('10.0.0.1', 'other@x', T + 60_000))).toBe('ok');
  });

  it('backs off an account only for the addresses that failed against it, doubling, until a success', () => {
    const l = new FailureLimiter(3, 1);
    for (let i = 0; i < 5; i++) l.fail(`10.0.1.${i % 2}`, 'owner@x', T);
    // 5 failures, limit 3: back-off 1 s × 2^(5-3) = 4 s for 10.0.1.0 and 10.0.1.1.
    expect([
      outcome(() => l.check('10.0.1.0', 'owner@x', T + 1000)),
      outcome(() => l.check('10.0.1.1', 'owner@x', T + 3999)),
      outcome(() => l.check('10.0.1.1', 'owner@x', T + 4000)),
      outcome(() => l.check('192.168.7.7', 'owner@x', T + 1000)),
    ]).toEqual([3, 1, 'ok', 'ok']);
    l.succeed('owner@x');
    expect(outcome(() => l.check('10.0.1.0', 'owner@x', T + 1000))).toBe('ok');
  });
});
