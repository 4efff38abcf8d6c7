import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { Hono } from 'hono';
import { afterAll, describe, expect, it } from 'vitest';
import { DASHBOARD_CSP, registerDashboard } from './serve-dashboard.ts';

const dir = mkdtempSync(join(tmpdir(), 'takt-web-dist-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const INDEX = '<!doctype html><title>takt</title><script type="module" src="/assets/app-1a2b.js"></script>';
const JS = 'console.log("dashboard")';
mkdirSync(join(dir, 'assets'));
writeFileSync(join(dir, 'index.html'), INDEX);
writeFileSync(join(dir, 'assets', 'app-1a2b.js'), JS);
writeFileSync(join(dir, 'assets', 'app-1a2b.js.gz'), gzipSync(JS));
writeFileSync(join(dir, 'assets', 'app-1a2b.js.br'), brotliCompressSync(JS));

function app(from: string): Hono {
  const a = new Hono();
  a.get('/api/usage', (c) => c.json({ ok: true }));
  registerDashboard(a, from);
  a.notFound((c) => c.json({ error: { code: 'not_found' } }, 404));
  return a;
}
const served = app(dir);
const get = async (path: string, headers: Record<string, string> = {}) => {
  const r = await served.request(path, { headers });
  return {
    status: r.status,
    type: r.headers.get('content-type'),
    cache: r.headers.get('cache-control'),
    encoding: r.headers.get('content-encoding'),
    body: await r.text(),
  };
};

describe('the dashboard files', () => {
  it('serves index.html at / and at client routes, not cached, with the strict CSP', async () => {
    const r = await served.request('/');
    expect([
      r.status,
      r.headers.get('cache-control'),
      r.headers.get('content-security-policy'),
      await r.text(),
    ]).toEqual([200, 'no-cache', DASHBOARD_CSP, INDEX]);
    expect(DASHBOARD_CSP).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; object-src 'none'; base-uri 'none'; form-action 'self'",
    );
    expect(await get('/sessions')).toEqual({
      status: 200,
      type: 'text/html; charset=utf-8',
      cache: 'no-cache',
      encoding: null,
      body: INDEX,
    });
  });

  it('serves hashed assets as immutable, brotli or gzip as the client accepts', async () => {
    const immutable = 'public, max-age=31536000, immutable';
    const type = 'text/javascript; charset=utf-8';
    const br = await served.request('/assets/app-1a2b.js', { headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect([br.headers.get('content-encoding'), br.headers.get('cache-control'), br.headers.get('vary')]).toEqual([
      'br',
      immutable,
      'Accept-Encoding',
    ]);
    const gz = await served.request('/assets/app-1a2b.js', { headers: { 'accept-encoding': 'gzip' } });
    expect([gz.headers.get('content-encoding'), Buffer.from(await gz.arrayBuffer()).equals(gzipSync(JS))]).toEqual([
      'gzip',
      true,
    ]);
    expect(await get('/assets/app-1a2b.js')).toEqual({ status: 200, type, cache: immutable, encoding: null, body: JS });
  });

  it('leaves the API, auth, OTLP and missing assets to their JSON 404', async () => {
    for (const path of ['/api/nope', '/auth/nope', '/v1/metrics', '/assets/app-old.js', '/favicon.ico']) {
      expect(await get(path)).toEqual({
        status: 404,
        type: 'application/json',
        cache: null,
        encoding: null,
        body: '{"error":{"code":"not_found"}}',
      });
    }
    expect((await get('/api/usage')).body).toBe('{"ok":true}');
  });

  it('says how to build the dashboard when it is not built', async () => {
    const r = await app(join(dir, 'missing')).request('/');
    expect([r.status, await r.text()]).toEqual([
      503,
      'the dashboard is not built: run `npm run build` (it writes dist/web/)',
    ]);
  });
});
