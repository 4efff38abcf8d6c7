// Compiles the AssemblyScript sources here to WebAssembly, in memory: the build writes the module
// beside the bundles (scripts/build.mjs), the tests compile it themselves (they run from sources).
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const here = fileURLToPath(new URL('.', import.meta.url));

/** The module of wasm/<name>.ts: its bytes, or an Error carrying the compiler's messages. */
export async function compileWasm(name) {
  let binary;
  const stderr = [];
  const { error } = await asc.main(
    [
      `${name}.ts`,
      '--outFile',
      `${name}.wasm`,
      '-O3',
      // No garbage collector: the code allocates nothing.
      '--runtime',
      'stub',
      '--enable',
      'simd',
      // One megabyte, fixed: the line read and a few tables (usage-scan.ts).
      '--initialMemory',
      '16',
      '--maximumMemory',
      '16',
      '--baseDir',
      here,
    ],
    {
      writeFile(file, contents) {
        if (file.endsWith('.wasm')) binary = contents;
      },
      stderr: { write: (text) => stderr.push(String(text)) },
      stdout: { write: () => {} },
    },
  );
  if (error || binary === undefined)
    throw new Error(`wasm/${name}.ts did not compile: ${error?.message ?? ''}\n${stderr.join('')}`);
  return binary;
}
