import { describe, expect, it } from 'vitest';
import { createLogger, isSecretKey } from './log.ts';

function capture(level: Parameters<typeof createLogger>[0]) {
  const out: string[] = [];
  const err: string[] = [];
  const log = createLogger(level, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { log, out, err };
}

const TOKEN = 'takt_AbCdEfGhIjKl_s3cr3tS3cr3tS3cr3tS3cr3tS3cr3tXy';
const PASSWORD = 'hunter2-but-longer';
const INVITE = 'Zq9xInviteCodeValue_123';
const SESSION = 'sessionIdValue_abcdefghijklmnop';
const SETUP = 'WXYZ-2345';

describe('createLogger', () => {
  it('prints level, message and key=value pairs, info to stdout and errors to stderr', () => {
    const { log, out, err } = capture('info');
    log.info('takt serve: listening', { port: 4318, host: '127.0.0.1', note: 'two words' });
    log.error('request failed', { path: '/auth/login' });
    expect(out).toEqual(['info  takt serve: listening port=4318 host=127.0.0.1 note="two words"\n']);
    expect(err).toEqual(['error request failed path=/auth/login\n']);
  });

  it('prints only events at or above its level', () => {
    const levels = (['silent', 'error', 'warn', 'info', 'debug'] as const).map((level) => {
      const { log, out, err } = capture(level);
      log.error('e');
      log.warn('w');
      log.info('i');
      log.debug('d');
      return [...err, ...out].map((l) => l.trim()).join(',');
    });
    expect(levels).toEqual([
      '',
      'error e',
      'error e,warn  w',
      'error e,warn  w,info  i',
      'error e,warn  w,info  i,debug d',
    ]);
  });

  it('prints an error with its stack on indented lines', () => {
    const { log, err } = capture('error');
    const e = new Error('boom');
    e.stack = 'Error: boom\n    at f (a.ts:1:1)';
    log.error('request failed', { error: e });
    expect(err).toEqual(['error request failed error=boom\n    Error: boom\n        at f (a.ts:1:1)\n']);
  });

  it('never prints bearer tokens, passwords, invite codes, session ids or setup codes', () => {
    const { log, out, err } = capture('debug');
    log.info('login', { email: 'a@example.com', password: PASSWORD, current_password: PASSWORD });
    log.info('register', { invite_code: INVITE, inviteCode: INVITE, sessionId: SESSION, user_code: SETUP });
    log.debug('headers', { authorization: `Bearer ${TOKEN}`, cookie: `takt_session=${SESSION}` });
    log.debug('body', { body: { password: PASSWORD, invite_code: INVITE, nested: { csrf_token: SESSION } } });
    log.warn(`export refused for Authorization=Bearer ${TOKEN}`);
    log.warn(`token ${TOKEN} is revoked`);
    log.error('bad request', {
      error: new Error(`{"email":"a@example.com","password":"${PASSWORD}","invite_code":"${INVITE}"}`),
      query: `user_code=${SETUP}&device_code=${SESSION}`,
      header: `Set-Cookie: takt_session=${SESSION}; HttpOnly`,
    });
    const text = [...out, ...err].join('');
    expect([TOKEN, PASSWORD, INVITE, SESSION, SETUP].filter((secret) => text.includes(secret))).toEqual([]);
    // What is not secret stays: the email, the token's public prefix, the message.
    expect(text).toContain('email=a@example.com');
    expect(text).toContain('token takt_AbCdEfGhIjKl_[redacted] is revoked');
    expect(text).toContain('password=[redacted]');
  });
});

describe('isSecretKey', () => {
  it('knows secret field names without hiding token counts', () => {
    const keys = ['password', 'csrf_token', 'sessionId', 'invite_code', 'setupCode', 'Authorization', 'apiKey'];
    const open = ['input_tokens', 'cache_read_tokens', 'email', 'path', 'status', 'code'];
    expect([keys.map(isSecretKey), open.map(isSecretKey)]).toEqual([
      [true, true, true, true, true, true, true],
      [false, false, false, false, false, false],
    ]);
  });
});
