import { describe, expect, it } from 'vitest';
import { emailAddress, isEmailAddress } from './email.ts';

describe('the one email rule', () => {
  it('accepts what the browser accepts, local names without a dot included', () => {
    expect(
      ['you@localhost', 'root@localhost', 'me@example.com', 'a.b+c@sub.example.co', ' Me@Example.com '].map(
        isEmailAddress,
      ),
    ).toEqual([true, true, true, true, true]);
  });

  it('refuses what is not an address', () => {
    expect(['', 'you', '@localhost', 'you@', 'you@@localhost', 'a b@localhost', 'you@-x'].map(isEmailAddress)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it('trims and says what to send', () => {
    expect(emailAddress.parse('  you@localhost ')).toBe('you@localhost');
    expect(emailAddress.safeParse('you').error?.issues[0]?.message).toBe(
      'email must be an email address such as you@example.com or you@localhost',
    );
  });
});
