import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BASH_BLOCK_END, BASH_BLOCK_START } from '../../install/setup-payload.ts';

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * `takt setup --method bash --append FILE` (issue 22.15): the export block holds a bearer
 * token, and rc files are commonly world-readable, so the block goes into TAKT_HOME/shell-env.sh
 * (mode 0600, folder 0700) and FILE only gets a marked block that sources it. An earlier takt
 * block in FILE (sourcing or the old inline exports) is replaced, never stacked.
 */
export function appendSourcedBlock(rcFile: string, exportBlock: string, home: string): { envFile: string } {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const envFile = join(home, 'shell-env.sh');
  writeFileSync(envFile, `${exportBlock}\n`, { mode: 0o600 });
  chmodSync(envFile, 0o600); // an existing file keeps its mode otherwise
  const block = [BASH_BLOCK_START, `[ -f ${quote(envFile)} ] && . ${quote(envFile)}`, BASH_BLOCK_END].join('\n');
  const old = existsSync(rcFile) ? readFileSync(rcFile, 'utf8') : '';
  const start = old.indexOf(BASH_BLOCK_START);
  const end = old.indexOf(BASH_BLOCK_END);
  if (start >= 0 && end > start) {
    writeFileSync(rcFile, `${old.slice(0, start)}${block}${old.slice(end + BASH_BLOCK_END.length)}`);
  } else {
    appendFileSync(rcFile, `${old === '' || old.endsWith('\n') ? '' : '\n'}${block}\n`);
  }
  return { envFile };
}
