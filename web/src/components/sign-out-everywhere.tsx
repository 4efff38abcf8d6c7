import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { useSubmit } from '../use-submit.ts';
import { Problem } from './problem.tsx';

/** "Sign out everywhere": every browser session ends; with the box ticked, every API token too. */
export function SignOutEverywhere(props: { onSignedOut: () => void }) {
  const [tokens, setTokens] = useState(false);
  const submit = useSubmit();
  const run = () =>
    submit.run(async () => {
      await api('POST', '/auth/logout-everywhere', { tokens });
      props.onSignedOut();
    });
  return (
    <div class="card narrow-card">
      <h3>Sign out everywhere</h3>
      <p class="muted">Ends every browser session of yours, this one included.</p>
      <p>
        <label>
          <input type="checkbox" checked={tokens} onChange={(e) => setTokens(e.currentTarget.checked)} /> Also revoke
          all my API tokens (every machine stops reporting until set up again)
        </label>
      </p>
      <Problem error={submit.error} />
      <button type="button" onClick={run} disabled={submit.busy}>
        Sign out everywhere
      </button>
    </div>
  );
}
