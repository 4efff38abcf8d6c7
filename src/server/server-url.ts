import type { Context } from 'hono';

/** The URL machines should use to reach this server: TAKT_PUBLIC_URL, else the request's own origin. */
export function serverUrlOf(c: Context, publicUrl: string | undefined): string {
  return (publicUrl ?? new URL(c.req.url).origin).replace(/\/+$/, '');
}
