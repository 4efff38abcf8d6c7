import { hostname } from 'node:os';
import { defaultHome } from '../../config/takt-home.ts';
import { applyTelemetryEnv, defaultSettingsPath, readSettings } from '../../install/claude-settings.ts';
import { MACHINE_NAME, type SetupPayload } from '../../install/setup-payload.ts';
import { TaktError } from '../../lib/errors.ts';
import { postJson, serverError } from '../../lib/server-client.ts';
import { UsageError } from '../command-errors.ts';
import { type CommandSpec, helpOf, parseCommand, serverFlags } from '../command-spec.ts';
import { readFirstLineOfStdin, readHiddenLine } from '../read-secret.ts';
import { tokenFromFlags } from '../server-flags.ts';
import { localSetup, setLocalOwnerPassword } from '../setup/local-setup.ts';
import { appendSourcedBlock } from '../setup/shell-env-file.ts';

const spec: CommandSpec = {
  name: 'setup',
  usage: [
    '--server URL [--invite CODE --email E | --token-file PATH] [--machine NAME] [--method METHOD] [options]',
    '--local [--email E] [--machine NAME] [--service] [--password-stdin] [options]',
  ],
  about: `With --server: connects this machine's Claude Code to a takt server, then applies the
settings. How (pick one; the device flow is the default):
  --invite CODE --email E   register a new account with an invite code
  --token-file PATH         reuse a token from a machine that already works (or --token-stdin)
  (neither)                 device flow: approve this machine in a browser
It ends by naming the next step for the limit hook and the status line: takt hooks install.

With --local: one person on one machine, no team server. Makes the owner account and a token
in the local store (TAKT_HOME) if needed, points Claude Code's telemetry at
http://127.0.0.1:4318 (TAKT_HTTP_PORT), installs the limit hook and the status line (takt
hooks install), and with --service installs and starts takt serve as a service of your user.
While the owner has no password, it asks for one on the terminal (hidden; Enter skips), or
reads it from standard input with --password-stdin: the dashboard's sign-in.`,
  shared: ['json', ...serverFlags, 'help'],
  flags: {
    local: { type: 'boolean', help: 'one person on this machine: a local server, no team' },
    invite: { type: 'string', value: 'CODE', help: 'register with this invite code (with --email)' },
    email: {
      type: 'string',
      value: 'E',
      help: 'your email address (--invite: the one to register; --local: the owner)',
    },
    machine: {
      type: 'string',
      value: 'NAME',
      help: "this machine's name as the server shows it (default: its host name)",
    },
    method: {
      type: 'string',
      value: 'METHOD',
      help: "settings-json (default): write Claude Code's settings.json; bash: print the export block (with --append FILE, add it to FILE); powershell: print the command for the user environment; print: the whole setup as JSON",
    },
    append: {
      type: 'string',
      value: 'FILE',
      help: 'with --method bash: make FILE (e.g. ~/.bashrc) load the variables',
    },
    service: { type: 'boolean', help: 'with --local: run takt serve as a service of your user' },
    'password-stdin': {
      type: 'boolean',
      help: "with --local: read the owner's dashboard password from standard input",
    },
  },
};

interface Done {
  token: string;
  setup: SetupPayload;
}

export async function run(args: string[]): Promise<number> {
  const { values: parsed } = parseCommand(spec, args);
  const values = parsed as {
    server?: string;
    invite?: string;
    email?: string;
    machine?: string;
    method?: string;
    settings?: string;
    append?: string;
    json?: boolean;
    local?: boolean;
    service?: boolean;
    'password-stdin'?: boolean;
    help?: boolean;
  };
  if (values.help) {
    process.stdout.write(helpOf(spec));
    return 0;
  }
  if (values['password-stdin'] && (parsed['token-stdin'] || parsed.token === '-')) {
    throw new UsageError('standard input holds one secret: use --token-file for the token with --password-stdin');
  }
  if (values.local) return runLocal(values);
  const say = (line: string) => {
    if (!values.json) process.stdout.write(`${line}\n`);
  };
  if (!values.server) {
    process.stderr.write(
      'takt setup: say where usage goes: --server URL (a takt server, e.g. http://takt.lan:4318), or --local (one person, this machine, no server elsewhere); see `takt setup --help`\n',
    );
    return 2;
  }
  const method = values.method ?? 'settings-json';
  if (!['settings-json', 'bash', 'powershell', 'print'].includes(method)) {
    process.stderr.write(`takt setup: --method must be settings-json, bash, powershell or print (got ${method})\n`);
    return 2;
  }
  const machine = values.machine ?? hostname();
  if (!MACHINE_NAME.test(machine)) {
    process.stderr.write(
      `takt setup: '${machine}' is not a usable host name: pass --machine NAME (letters, digits, . _ -)\n`,
    );
    return 2;
  }
  const server = values.server.replace(/\/+$/, '');
  const settingsPath = values.settings ?? defaultSettingsPath();
  // Before the server is asked (an invite is spent by it): a settings.json takt cannot edit stops here.
  if (method === 'settings-json') readSettings(settingsPath);

  const token = await tokenFromFlags(parsed);
  let done: Done;
  if (values.invite) {
    if (!values.email) throw new TaktError('bad_request', '--invite needs --email: the address to register');
    const r = await postJson<Done>(server, '/auth/register', {
      email: values.email,
      invite_code: values.invite,
      machine,
    });
    if (r.status !== 201) throw serverError(r);
    done = r.body;
  } else if (token) {
    const r = await postJson<Done>(server, '/auth/setup-additional', { machine }, token);
    if (r.status !== 200) throw serverError(r);
    done = r.body;
  } else {
    done = await deviceFlow(server, machine, say);
  }

  const setup = done.setup;
  let applied: Record<string, unknown> = { method };
  try {
    switch (method) {
      case 'settings-json': {
        const path = settingsPath;
        const { backup, changed } = applyTelemetryEnv(path, setup.variables);
        applied = { method, path, backup: backup ?? null };
        say(
          changed
            ? `Wrote all ${Object.keys(setup.variables).length} telemetry variables to ${path}${backup ? ` (backup: ${backup})` : ''}.`
            : `${path} already holds all ${Object.keys(setup.variables).length} telemetry variables: left unchanged.`,
        );
        break;
      }
      case 'bash': {
        if (values.append) {
          const { envFile } = appendSourcedBlock(values.append, setup.methods.bash.command, defaultHome());
          applied = { method, path: values.append, env_file: envFile };
          say(
            `Wrote the variables to ${envFile} (mode 0600) and made ${values.append} source it. Open a new shell (or: source ${values.append}).`,
          );
        } else if (!values.json) {
          process.stdout.write(`${setup.methods.bash.command}\n`);
        }
        break;
      }
      case 'powershell':
        if (!values.json) process.stdout.write(`${setup.methods.powershell.command}\n`);
        break;
      case 'print':
        if (!values.json) process.stdout.write(`${JSON.stringify(setup, null, 2)}\n`);
        break;
    }
  } catch (error) {
    // The server has already issued the token (an invite is spent): never lose it.
    throw new TaktError(
      'bad_request',
      `the token was issued but writing failed (${(error as Error).message}); your token is ${done.token}: fix that, then run takt setup --server ${server} --token-stdin again and paste it there`,
    );
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ machine, server, token: done.token, applied, setup })}\n`);
  } else {
    // `takt setup --local` installs these itself; a team member's settings.json may carry hooks
    // of its own, so here the step is said rather than done (docs/decisions.md, "Slips of the first hour").
    say(
      `\nThe limit hook (reports a hit usage limit to ${server} at once) and takt's status line (cost and limits in Claude Code): takt hooks install`,
    );
    say(
      `Next: quit and restart Claude Code (it reads these settings only at start), send one prompt, then run: takt validate`,
    );
  }
  return 0;
}

async function runLocal(values: {
  email?: string | undefined;
  machine?: string | undefined;
  settings?: string | undefined;
  service?: boolean | undefined;
  json?: boolean | undefined;
  server?: string | undefined;
  'password-stdin'?: boolean | undefined;
}): Promise<number> {
  if (values.server) {
    process.stderr.write('takt setup: --local sets up this machine alone; leave out --server (or leave out --local)\n');
    return 2;
  }
  const r = await localSetup({
    email: values.email,
    machine: values.machine,
    settings: values.settings,
    service: values.service === true,
    env: process.env,
  });
  // The owner signs into the dashboard with a password: ask for one while there is none.
  if (!r.has_password) {
    const password = values['password-stdin']
      ? await readFirstLineOfStdin()
      : process.stdin.isTTY && !values.json
        ? await askNewPassword(r.email)
        : '';
    if (password) {
      await setLocalOwnerPassword({ env: process.env, email: r.email, password });
      r.has_password = true;
    }
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify(r)}\n`);
    return 0;
  }
  const lines = [
    ...(r.renamed_from ? [`Renamed the owner ${r.renamed_from} to ${r.email} (one person, one store).`] : []),
    `${r.created_user ? 'Created' : 'Using'} the owner account ${r.email}${r.token_reused ? ' and its token already in settings.json' : ' and a token for this machine'}.`,
    r.settings_changed
      ? `Claude Code's telemetry now goes to ${r.server} (${r.settings}${r.backup ? `, backup: ${r.backup}` : ''}).`
      : `Claude Code's telemetry already goes to ${r.server} (${r.settings} left unchanged).`,
    `StopFailure hook ${r.hooks.hook}; status line ${r.hooks.status_line === 'added' ? 'set to takt statusline' : 'kept as it was'}${!r.settings_changed && r.backup ? ` (backup: ${r.backup})` : ''}.`,
    r.service
      ? `takt serve runs as a service of your user (${r.service}).`
      : (await serverAnswers(r.server))
        ? `takt serve already answers at ${r.server}.`
        : 'Start the server: takt serve (or once for good: takt service install serve).',
    `Dashboard: ${r.dashboard}`,
    `Email to sign in with: ${r.email}`,
    r.has_password
      ? `Sign in there as ${r.email} with your password (you are its admin).`
      : `To sign in there, give ${r.email} a password: takt setup --local --password-stdin (reads it from stdin), or run takt setup --local again on a terminal.`,
    'Restart Claude Code (it reads its settings only at start), send one prompt, then: takt validate',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

/** Whether a takt server answers at `server` now (so the next step is not "start it"). */
async function serverAnswers(server: string): Promise<boolean> {
  try {
    const r = await fetch(`${server}/healthz`, { signal: AbortSignal.timeout(2000) });
    return r.ok && typeof ((await r.json()) as { status?: unknown }).status === 'string';
  } catch {
    return false;
  }
}

/** Hidden, twice; Enter on the first question skips (the owner can set one later). */
async function askNewPassword(email: string): Promise<string> {
  for (;;) {
    const first = await readHiddenLine(
      `Password for the dashboard (${email}; at least 10 characters, Enter to skip): `,
    );
    if (first === '') return '';
    if (first.length < 10) {
      process.stderr.write('At least 10 characters, please.\n');
      continue;
    }
    if ((await readHiddenLine('Again: ')) === first) return first;
    process.stderr.write('The two did not match; once more.\n');
  }
}

async function deviceFlow(server: string, machine: string, say: (line: string) => void): Promise<Done> {
  const start = await postJson<{
    device_code: string;
    user_code: string;
    verification_uri_complete: string;
    verification_url: string;
    interval: number;
    expires_in: number;
    error?: unknown;
  }>(server, '/auth/device/start', { machine });
  if (start.status !== 201) throw serverError(start);
  say(`To connect ${machine}, open ${start.body.verification_url}`);
  say(`sign in, and approve the code ${start.body.user_code}`);
  say(`(direct link: ${start.body.verification_uri_complete})`);
  let interval = start.body.interval;
  const deadline = Date.now() + start.body.expires_in * 1000;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, interval * 1000));
    const poll = await postJson<{ status: string; error?: string; interval?: number } & Partial<Done>>(
      server,
      '/auth/device/poll',
      { device_code: start.body.device_code },
    );
    if (poll.status !== 200) throw serverError(poll);
    if (poll.body.error === 'slow_down') interval = poll.body.interval ?? interval + 5;
    else if (poll.body.status === 'approved' && poll.body.token && poll.body.setup) {
      say('Approved.');
      return { token: poll.body.token, setup: poll.body.setup };
    } else if (poll.body.status === 'denied') throw new TaktError('forbidden', 'the request was denied in the browser');
    else if (poll.body.status === 'expired') break;
  }
  throw new TaktError('unavailable', 'the code expired before it was approved: run takt setup again');
}
