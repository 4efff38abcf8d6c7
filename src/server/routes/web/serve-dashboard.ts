import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context, Hono } from 'hono';
import { CONTENT_SECURITY_POLICY } from '../../security-headers.ts';

/**
 * The dashboard (web/, built by `npm run build` into dist/web/) served at `/`.
 *
 * - Hashed assets (/assets/*) are immutable for a year; index.html is `no-cache`, so a new
 *   build is picked up on the next load.
 * - Files are precompressed at build time (.br, .gz); the best one the client accepts is sent.
 * - A strict Content-Security-Policy: the build emits no inline script or style.
 * - Client routes (/, /login, /sessions, …) fall back to index.html; /api, /auth, /v1 and
 *   other JSON paths keep their JSON 404.
 */
/** The same policy as every other answer (security-headers.ts). */
export const DASHBOARD_CSP = CONTENT_SECURITY_POLICY;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
};

/** Paths that are never the SPA: their 404 stays JSON. */
const NOT_SPA = /^\/(api|auth|v1|otlp|healthz|metrics|stats|app)(\/|$)/;

interface StaticFile {
  body: Buffer;
  br?: Buffer;
  gzip?: Buffer;
  type: string;
  immutable: boolean;
}

/** Where the built dashboard is: beside the compiled server (dist/web), or TAKT_WEB_DIR. */
export function defaultDashboardDir(): string {
  // dist/server/routes/web/ or, under tsx, src/server/routes/web/: four levels up is the package.
  return join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..', '..', 'dist', 'web');
}

function loadFiles(dir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) {
        walk(full);
        continue;
      }
      if (name.endsWith('.br') || name.endsWith('.gz')) continue;
      const url = `/${relative(dir, full).split(sep).join('/')}`;
      files.set(url, {
        body: readFileSync(full),
        ...(existsSync(`${full}.br`) ? { br: readFileSync(`${full}.br`) } : {}),
        ...(existsSync(`${full}.gz`) ? { gzip: readFileSync(`${full}.gz`) } : {}),
        type: TYPES[extname(name)] ?? 'application/octet-stream',
        immutable: url.startsWith('/assets/'),
      });
    }
  };
  walk(dir);
  return files;
}

function send(c: Context, file: StaticFile, head: boolean): Response {
  const accept = c.req.header('accept-encoding') ?? '';
  const headers: Record<string, string> = {
    'content-type': file.type,
    'cache-control': file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    'content-security-policy': DASHBOARD_CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'same-origin',
    vary: 'Accept-Encoding',
  };
  let body = file.body;
  if (file.br && /\bbr\b/.test(accept)) {
    body = file.br;
    headers['content-encoding'] = 'br';
  } else if (file.gzip && /\bgzip\b/.test(accept)) {
    body = file.gzip;
    headers['content-encoding'] = 'gzip';
  }
  headers['content-length'] = String(body.length);
  return new Response(head ? null : new Uint8Array(body), { status: 200, headers });
}

/** Registers GET/HEAD for the dashboard's files and client routes. Without a build, `/` says how to make one. */
export function registerDashboard(app: Hono, dir = process.env.TAKT_WEB_DIR ?? defaultDashboardDir()): void {
  const files = existsSync(join(dir, 'index.html')) ? loadFiles(dir) : undefined;
  app.on(['GET', 'HEAD'], '*', async (c, next) => {
    const path = c.req.path;
    if (NOT_SPA.test(path)) return next();
    const head = c.req.method === 'HEAD';
    if (!files) {
      if (path !== '/') return next();
      return c.text('the dashboard is not built: run `npm run build` (it writes dist/web/)', 503);
    }
    const file = files.get(path);
    if (file) return send(c, file, head);
    // A missing asset is a 404 (not the page): a stale tab asking for an old hash must not get HTML.
    if (path.startsWith('/assets/') || extname(path) !== '') return next();
    const index = files.get('/index.html');
    return index ? send(c, index, head) : next();
  });
}
