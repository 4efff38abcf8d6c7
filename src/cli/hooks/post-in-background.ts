import { spawn } from 'node:child_process';
import { taktInvocation } from '../takt-invocation.ts';

/**
 * Hands one POST to a detached `takt hooks post` and returns at once: the hook and the
 * status line never wait for the network, and a server that is away costs them nothing.
 * The body goes in an argument (it holds no secret); the child finds the server and token
 * itself (install/server-access.ts).
 */
export function postInBackground(path: string, body: unknown, env: NodeJS.ProcessEnv = process.env): void {
  const [node, ...entry] = taktInvocation();
  const child = spawn(node as string, [...entry, 'hooks', 'post', path, JSON.stringify(body)], {
    detached: true,
    stdio: 'ignore',
    env,
  });
  child.on('error', () => {
    // nothing to do: the next hit or status line run tries again
  });
  child.unref();
}
