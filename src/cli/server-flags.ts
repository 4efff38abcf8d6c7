import { readFileSync } from 'node:fs';
import { resolveServerAccess, type ServerAccess } from '../install/server-access.ts';
import { TaktError } from '../lib/errors.ts';
import { UsageError } from './command-errors.ts';
import type { FlagValues } from './command-spec.ts';
import { readFirstLineOfStdin } from './read-secret.ts';

/**
 * The token from --token, --token-file, --token-stdin (or `--token -`); undefined when none
 * was given. A file or standard input keeps the token out of `ps` and shell history.
 */
export async function tokenFromFlags(
  values: FlagValues,
  readStdin: () => Promise<string> = readFirstLineOfStdin,
): Promise<string | undefined> {
  const file = values['token-file'];
  const stdin = values['token-stdin'] === true || values.token === '-';
  const given = [typeof file === 'string', stdin, typeof values.token === 'string' && values.token !== '-'];
  if (given.filter(Boolean).length > 1)
    throw new UsageError('give the token one way: --token, --token-file or --token-stdin');
  if (typeof file === 'string') {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new TaktError(
        'bad_request',
        `--token-file ${file}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}: check the path`,
      );
    }
    const token = (text.split(/\r?\n/)[0] ?? '').trim();
    if (!token) throw new TaktError('bad_request', `--token-file ${file} is empty: put the token on its first line`);
    return token;
  }
  if (stdin) {
    const token = await readStdin();
    if (!token)
      throw new TaktError(
        'bad_request',
        'no token on standard input: pipe it in, e.g. takt … --token-stdin < token.txt',
      );
    return token;
  }
  return typeof values.token === 'string' ? values.token : undefined;
}

/** Server and token from the shared flags, through resolveServerAccess (the only way to find them). */
export async function serverAccessFrom(
  values: FlagValues,
  q: { env: NodeJS.ProcessEnv; home: string },
): Promise<ServerAccess | undefined> {
  const token = await tokenFromFlags(values);
  return resolveServerAccess({
    flags: { server: typeof values.server === 'string' ? values.server : undefined, token },
    env: q.env,
    home: q.home,
    ...(typeof values.settings === 'string' ? { settingsPath: values.settings } : {}),
  });
}
