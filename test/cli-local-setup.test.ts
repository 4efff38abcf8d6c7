import { execFile } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.ts';
import { startServer } from '../src/server/start-server.ts';

/**
 * `takt setup --local` (one person, one machine) and `takt service` through the built CLI,
 * with a scratch HOME and TAKT_HOME; systemctl is a fake on PATH that records its arguments
 * (the real systemd is never touched).
 */
const main = join(import.meta.dirname, '..', 'dist', 'main.js');
const bin = join(import.meta.dirname, '..', 'dist', 'takt.cjs');
const run = promisify(execFile);
const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

function scratchHome() {
  const home = mkdtempSync(join(tmpdir(), 'takt-local-'));
  scratch.push(home);
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, TAKT_HOME: join(home, 'takt') };
  return { home, env };
}

describe('takt setup --local', () => {
  it('makes the owner and a token, points Claude Code at the local server, installs hook and status line; again changes nothing', async () => {
    const { home, env } = scratchHome();
    const settingsPath = join(home, '.claude', 'settings.json');
    mkdirSync(join(home, '.claude'));
    writeFileSync(settingsPath, JSON.stringify({ model: 'opus' }));
    const first = JSON.parse(
      (
        await run(
          process.execPath,
          [main, 'setup', '--local', '--email', 'me@example.com', '--machine', 'my-box', '--json'],
          { env },
        )
      ).stdout,
    );
    expect(first).toMatchObject({
      server: 'http://127.0.0.1:4318',
      dashboard: 'http://localhost:4318/',
      email: 'me@example.com',
      created_user: true,
      token_reused: false,
      settings: settingsPath,
      hooks: { hook: 'added', status_line: 'added' },
      service: null,
    });
    // One backup for the run, of the file as it was before takt touched it (not a second one
    // of the telemetry settings takt itself wrote a moment before the hooks).
    const backups = readdirSync(join(home, '.claude')).filter((f) => f.includes('.takt-backup-'));
    expect([backups.length, readFileSync(join(home, '.claude', backups[0] as string), 'utf8'), first.backup]).toEqual([
      1,
      JSON.stringify({ model: 'opus' }),
      join(home, '.claude', backups[0] as string),
    ]);
    const settings = JSON.parse(readFileSync(settingsPath, 'utf8'));
    expect({
      model: settings.model,
      logs: settings.env.OTEL_EXPORTER_OTLP_LOGS_ENDPOINT,
      headers: settings.env.OTEL_EXPORTER_OTLP_HEADERS,
      host: settings.env.OTEL_RESOURCE_ATTRIBUTES,
      hook: settings.hooks.StopFailure[0].hooks[0].command,
      statusLine: settings.statusLine.command,
    }).toEqual({
      model: 'opus',
      logs: 'http://127.0.0.1:4318/v1/logs',
      headers: `Authorization=Bearer ${first.token}`,
      host: 'host.name=my-box',
      hook: `(${process.execPath} ${bin} hooks stop-failure <&3 &) 3<&0`,
      statusLine: `${process.execPath} ${bin} statusline`,
    });

    const again = JSON.parse(
      (await run(process.execPath, [main, 'setup', '--local', '--machine', 'my-box', '--json'], { env })).stdout,
    );
    expect(again).toMatchObject({
      email: 'me@example.com',
      created_user: false,
      token: first.token,
      token_reused: true,
      hooks: { hook: 'kept', status_line: 'kept' },
    });
    expect(JSON.parse(readFileSync(settingsPath, 'utf8')).hooks.StopFailure).toHaveLength(1);

    // The token works against takt serve on that store.
    const server = await startServer(
      loadConfig({ TAKT_HOME: env.TAKT_HOME, TAKT_HTTP_PORT: '0', TAKT_GRPC_PORT: '0', TAKT_LOG_LEVEL: 'silent' }),
    );
    const me = await fetch(`${server.httpUrl}/api/accounts`, { headers: { authorization: `Bearer ${first.token}` } });
    await server.close();
    expect(me.status).toBe(200);
  });
});

describe('takt setup --local, run again', () => {
  it('leaves unchanged settings alone (no new backup) and, with the server up, says it answers instead of "start it"', async () => {
    const { home, env } = scratchHome();
    const server = await startServer(
      loadConfig({ TAKT_HOME: env.TAKT_HOME, TAKT_HTTP_PORT: '0', TAKT_GRPC_PORT: '0', TAKT_LOG_LEVEL: 'silent' }),
    );
    const port = new URL(server.httpUrl).port;
    const withPort = { ...env, TAKT_HTTP_PORT: port };
    const setup = async (...extra: string[]) =>
      (await run(process.execPath, [main, 'setup', '--local', '--machine', 'my-box', ...extra], { env: withPort }))
        .stdout;
    await setup('--email', 'me@example.com');
    const backups = () => readdirSync(join(home, '.claude')).filter((f) => f.includes('.takt-backup-')).length;
    const before = backups();
    const again = (await setup()).split('\n');
    const after = backups();
    await server.close();
    expect([after - before, again[1], again[3]]).toEqual([
      0,
      `Claude Code's telemetry already goes to http://127.0.0.1:${port} (${join(home, '.claude', 'settings.json')} left unchanged).`,
      `takt serve already answers at http://127.0.0.1:${port}.`,
    ]);
  });
});

describe('takt setup --local: a way into the dashboard', () => {
  it('says the owner has no password, then takes one from stdin (--password-stdin), and the dashboard sign-in accepts it', async () => {
    const { env } = scratchHome();
    const bare = JSON.parse(
      (
        await run(
          process.execPath,
          [main, 'setup', '--local', '--email', 'me@example.com', '--machine', 'my-box', '--json'],
          { env },
        )
      ).stdout,
    );
    const piped = run(
      process.execPath,
      [main, 'setup', '--local', '--machine', 'my-box', '--json', '--password-stdin'],
      {
        env,
      },
    );
    piped.child.stdin?.end('a long local password\n');
    const withPassword = JSON.parse((await piped).stdout);
    expect([bare.has_password, withPassword.has_password]).toEqual([false, true]);

    const server = await startServer(
      loadConfig({ TAKT_HOME: env.TAKT_HOME, TAKT_HTTP_PORT: '0', TAKT_GRPC_PORT: '0', TAKT_LOG_LEVEL: 'silent' }),
    );
    const login = (password: string) =>
      fetch(`${server.httpUrl}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'me@example.com', password }),
      }).then((r) => r.status);
    const statuses = [await login('a long local password'), await login('wrong password!')];
    await server.close();
    expect(statuses).toEqual([200, 401]);
  });
});

describe('takt service', () => {
  it('--print shows the systemd unit and the launchd plist with absolute paths, and writes nothing', async () => {
    const { home, env } = scratchHome();
    const linux = await run(process.execPath, [main, 'service', 'install', 'serve', '--print', '--platform', 'linux'], {
      env: { ...env, TAKT_HTTP_PORT: '4999' },
    });
    expect(linux.stdout).toBe(`[Unit]
Description=takt server (Claude Code usage tracker)
After=network-online.target

[Service]
Type=simple
ExecStart="${process.execPath}" "${bin}" "serve"
Environment="TAKT_HOME=${home}/takt"
Environment="PATH=${[...new Set([join(process.execPath, '..'), '/usr/local/bin', '/usr/bin', '/bin'])].join(':')}"
Environment="TAKT_HTTP_PORT=4999"
Restart=on-failure
RestartSec=5

[Install]
WantedBy=default.target
`);
    const mac = await run(process.execPath, [main, 'service', 'install', 'sync', '--print', '--platform', 'macos'], {
      env,
    });
    expect(mac.stdout).toContain(`  <key>ProgramArguments</key>
  <array>
    <string>${process.execPath}</string>
    <string>${bin}</string>
    <string>sync</string>
    <string>--watch</string>
  </array>`);
    expect(mac.stdout).toContain(`    <key>TAKT_HOME</key>
    <string>${home}/takt</string>`);
    expect(mac.stdout).toContain(`<string>${home}/takt/logs/sync.log</string>`);
    expect(existsSync(join(home, '.config'))).toBe(false);
    expect(existsSync(join(home, 'Library'))).toBe(false);
  });

  it('install writes the unit (0600) and enables it with systemctl --user; uninstall disables and removes it', async () => {
    const { home, env } = scratchHome();
    const fake = join(home, 'fakebin');
    mkdirSync(fake);
    writeFileSync(
      join(fake, 'systemctl'),
      `#!/bin/sh\necho "$@" >> ${home}/systemctl.log\n[ "$2" = is-active ] && echo active\nexit 0\n`,
    );
    chmodSync(join(fake, 'systemctl'), 0o755);
    const withFake = { ...env, PATH: `${fake}:${env.PATH}` };
    await run(process.execPath, [main, 'service', 'install', 'serve', '--platform', 'linux'], { env: withFake });
    const unit = join(home, '.config', 'systemd', 'user', 'takt-serve.service');
    const status = await run(process.execPath, [main, 'service', 'status', '--platform', 'linux', '--json'], {
      env: withFake,
    });
    expect(JSON.parse(status.stdout)).toEqual({ platform: 'linux', path: unit, installed: true, state: 'active' });
    expect(statSync(unit).mode & 0o777).toBe(0o600);
    await run(process.execPath, [main, 'service', 'uninstall', 'serve', '--platform', 'linux'], { env: withFake });
    expect(existsSync(unit)).toBe(false);
    expect(readFileSync(join(home, 'systemctl.log'), 'utf8')).toBe(
      [
        '--user show-environment',
        '--user daemon-reload',
        '--user enable --now takt-serve.service',
        '--user is-active takt-serve.service',
        '--user disable --now takt-serve.service',
        '--user daemon-reload',
        '',
      ].join('\n'),
    );
  });

  it('without a systemd user session install writes nothing, says why and what to run instead, exit 3', async () => {
    const { home, env } = scratchHome();
    const fake = join(home, 'fakebin');
    mkdirSync(fake);
    writeFileSync(
      join(fake, 'systemctl'),
      `#!/bin/sh\necho "$@" >> ${home}/systemctl.log\necho "Failed to connect to bus: No medium found" >&2\nexit 1\n`,
    );
    chmodSync(join(fake, 'systemctl'), 0o755);
    const withFake = { ...env, PATH: `${fake}:${env.PATH}` };
    const failed = await run(process.execPath, [main, 'service', 'install', 'serve', '--platform', 'linux'], {
      env: withFake,
    }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
    );
    expect(failed).toEqual({
      code: 3,
      stderr:
        'takt service: no systemd user session is reachable (systemctl --user show-environment: Failed to connect to bus: No medium found); nothing was written. ' +
        'Run `loginctl enable-linger $USER`, log in again and retry, or run `takt serve` under your own supervisor\n',
    });
    expect(existsSync(join(home, '.config'))).toBe(false);
    expect(readFileSync(join(home, 'systemctl.log'), 'utf8')).toBe('--user show-environment\n');
  });

  it('setup --local --service without a systemd user session writes no unit, no store and no settings, exit 3', async () => {
    const { home, env } = scratchHome();
    const fake = join(home, 'fakebin');
    mkdirSync(fake);
    writeFileSync(join(fake, 'systemctl'), '#!/bin/sh\necho "Failed to connect to bus" >&2\nexit 1\n');
    chmodSync(join(fake, 'systemctl'), 0o755);
    const withFake = { ...env, PATH: `${fake}:${env.PATH}` };
    const { code, stderr } = await run(
      process.execPath,
      [main, 'setup', '--local', '--service', '--machine', 'my-box'],
      {
        env: withFake,
      },
    ).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
    );
    // The way on without a service is this same command without --service, not only `takt serve`.
    expect(stderr).toBe(
      'takt setup: no systemd user session is reachable (systemctl --user show-environment: Failed to connect to bus); nothing was written. ' +
        'Run `loginctl enable-linger $USER`, log in again and retry, or set up without it — `takt setup --local` — and keep `takt serve` running under your own supervisor\n',
    );
    expect([
      code,
      existsSync(join(home, '.config')),
      existsSync(join(home, 'takt')),
      existsSync(join(home, '.claude')),
    ]).toEqual([3, false, false, false]);
  });

  it('with linger off it installs and warns that the service stops at logout', async () => {
    const { home, env } = scratchHome();
    const fake = join(home, 'fakebin');
    mkdirSync(fake);
    writeFileSync(join(fake, 'systemctl'), '#!/bin/sh\nexit 0\n');
    writeFileSync(join(fake, 'loginctl'), '#!/bin/sh\necho no\n');
    chmodSync(join(fake, 'systemctl'), 0o755);
    chmodSync(join(fake, 'loginctl'), 0o755);
    const r = await run(process.execPath, [main, 'service', 'install', 'serve', '--platform', 'linux'], {
      env: { ...env, USER: 'ada', PATH: `${fake}:${env.PATH}` },
    });
    expect(r.stderr).toBe(
      'takt service: linger is off for ada: the service stops when you log out; to keep it running: loginctl enable-linger ada\n',
    );
    expect(existsSync(join(home, '.config', 'systemd', 'user', 'takt-serve.service'))).toBe(true);
  });

  it('when enabling fails the unit it wrote is removed again, exit 3', async () => {
    const { home, env } = scratchHome();
    const fake = join(home, 'fakebin');
    mkdirSync(fake);
    writeFileSync(
      join(fake, 'systemctl'),
      '#!/bin/sh\n[ "$2" = enable ] && { echo "Unit failed" >&2; exit 1; }\nexit 0\n',
    );
    chmodSync(join(fake, 'systemctl'), 0o755);
    const code = await run(process.execPath, [main, 'service', 'install', 'serve', '--platform', 'linux'], {
      env: { ...env, PATH: `${fake}:${env.PATH}` },
    }).then(
      () => 0,
      (e: { code: number }) => e.code,
    );
    expect([code, existsSync(join(home, '.config', 'systemd', 'user', 'takt-serve.service'))]).toEqual([3, false]);
  });
});
