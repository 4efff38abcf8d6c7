import { type ServerAnswer, sendOrQueue } from '../lib/server-client.ts';

export { ServerAway } from '../lib/server-client.ts';

/**
 * `takt sync`'s uploads through the one server client: gzipped when large enough to gain
 * from it, a minute to answer. The answer on success; ServerAway when it should be retried
 * later (keep it queued); a TaktError with the server's code when retrying cannot help.
 */
export function postToServer<T>(
  server: string,
  path: string,
  body: unknown,
  token: string | undefined,
  options: { timeoutMs?: number } = {},
): Promise<ServerAnswer<T>> {
  return sendOrQueue<T>({
    server,
    path,
    method: 'POST',
    body,
    token,
    gzip: true,
    timeoutMs: options.timeoutMs ?? 60_000,
  });
}
