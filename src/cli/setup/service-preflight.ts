import { execFileSync } from 'node:child_process';
import { userInfo } from 'node:os';
import type { ServicePlatform } from '../../install/service-files.ts';
import { TaktError } from '../../lib/errors.ts';

const serveYourself = 'or run `takt serve` under your own supervisor';

/**
 * Checks that a service of this user can be installed at all, before anything is written
 * (issue 19.2): a reachable systemd user session on Linux, a launchd GUI domain on macOS.
 * Throws `unavailable` (exit 3) naming what failed and what to run instead. Returns a
 * warning when it can install but the service would not outlive the login (linger off).
 */
export function checkServiceManager(
  platform: ServicePlatform,
  env: NodeJS.ProcessEnv = process.env,
  /** The way on without a service; `takt setup --local --service` names its own. */
  instead: string = serveYourself,
): string | null {
  if (platform === 'linux') {
    const session = attempt('systemctl', ['--user', 'show-environment'], env);
    if (session.failed !== null) {
      throw new TaktError(
        'unavailable',
        `no systemd user session is reachable (systemctl --user show-environment: ${session.failed}); nothing was written. ` +
          `Run \`loginctl enable-linger $USER\`, log in again and retry, ${instead}`,
      );
    }
    const user = env.USER ?? env.LOGNAME ?? safeUserName();
    const linger = user ? attempt('loginctl', ['show-user', user, '--property=Linger', '--value'], env) : null;
    if (linger?.failed === null && linger.out.trim() === 'no') {
      return `linger is off for ${user}: the service stops when you log out; to keep it running: loginctl enable-linger ${user}`;
    }
    return null;
  }
  const domain = `gui/${process.getuid?.() ?? 501}`;
  const launchd = attempt('launchctl', ['print', domain], env);
  if (launchd.failed !== null) {
    throw new TaktError(
      'unavailable',
      `no launchd session for your user is reachable (launchctl print ${domain}: ${launchd.failed}); nothing was written. ` +
        `Log in on the Mac's screen and retry, ${instead}`,
    );
  }
  return null;
}

function attempt(command: string, args: string[], env: NodeJS.ProcessEnv): { out: string; failed: string | null } {
  try {
    const out = execFileSync(command, args, { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] });
    return { out, failed: null };
  } catch (error) {
    const e = error as { code?: string; stderr?: string; message: string };
    if (e.code === 'ENOENT') return { out: '', failed: `${command} is not installed` };
    const said = (e.stderr ?? '').trim().split('\n')[0];
    return { out: '', failed: said || e.message.split('\n')[0] || 'failed' };
  }
}

function safeUserName(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}
