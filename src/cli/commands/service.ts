import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { defaultHome } from '../../config/takt-home.ts';
import {
  type ServiceName,
  type ServicePlatform,
  type ServiceSpec,
  serviceArgs,
  serviceFile,
  serviceFilePath,
  serviceLabel,
} from '../../install/service-files.ts';
import { TaktError } from '../../lib/errors.ts';
import { UsageError } from '../command-errors.ts';
import { type CommandSpec, helpOf, parseCommand, subcommandOf } from '../command-spec.ts';
import { checkServiceManager } from '../setup/service-preflight.ts';
import { taktInvocation } from '../takt-invocation.ts';

const spec: CommandSpec = {
  name: 'service',
  usage: ['install [serve|sync] [--print] [options]', 'uninstall [serve|sync]', 'status [serve|sync]'],
  about: `Runs takt as a service of your user that starts at login and restarts after a crash:
a systemd user unit (Linux, ~/.config/systemd/user/takt-NAME.service, enabled with
systemctl --user) or a launchd agent (macOS, ~/Library/LaunchAgents/dev.takt.NAME.plist,
loaded with launchctl).
  serve   the takt server (default)
  sync    takt sync --watch: uploads this machine's transcript usage

The file names this Node and takt's entry by absolute path, and carries TAKT_HOME,
CLAUDE_CONFIG_DIR and every other TAKT_* variable set now (the file is mode 0600).
install checks first; without a systemd user session (or launchd session) it writes
nothing and exits 3: run loginctl enable-linger $USER and log in again, or run
takt serve under your own supervisor.`,
  shared: ['json', 'help'],
  flags: {
    print: { type: 'boolean', help: 'install: show the file that would be written; change nothing' },
    platform: { type: 'string', value: 'linux|macos', help: "which kind of file (default: this system's)" },
  },
};

export async function run(args: string[]): Promise<number> {
  const { sub, rest } = subcommandOf(spec, args, ['install', 'uninstall', 'status'] as const);
  const { values: parsed, positionals } = parseCommand(spec, rest, { positionals: true });
  const values = parsed as { print?: boolean; platform?: string; json?: boolean; help?: boolean };
  if (sub === 'help' || values.help) {
    process.stdout.write(helpOf(spec));
    return 0;
  }
  const action = sub;
  const [which = 'serve', extra] = positionals;
  if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}'`);
  if (which !== 'serve' && which !== 'sync') {
    throw new TaktError('bad_request', `the service is serve or sync (got ${which})`);
  }
  const platform = platformOf(values.platform);
  const home = process.env.HOME ?? homedir();
  const path = serviceFilePath(platform, which, home);
  const say = (line: string) => {
    if (!values.json) process.stdout.write(`${line}\n`);
  };
  switch (action) {
    case 'install': {
      const text = serviceFile(platform, serviceSpec(which, home));
      if (values.print) {
        if (values.json) process.stdout.write(`${JSON.stringify({ platform, path, contents: text })}\n`);
        else process.stdout.write(text);
        return 0;
      }
      installService(platform, which, home);
      say(`Wrote ${path} and started it. Check: takt service status ${which}`);
      if (values.json) process.stdout.write(`${JSON.stringify({ platform, path, installed: true })}\n`);
      return 0;
    }
    case 'uninstall': {
      const existed = existsSync(path);
      if (existed) {
        disable(platform, which, path);
        rmSync(path);
      }
      say(existed ? `Stopped and removed ${path}.` : `No takt ${which} service is installed (${path}).`);
      if (values.json) process.stdout.write(`${JSON.stringify({ platform, path, removed: existed })}\n`);
      return 0;
    }
    case 'status': {
      const installed = existsSync(path);
      const state = installed ? stateOf(platform, which) : 'not installed';
      if (values.json) process.stdout.write(`${JSON.stringify({ platform, path, installed, state })}\n`);
      else say(`takt ${which}: ${state}${installed ? ` (${path})` : ''}`);
      return installed ? 0 : 1;
    }
  }
}

/**
 * Checks the service manager first, then writes the service file and enables it (also for
 * `takt setup --local --service`). When enabling fails, a file this call made is removed again.
 */
export function installService(platform: ServicePlatform, name: ServiceName, home: string): string {
  const warning = checkServiceManager(platform);
  const path = serviceFilePath(platform, name, home);
  const existed = existsSync(path);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, serviceFile(platform, serviceSpec(name, home)), { mode: 0o600 });
  chmodSync(path, 0o600); // an existing file keeps its mode otherwise
  try {
    enable(platform, name, path);
  } catch (error) {
    if (!existed) rmSync(path, { force: true });
    throw error;
  }
  if (warning) process.stderr.write(`takt service: ${warning}\n`);
  return path;
}

export function platformOf(flag: string | undefined): ServicePlatform {
  if (flag === 'linux' || flag === 'macos') return flag;
  if (flag !== undefined) throw new TaktError('bad_request', `--platform is linux or macos (got ${flag})`);
  if (process.platform === 'linux') return 'linux';
  if (process.platform === 'darwin') return 'macos';
  throw new TaktError(
    'bad_request',
    `takt service knows systemd (Linux) and launchd (macOS), not ${process.platform}: run takt ${'serve'} from your own service manager`,
  );
}

/** What the service starts with: absolute paths, TAKT_HOME fixed now, the TAKT_* settings of this shell. */
export function serviceSpec(name: ServiceName, home: string, env: NodeJS.ProcessEnv = process.env): ServiceSpec {
  const node = process.execPath;
  const vars: Record<string, string> = {
    TAKT_HOME: defaultHome(env),
    PATH: [...new Set([dirname(node), '/usr/local/bin', '/usr/bin', '/bin'])].join(':'),
  };
  if (env.CLAUDE_CONFIG_DIR) vars.CLAUDE_CONFIG_DIR = env.CLAUDE_CONFIG_DIR;
  for (const [k, v] of Object.entries(env).sort(([a], [b]) => a.localeCompare(b))) {
    if (k.startsWith('TAKT_') && k !== 'TAKT_HOME' && k !== 'TAKT_DEBUG' && v !== undefined) vars[k] = v;
  }
  return {
    name,
    argv: [...taktInvocation(), ...serviceArgs[name]],
    env: vars,
    home,
    logDir: join(defaultHome(env), 'logs'),
  };
}

function sh(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new TaktError(
      'unavailable',
      `${command} ${args.join(' ')} failed: ${(e.stderr ?? e.message).trim()}; fix that and retry, or run \`takt serve\` under your own supervisor`,
    );
  }
}

function enable(platform: ServicePlatform, name: ServiceName, path: string): void {
  if (platform === 'linux') {
    sh('systemctl', ['--user', 'daemon-reload']);
    sh('systemctl', ['--user', 'enable', '--now', `takt-${name}.service`]);
  } else {
    mkdirSync(join(defaultHome(), 'logs'), { recursive: true, mode: 0o700 });
    const domain = `gui/${process.getuid?.() ?? 501}`;
    // A loaded agent must be taken out first, or bootstrap refuses the new file.
    try {
      execFileSync('launchctl', ['bootout', `${domain}/${serviceLabel(name)}`], { stdio: 'ignore' });
    } catch {
      // not loaded
    }
    sh('launchctl', ['bootstrap', domain, path]);
  }
}

function disable(platform: ServicePlatform, name: ServiceName, _path: string): void {
  if (platform === 'linux') {
    sh('systemctl', ['--user', 'disable', '--now', `takt-${name}.service`]);
    sh('systemctl', ['--user', 'daemon-reload']);
  } else {
    try {
      execFileSync('launchctl', ['bootout', `gui/${process.getuid?.() ?? 501}/${serviceLabel(name)}`], {
        stdio: 'ignore',
      });
    } catch {
      // not loaded
    }
  }
}

function stateOf(platform: ServicePlatform, name: ServiceName): string {
  try {
    if (platform === 'linux') {
      return execFileSync('systemctl', ['--user', 'is-active', `takt-${name}.service`], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
    }
    const out = execFileSync('launchctl', ['print', `gui/${process.getuid?.() ?? 501}/${serviceLabel(name)}`], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return /state = (\w+)/.exec(out)?.[1] ?? 'loaded';
  } catch (error) {
    // systemctl is-active exits non-zero for inactive/failed and prints the state.
    const out = (error as { stdout?: string }).stdout?.trim();
    return out || 'installed, not running';
  }
}
