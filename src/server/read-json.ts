import type { Context } from 'hono';
import type { z } from 'zod';
import { TaktError } from '../lib/errors.ts';
import { API_BODY_LIMIT, API_HINT, mediaTypeOf, readRequestBody } from './read-body.ts';

/**
 * The request's JSON body, checked against `schema`; a 400 that names each problem otherwise.
 * Only application/json is read (415 otherwise): a browser sends that type cross-site only
 * after a CORS preflight, which takt never grants, so a form on another site cannot post here.
 * An empty body without a Content-Type (curl -X POST) is {}.
 */
export async function readJson<T extends z.ZodType>(
  c: Context,
  schema: T,
  options: { limit?: number } = {},
): Promise<z.infer<T>> {
  const type = mediaTypeOf(c);
  const length = c.req.header('content-length');
  const mayHaveBody = c.req.header('transfer-encoding') !== undefined || (length !== undefined && length !== '0');
  if (type !== 'application/json' && (type !== '' || mayHaveBody)) {
    throw new TaktError(
      'unsupported_media_type',
      `Content-Type ${type || '(none)'} is not accepted: send the body as JSON with Content-Type: application/json`,
    );
  }
  const text = (await readRequestBody(c, options.limit ?? API_BODY_LIMIT, API_HINT)).toString('utf8');
  let body: unknown;
  try {
    body = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    throw new TaktError('bad_request', 'the body is not valid JSON: send a JSON object (docs/api.md)');
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
