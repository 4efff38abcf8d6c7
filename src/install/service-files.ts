import { join } from 'node:path';

/**
 * The files that run takt as a per-user service: a systemd user unit on Linux, a launchd
 * agent on macOS. Pure text from absolute paths (no PATH lookups at run time: a service
 * starts with almost no environment), so `takt service install --print` shows exactly
 * what would be written.
 */
export type ServiceName = 'serve' | 'sync';
export type ServicePlatform = 'linux' | 'macos';

export interface ServiceSpec {
  name: ServiceName;
  /** Absolute Node and takt entry, then the command's own arguments. */
  argv: string[];
  env: Record<string, string>;
  home: string;
  /** Where launchd writes the output (systemd has the journal). */
  logDir: string;
}

export const serviceArgs: Record<ServiceName, string[]> = {
  serve: ['serve'],
  sync: ['sync', '--watch'],
};

export const serviceLabel = (name: ServiceName) => `dev.takt.${name}`;

export function serviceFilePath(platform: ServicePlatform, name: ServiceName, home: string): string {
  return platform === 'linux'
    ? join(home, '.config', 'systemd', 'user', `takt-${name}.service`)
    : join(home, 'Library', 'LaunchAgents', `${serviceLabel(name)}.plist`);
}

export function serviceFile(platform: ServicePlatform, spec: ServiceSpec): string {
  return platform === 'linux' ? systemdUnit(spec) : launchdPlist(spec);
}

const describe: Record<ServiceName, string> = {
  serve: 'takt server (Claude Code usage tracker)',
  sync: 'takt sync --watch (uploads Claude Code transcript usage)',
};

/** systemd quoting (systemd.syntax(7)): double quotes, with backslash, quote and % escaped. */
const systemdQuote = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%')}"`;

export function systemdUnit(spec: ServiceSpec): string {
  return [
    '[Unit]',
    `Description=${describe[spec.name]}`,
    'After=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${spec.argv.map(systemdQuote).join(' ')}`,
    ...Object.entries(spec.env).map(([k, v]) => `Environment=${systemdQuote(`${k}=${v}`)}`),
    // Restarts after a crash, with a pause, but not a tight loop on a setting that is wrong.
    'Restart=on-failure',
    'RestartSec=5',
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ].join('\n');
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function launchdPlist(spec: ServiceSpec): string {
  const string = (s: string) => `<string>${xml(s)}</string>`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    '<dict>',
    '  <key>Label</key>',
    `  ${string(serviceLabel(spec.name))}`,
    '  <key>ProgramArguments</key>',
    '  <array>',
    ...spec.argv.map((a) => `    ${string(a)}`),
    '  </array>',
    '  <key>EnvironmentVariables</key>',
    '  <dict>',
    ...Object.entries(spec.env).flatMap(([k, v]) => [`    <key>${xml(k)}</key>`, `    ${string(v)}`]),
    '  </dict>',
    '  <key>RunAtLoad</key>',
    '  <true/>',
    // Restarted when it exits with an error; a clean exit (takt stopped on purpose) stays stopped.
    '  <key>KeepAlive</key>',
    '  <dict>',
    '    <key>SuccessfulExit</key>',
    '    <false/>',
    '  </dict>',
    '  <key>ThrottleInterval</key>',
    '  <integer>5</integer>',
    '  <key>StandardOutPath</key>',
    `  ${string(join(spec.logDir, `${spec.name}.log`))}`,
    '  <key>StandardErrorPath</key>',
    `  ${string(join(spec.logDir, `${spec.name}.log`))}`,
    '</dict>',
    '</plist>',
    '',
  ].join('\n');
}
