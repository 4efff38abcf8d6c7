import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { fmtDateTime } from '../format.ts';
import { useLoad } from '../use-load.ts';
import { useSubmit } from '../use-submit.ts';
import { Problem } from './problem.tsx';

interface ModelPrice {
  input: number;
  output: number;
  cache_write_5m: number;
  cache_write_1h: number;
  cache_read: number;
}

interface AdminPrices {
  basis: 'list' | 'contracted';
  models: Record<string, ModelPrice>;
  residency_factor: number;
  updated_at: string | null;
  list: { effective: string; source: string; models: string[] };
}

const EXAMPLE =
  '{\n  "claude-sonnet-4-5": { "input": 2.7, "output": 13.5, "cache_write_5m": 3.375, "cache_write_1h": 5.4, "cache_read": 0.27 }\n}';

/**
 * Contracted prices and the data-residency factor (GET/PUT /api/admin/prices): takt's second
 * cost figure uses them; Claude Code's own figure never changes. Prices in USD per million
 * tokens, per model id as `takt pricing show` lists them.
 */
export function ContractedPrices(props: { onChange: () => void }) {
  const [changed, setChanged] = useState(0);
  const loaded = useLoad(() => api<AdminPrices>('GET', '/api/admin/prices'), [changed]);
  const [factor, setFactor] = useState('1');
  const [models, setModels] = useState('{}');
  const action = useSubmit();
  useEffect(() => {
    if (!loaded.data) return;
    setFactor(String(loaded.data.residency_factor));
    setModels(JSON.stringify(loaded.data.models, null, 2));
  }, [loaded.data]);
  const submit = action.onSubmit(async () => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(models || '{}');
    } catch {
      throw new Error(`The model prices are not JSON: write them like ${EXAMPLE.replace(/\s+/g, ' ')}`);
    }
    const saved = await api<AdminPrices>('PUT', '/api/admin/prices', {
      models: parsed,
      residency_factor: Number(factor),
    });
    setChanged((n) => n + 1);
    props.onChange();
    return saved.basis === 'list'
      ? 'Saved: takt prices usage at list prices again.'
      : `Saved: takt's figure uses ${Object.keys(saved.models).length} contracted model price(s) × ${saved.residency_factor}.`;
  });
  const d = loaded.data;
  return (
    <form class="card" onSubmit={submit} aria-labelledby="prices-h" data-testid="contracted-prices">
      <h3 id="prices-h">Contracted prices</h3>
      <p class="muted">
        Claude Code reports its own cost with your organization's prices; takt's second figure uses the list prices of{' '}
        {d?.list.effective ?? '…'} unless you set yours here. Every usage figure shows both.
        {d ? ` Now: ${d.basis === 'list' ? 'list prices' : 'contracted prices'}` : ''}
        {d?.updated_at ? `, changed ${fmtDateTime(new Date(d.updated_at))}.` : d ? '.' : ''}
      </p>
      <div class="field">
        <label for="prices-factor">Data-residency factor (1 for none, 1.1 for a 10 % premium)</label>
        <input
          id="prices-factor"
          type="number"
          step="any"
          min="0.01"
          max="10"
          required
          value={factor}
          onInput={(e) => setFactor((e.target as HTMLInputElement).value)}
        />
      </div>
      <div class="field">
        <label for="prices-models">Per-model prices, USD per million tokens (JSON; {'{}'} for none)</label>
        <textarea
          id="prices-models"
          class="mono"
          rows={6}
          placeholder={EXAMPLE}
          value={models}
          onInput={(e) => setModels((e.target as HTMLTextAreaElement).value)}
        />
      </div>
      <Problem error={[action.error, loaded.error]} status={action.status} />
      <button type="submit" disabled={action.busy}>
        Save prices
      </button>
    </form>
  );
}
