/** JSON over HTTP to a takt server, for CLI commands. Errors carry the server's message. */
export async function postJson<T>(
  server: string,
  path: string,
  body: unknown,
  token?: string,
): Promise<{ status: number; body: T }> {
  let r: Response;
  try {
    r = await fetch(`${server.replace(/\/+$/, '')}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (error) {
    throw new Error(
      `cannot reach ${server} (${(error as Error).message}): check the URL and that takt serve is running`,
    );
  }
  const text = await r.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${server}${path} answered ${r.status} with something that is not JSON: is this a takt server?`);
  }
  return { status: r.status, body: parsed as T };
}

export function errorMessage(body: unknown): string {
  const e = (body as { error?: { message?: string } }).error;
  return e?.message ?? JSON.stringify(body);
}
