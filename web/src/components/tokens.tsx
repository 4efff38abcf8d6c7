import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { fmtDateTime } from '../format.ts';
import { useLoad } from '../use-load.ts';
import { useSubmit } from '../use-submit.ts';
import { Problem } from './problem.tsx';
import { ScrollRegion } from './scroll-region.tsx';

interface TokenRow {
  id: string;
  label: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** The caller's API tokens (one per machine, usually), with revoke. */
export function Tokens() {
  const [changed, setChanged] = useState(0);
  const action = useSubmit();
  const loaded = useLoad(() => api<{ tokens: TokenRow[] }>('GET', '/api/tokens'), [changed]);
  const revoke = async (t: TokenRow) => {
    if (!confirm(`Revoke the token of ${t.label}? That machine stops reporting until it gets a new one.`)) return;
    await action.run(async () => {
      await api('DELETE', `/api/tokens/${encodeURIComponent(t.id)}`);
      setChanged((n) => n + 1);
    });
  };
  return (
    <section aria-labelledby="tokens-h">
      <h3 id="tokens-h">Your tokens</h3>
      <Problem error={action.error} />
      <ScrollRegion label="Tokens table">
        <table data-testid="tokens-table">
          <caption>Machines and scripts that send to takt as you</caption>
          <thead>
            <tr>
              <th scope="col">Label</th>
              <th scope="col" class="left">
                Token
              </th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {(loaded.data?.tokens ?? []).map((t) => (
              <tr key={t.id}>
                <th scope="row">{t.label || '(no label)'}</th>
                <td class="left mono">{t.prefix}</td>
                <td>{fmtDateTime(new Date(t.created_at))}</td>
                <td>{t.last_used_at ? fmtDateTime(new Date(t.last_used_at)) : 'never'}</td>
                <td>
                  {t.revoked_at ? (
                    'revoked'
                  ) : (
                    <button type="button" onClick={() => revoke(t)} aria-label={`Revoke the token of ${t.label}`}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollRegion>
    </section>
  );
}
