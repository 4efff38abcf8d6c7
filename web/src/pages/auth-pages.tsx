import { useState } from 'preact/hooks';
import { api, type SessionUser } from '../api.ts';
import { AccountsSettings } from '../components/account-settings.tsx';
import { Problem } from '../components/problem.tsx';
import { SignOutEverywhere } from '../components/sign-out-everywhere.tsx';
import { Tokens } from '../components/tokens.tsx';
import { useSubmit } from '../use-submit.ts';

type SignedIn = (user: SessionUser, csrf: string) => void;

function Field(props: {
  id: string;
  label: string;
  type: string;
  value: string;
  onInput: (v: string) => void;
  autocomplete: string;
  hint?: string;
}) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        name={props.id}
        type={props.type}
        value={props.value}
        autocomplete={props.autocomplete}
        required
        aria-describedby={props.hint ? `${props.id}-hint` : undefined}
        onInput={(e) => props.onInput((e.target as HTMLInputElement).value)}
      />
      {props.hint ? (
        <p class="hint" id={`${props.id}-hint`}>
          {props.hint}
        </p>
      ) : null}
    </div>
  );
}

/** First run: creates the first admin, with the one-time code from the server's log. */
export function SetupPage(props: { onSignedIn: SignedIn }) {
  const [code, setCode] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { error, busy, onSubmit } = useSubmit();
  const submit = onSubmit(async () => {
    const r = await api<{ user: SessionUser; csrf_token: string }>('POST', '/auth/setup', {
      setup_code: code,
      email,
      password,
    });
    props.onSignedIn(r.user, r.csrf_token);
  });
  return (
    <main id="main" class="narrow">
      <h1>Welcome to takt</h1>
      <p>This server has no users yet. Create the first admin.</p>
      <form onSubmit={submit} class="card">
        <Field
          id="setup_code"
          label="Setup code"
          type="text"
          value={code}
          onInput={setCode}
          autocomplete="off"
          hint="Printed in the log of takt serve: “first-run setup code: …”. It works once."
        />
        <Field id="email" label="Email" type="email" value={email} onInput={setEmail} autocomplete="email" />
        <Field
          id="password"
          label="Password"
          type="password"
          value={password}
          onInput={setPassword}
          autocomplete="new-password"
          hint="At least 10 characters."
        />
        <Problem error={error} />
        <button type="submit" class="primary" disabled={busy}>
          Create admin
        </button>
      </form>
    </main>
  );
}

export function LoginPage(props: { onSignedIn: SignedIn }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { error, busy, onSubmit } = useSubmit();
  const submit = onSubmit(async () => {
    const r = await api<{ user: SessionUser; csrf_token: string }>('POST', '/auth/login', { email, password });
    props.onSignedIn(r.user, r.csrf_token);
  });
  return (
    <main id="main" class="narrow">
      <h1>Sign in to takt</h1>
      <form onSubmit={submit} class="card">
        <Field id="email" label="Email" type="email" value={email} onInput={setEmail} autocomplete="username" />
        <Field
          id="password"
          label="Password"
          type="password"
          value={password}
          onInput={setPassword}
          autocomplete="current-password"
        />
        <Problem error={error} />
        <button type="submit" class="primary" disabled={busy}>
          Sign in
        </button>
      </form>
      <p class="muted" data-testid="no-password-yet">
        No password yet? Set up alone with takt setup --local: run it again in a terminal, it asks for one. On a team
        server: an admin sets it on the Admin page (Set a user's password).
      </p>
    </main>
  );
}

export function AccountPage(props: { user: SessionUser; onSignedOut: () => void }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const { error, status, busy, onSubmit } = useSubmit();
  const submit = onSubmit(async () => {
    await api('POST', '/auth/password/set', { password: next, current_password: current });
    setCurrent('');
    setNext('');
    return 'Password changed.';
  });
  const signOut = async () => {
    await api('POST', '/auth/logout');
    props.onSignedOut();
  };
  return (
    <section aria-labelledby="account-h">
      <h2 id="account-h">Your account</h2>
      <p>
        Signed in as <strong>{props.user.email}</strong> ({props.user.role}).
      </p>
      <form onSubmit={submit} class="card narrow-card">
        <h3>Change password</h3>
        <Field
          id="current_password"
          label="Current password"
          type="password"
          value={current}
          onInput={setCurrent}
          autocomplete="current-password"
        />
        <Field
          id="new_password"
          label="New password"
          type="password"
          value={next}
          onInput={setNext}
          autocomplete="new-password"
          hint="At least 10 characters."
        />
        <Problem error={error} status={status} />
        <button type="submit" class="primary" disabled={busy}>
          Change password
        </button>
      </form>
      <p>
        Adding a machine with the device flow? Approve its code at <a href="/auth/device/verify">/auth/device/verify</a>
        .
      </p>
      <p>
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </p>
      <SignOutEverywhere onSignedOut={props.onSignedOut} />
      <AccountsSettings />
      <Tokens />
    </section>
  );
}
