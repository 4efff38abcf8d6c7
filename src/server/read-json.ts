import type { Context } from 'hono';
import type { z } from 'zod';
import { TaktError } from '../lib/errors.ts';

/** The request's JSON body, checked against `schema`; a 400 that names each problem otherwise. */
export async function readJson<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> {
  let body: unknown;
  try {
    const text = await c.req.text();
    body = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    throw new TaktError('bad_request', 'the body must be JSON (Content-Type: application/json)');
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new TaktError(
      'bad_request',
      parsed.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; '),
    );
  }
  return parsed.data;
}
