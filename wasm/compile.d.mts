/** The module of wasm/<name>.ts: its bytes (compile.mjs). */
export function compileWasm(name: string): Promise<Uint8Array>;
