import { useRef, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { useSubmit } from '../use-submit.ts';
import { Problem } from './problem.tsx';

interface SetupPayload {
  machine: string;
  server_url: string;
  methods: {
    bash: { command: string; append_to: string[] };
    powershell: { command: string };
    settings_json: { path: string; contents: unknown; note: string };
  };
  next_steps: string[];
}

const MACHINE = /^[A-Za-z0-9._-]{1,128}$/;

function Copyable(props: { id: string; title: string; text: string; note?: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.text);
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    } catch {
      // No clipboard (plain http on another host): select the text for Ctrl-C instead.
      const pre = document.getElementById(props.id);
      if (pre) getSelection()?.selectAllChildren(pre);
    }
  };
  return (
    <div class="copyable">
      <div class="copy-head">
        <h4>{props.title}</h4>
        <button type="button" onClick={copy} aria-describedby={props.id}>
          {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
      {props.note ? <p class="hint">{props.note}</p> : null}
      <pre id={props.id}>{props.text}</pre>
    </div>
  );
}

/**
 * "+ another machine": a setup payload for a new machine name (POST /auth/setup-additional
 * makes a token for it) with all three ways to apply it, and the device-flow alternative.
 */
export function AddMachine() {
  const dialog = useRef<HTMLDialogElement>(null);
  const [name, setName] = useState('');
  const [payload, setPayload] = useState<SetupPayload | undefined>();
  const action = useSubmit();
  const open = () => {
    setPayload(undefined);
    action.clear();
    dialog.current?.showModal();
  };
  const submit = action.onSubmit(async () => {
    if (!MACHINE.test(name)) {
      throw new Error('Use the host name the machine sends: letters, digits, dot, dash or underscore.');
    }
    const r = await api<{ setup: SetupPayload }>('POST', '/auth/setup-additional', { machine: name });
    setPayload(r.setup);
  });
  return (
    <>
      <button type="button" class="primary" onClick={open}>
        + another machine
      </button>
      <dialog ref={dialog} aria-labelledby="add-machine-h" class="dialog">
        <div class="dialog-head">
          <h3 id="add-machine-h">Add a machine</h3>
          <button type="button" onClick={() => dialog.current?.close()}>
            Close
          </button>
        </div>
        <p>
          Easiest: on the new machine run <code>takt setup --server {location.origin}</code> and approve the code it
          shows at <a href="/auth/device/verify">{location.origin}/auth/device/verify</a> (device flow). Or make a token
          and a setup payload here:
        </p>
        <form onSubmit={submit} class="inline-form">
          <label for="machine-name">Machine name (host.name)</label>
          <input
            id="machine-name"
            value={name}
            autocomplete="off"
            onInput={(e) => setName((e.target as HTMLInputElement).value)}
          />
          <button type="submit">Make setup</button>
        </form>
        <Problem error={action.error} />
        {payload ? (
          <div data-testid="setup-payload">
            <p role="status">
              Apply one method on {payload.machine}, then restart Claude Code. The token is in the text: keep it
              private.
            </p>
            <Copyable
              id="m-bash"
              title="macOS / Linux (bash, zsh)"
              text={payload.methods.bash.command}
              note={`Append to ${payload.methods.bash.append_to.join(' or ')}.`}
            />
            <Copyable id="m-ps" title="Windows (PowerShell)" text={payload.methods.powershell.command} />
            <Copyable
              id="m-json"
              title={`Claude Code settings (${payload.methods.settings_json.path})`}
              text={JSON.stringify(payload.methods.settings_json.contents, null, 2)}
              note={payload.methods.settings_json.note}
            />
            <ol>
              {payload.next_steps.map((s) => (
                <li key={s}>{s}</li>
              ))}
            </ol>
          </div>
        ) : null}
      </dialog>
    </>
  );
}
