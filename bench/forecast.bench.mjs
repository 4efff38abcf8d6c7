// `npm run bench -- forecast`: the forecast back-test is TypeScript over the pure domain; run it with tsx,
// once per generator (docs/benchmarks.md, "Forecast back-test").
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./forecast-backtest.ts', import.meta.url));
let failed = 0;
for (const generator of ['minutes', 'turns']) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', script, '1000', '6', generator], { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
