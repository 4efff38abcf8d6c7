import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClient } from './support/http-client.ts';
import { startTakt, type TestTakt } from './support/takt-server.ts';
import { dialects, type TestDatabase } from './support/test-databases.ts';

/**
 * Device-flow phishing (RFC 8628 §5.4, issue 22.4): anyone can start a flow and send a signed-in
 * person the `verification_uri_complete` link. The page must say which machine asks, from where
 * and since when, warn, and make the person type the code before an approval counts.
 */
describe.each(dialects)('device approval through a link on $name', ({ create }) => {
  let takt: TestTakt;
  let database: TestDatabase;
  let browser: TestClient;
  const anonymous = () => new TestClient(takt.directUrl);

  beforeAll(async () => {
    database = await create();
    takt = await startTakt(database.dialect === 'postgres' ? { databaseUrl: database.url } : {});
    const me = new TestClient(takt.directUrl, takt.token);
    await me.call('POST', '/auth/password/set', { password: 'correct horse battery' });
    browser = new TestClient(takt.directUrl);
    const login = await browser.call('POST', '/auth/login', {
      email: 'dev@example.com',
      password: 'correct horse battery',
    });
    browser.csrf = login.body.csrf_token;
  });
  afterAll(async () => {
    await takt.stop();
    await database.drop();
  });

  async function openLink(link: string) {
    const u = new URL(link);
    const r = await fetch(`${takt.directUrl}${u.pathname}${u.search}`, { headers: { cookie: browser.cookie } });
    return r.text();
  }

  async function submit(fields: Record<string, string>) {
    const r = await fetch(`${takt.directUrl}/auth/device/verify`, {
      method: 'POST',
      headers: { cookie: browser.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf_token: browser.csrf, ...fields }),
    });
    return { status: r.status, html: await r.text() };
  }

  it('shows the machine, its address and its age with a warning, and does not pre-fill the code', async () => {
    const start = await anonymous().call('POST', '/auth/device/start', { machine: 'attacker-box' });
    const html = await openLink(start.body.verification_uri_complete);
    expect(html).toContain('<dd data-testid="device-machine">attacker-box</dd>');
    expect(html).toContain('<dd data-testid="device-address">127.0.0.1</dd>');
    expect(html).toContain('<dd data-testid="device-age">less than a minute ago</dd>');
    expect(html).toContain('Approve only a machine you are setting up right now.');
    expect(html).toContain(`<input type="hidden" name="link_code" value="${start.body.user_code}">`);
    expect(html).toContain('<input name="user_code" value="" autocomplete="off" required autofocus');
    // The warning and the request's details come before any Approve button.
    expect(html.indexOf('attacker-box')).toBeLessThan(html.indexOf('value="approve"'));
  });

  it('refuses an approval of a linked code that the person did not type, and approves when they do', async () => {
    const start = await anonymous().call('POST', '/auth/device/start', { machine: 'link-box' });
    const code = start.body.user_code as string;
    const untyped = await submit({ link_code: code, user_code: '', decision: 'approve' });
    const wrong = await submit({ link_code: code, user_code: 'ABCD', decision: 'approve' });
    const poll = await anonymous().call('POST', '/auth/device/redeem', { resume_code: start.body.resume_code });
    expect([untyped.status, wrong.status, poll.body.status]).toEqual([400, 400, 'pending']);
    expect(untyped.html).toContain(
      'type the code your terminal shows (or its last 4 characters) to approve a machine that came through a link',
    );
    expect(wrong.html).toContain('<dd data-testid="device-machine">link-box</dd>');

    const typed = await submit({ link_code: code, user_code: code.slice(-4).toLowerCase(), decision: 'approve' });
    const redeemed = await anonymous().call('POST', '/auth/device/redeem', { resume_code: start.body.resume_code });
    expect([typed.status, redeemed.body.status, redeemed.body.machine]).toEqual([200, 'approved', 'link-box']);
    expect(typed.html).toContain('Approved: link-box will receive its token within a few seconds.');
  });

  it('denies a linked code without typing it', async () => {
    const start = await anonymous().call('POST', '/auth/device/start', { machine: 'deny-box' });
    const denied = await submit({ link_code: start.body.user_code, user_code: '', decision: 'deny' });
    const poll = await anonymous().call('POST', '/auth/device/redeem', { resume_code: start.body.resume_code });
    expect([denied.status, poll.body.status]).toEqual([200, 'denied']);
  });

  it('still approves a code typed on the plain page in one step', async () => {
    const start = await anonymous().call('POST', '/auth/device/start', { machine: 'typed-box' });
    const typed = await submit({ user_code: start.body.user_code, decision: 'approve' });
    expect([typed.status, typed.html.includes('Approved: typed-box')]).toEqual([200, true]);
  });
});
