import type { MiddlewareHandler } from 'hono';

/**
 * One policy for every answer, the dashboard's included: no inline script or style anywhere
 * (pages load theirs from takt's own URLs), images only from takt or `data:` (the chart and
 * the favicon), no plugins, no <base> rewriting, and no framing: a framed verify page could be
 * click-jacked into approving a machine.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "frame-ancestors 'none'; object-src 'none'; base-uri 'none'; form-action 'self'";

/**
 * Security headers on every answer, HTML and JSON alike, including errors. Cache-Control
 * defaults to no-store: answers carry tokens, setup payloads and per-user usage that no
 * browser or proxy cache should keep; a route that serves something cacheable sets its own.
 */
export function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const h = c.res.headers;
    h.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    h.set('X-Content-Type-Options', 'nosniff');
    h.set('X-Frame-Options', 'DENY'); // frame-ancestors for browsers without CSP level 2
    // No URL of takt (a user_code in the query) leaks to another site through Referer.
    h.set('Referrer-Policy', 'no-referrer');
    if (!h.has('Cache-Control')) h.set('Cache-Control', 'no-store');
  };
}
