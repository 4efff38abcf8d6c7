import { useState } from 'preact/hooks';
import { api } from '../api.ts';

/** "Sign out everywhere": every browser session ends; with the box ticked, every API token too. */
export function SignOutEverywhere(props: { onSignedOut: () => void }) {
  const [tokens, setTokens] = useState(false);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    setError('');
    try {
      await api('POST', '/auth/logout-everywhere', { tokens });
      props.onSignedOut();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
      setBusy(false);
    }
  };
  return (
    <div class="card narrow-card">
      <h3>Sign out everywhere</h3>
      <p class="muted">Ends every browser session of yours, this one included.</p>
      <label>
        <input type="checkbox" checked={tokens} onChange={(e) => setTokens(e.currentTarget.checked)} /> Also revoke all
        my API tokens (every machine stops reporting until set up again)
      </label>
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
      <button type="button" onClick={run} disabled={busy}>
        Sign out everywhere
      </button>
    </div>
  );
}
