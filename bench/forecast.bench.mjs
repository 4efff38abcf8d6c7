// `npm run bench -- forecast`: the forecast back-test is TypeScript over the pure domain; run it with tsx.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./forecast-backtest.ts', import.meta.url));
const result = spawnSync(process.execPath, ['--import', 'tsx', script], { stdio: 'inherit' });
process.exit(result.status ?? 1);
