/**
 * The setup payload of /auth/register, /auth/token, /auth/setup-additional and the
 * device flow: every variable Claude Code needs, for each delivery method, so nobody
 * hand-writes one (seed 000: a partial set makes the exporter drop batches silently).
 */
export const MACHINE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Every telemetry key takt owns in settings.json's env block (replaced together, never merged). */
export const TELEMETRY_KEYS = [
  'CLAUDE_CODE_ENABLE_TELEMETRY',
  'OTEL_METRICS_EXPORTER',
  'OTEL_LOGS_EXPORTER',
  'OTEL_EXPORTER_OTLP_PROTOCOL',
  'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT',
  'OTEL_EXPORTER_OTLP_LOGS_ENDPOINT',
  'OTEL_EXPORTER_OTLP_HEADERS',
  'OTEL_RESOURCE_ATTRIBUTES',
] as const;

export type TelemetryEnv = Record<(typeof TELEMETRY_KEYS)[number], string>;

export interface SetupPayload {
  machine: string;
  server_url: string;
  variables: TelemetryEnv;
  required_variables: string[];
  methods: {
    powershell: { platforms: string[]; scope: string; command: string };
    bash: { platforms: string[]; scope: string; command: string; append_to: string[] };
    settings_json: { platforms: string[]; path: string; contents: { env: TelemetryEnv }; note: string };
  };
  next_steps: string[];
}

export function telemetryEnv(serverUrl: string, token: string, machine: string): TelemetryEnv {
  const base = serverUrl.replace(/\/+$/, '');
  return {
    CLAUDE_CODE_ENABLE_TELEMETRY: '1',
    OTEL_METRICS_EXPORTER: 'otlp',
    OTEL_LOGS_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `${base}/v1/metrics`,
    OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: `${base}/v1/logs`,
    OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Bearer ${token}`,
    OTEL_RESOURCE_ATTRIBUTES: `host.name=${machine}`,
  };
}

const psQuote = (s: string) => `'${s.replace(/'/g, "''")}'`;
const shQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export const BASH_BLOCK_START = '# >>> takt telemetry >>>';
export const BASH_BLOCK_END = '# <<< takt telemetry <<<';

export function bashBlock(env: TelemetryEnv): string {
  return [BASH_BLOCK_START, ...Object.entries(env).map(([k, v]) => `export ${k}=${shQuote(v)}`), BASH_BLOCK_END].join(
    '\n',
  );
}

export function buildSetupPayload(serverUrl: string, token: string, machine: string): SetupPayload {
  const env = telemetryEnv(serverUrl, token, machine);
  return {
    machine,
    server_url: serverUrl.replace(/\/+$/, ''),
    variables: env,
    required_variables: [...TELEMETRY_KEYS],
    methods: {
      powershell: {
        platforms: ['windows'],
        scope: 'user environment: the CLI and the desktop app both read it',
        command: Object.entries(env)
          .map(([k, v]) => `[Environment]::SetEnvironmentVariable(${psQuote(k)}, ${psQuote(v)}, 'User')`)
          .join('; '),
      },
      bash: {
        platforms: ['macos', 'linux'],
        scope: 'shell exports: the CLI only',
        command: bashBlock(env),
        append_to: ['~/.bashrc', '~/.zshrc'],
      },
      settings_json: {
        platforms: ['windows', 'macos', 'linux'],
        path: '~/.claude/settings.json',
        contents: { env },
        note: 'Replace the telemetry keys of the env block all at once (never a partial merge); the desktop app does not read this file.',
      },
    },
    next_steps: [
      'Apply ONE method with all of its variables.',
      'Quit and restart Claude Code: it reads these variables only at start.',
      `Run a short prompt, then check: takt validate (or POST ${serverUrl.replace(/\/+$/, '')}/validate {"host_name":"${machine}"}).`,
    ],
  };
}
