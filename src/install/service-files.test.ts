import { describe, expect, it } from 'vitest';
import { type ServiceSpec, serviceFile, serviceFilePath } from './service-files.ts';

const spec: ServiceSpec = {
  name: 'serve',
  argv: ['/opt/node 20/bin/node', '/opt/takt/dist/takt.cjs', 'serve'],
  env: { TAKT_HOME: '/home/ana/.takt', PATH: '/opt/node 20/bin:/usr/bin:/bin', TAKT_HTTP_PORT: '4318' },
  home: '/home/ana',
  logDir: '/home/ana/.takt/logs',
};

describe('service files', () => {
  it('a systemd user unit with absolute, quoted paths and the environment', () => {
    expect(serviceFilePath('linux', 'serve', '/home/ana')).toBe('/home/ana/.config/systemd/user/takt-serve.service');
    expect(serviceFile('linux', spec)).toBe(`[Unit]
Description=takt server (Claude Code usage tracker)
After=network-online.target

[Service]
Type=simple
ExecStart="/opt/node 20/bin/node" "/opt/takt/dist/takt.cjs" "serve"
Environment="TAKT_HOME=/home/ana/.takt"
Environment="PATH=/opt/node 20/bin:/usr/bin:/bin"
Environment="TAKT_HTTP_PORT=4318"
Restart=on-failure
RestartSec=5

[Install]
WantedBy=default.target
`);
  });

  it('a launchd agent plist for sync, XML-escaped', () => {
    const sync: ServiceSpec = {
      ...spec,
      name: 'sync',
      argv: ['/usr/local/bin/node', '/Users/ana/takt & co/dist/takt.cjs', 'sync', '--watch'],
      env: { TAKT_HOME: '/Users/ana/.takt' },
      home: '/Users/ana',
      logDir: '/Users/ana/.takt/logs',
    };
    expect(serviceFilePath('macos', 'sync', '/Users/ana')).toBe('/Users/ana/Library/LaunchAgents/dev.takt.sync.plist');
    expect(serviceFile('macos', sync)).toBe(`<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>Label</key>
  <string>dev.takt.sync</string>
  <key>ProgramArguments</key>
  <array>
    <string>/usr/local/bin/node</string>
    <string>/Users/ana/takt &amp; co/dist/takt.cjs</string>
    <string>sync</string>
    <string>--watch</string>
  </array>
  <key>EnvironmentVariables</key>
  <dict>
    <key>TAKT_HOME</key>
    <string>/Users/ana/.takt</string>
  </dict>
  <key>RunAtLoad</key>
  <true/>
  <key>KeepAlive</key>
  <dict>
    <key>SuccessfulExit</key>
    <false/>
  </dict>
  <key>ThrottleInterval</key>
  <integer>5</integer>
  <key>StandardOutPath</key>
  <string>/Users/ana/.takt/logs/sync.log</string>
  <key>StandardErrorPath</key>
  <string>/Users/ana/.takt/logs/sync.log</string>
</dict>
</plist>
`);
  });
});
