import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The rooms of src/ and the direction imports may run (docs/architecture.md). A new
 * import against the direction, an import circle between files, or I/O in the pure
 * domain fails here, naming the file and the import.
 */
const ALLOWED: Record<string, readonly string[]> = {
  lib: [],
  config: ['lib'],
  pricing: ['lib'],
  store: ['lib'],
  transcripts: ['lib', 'pricing'],
  usage: ['lib', 'pricing', 'store', 'transcripts'],
  official: ['lib', 'usage'],
  audit: ['lib', 'store'],
  recording: ['lib', 'store'],
  install: ['lib'],
  auth: ['lib', 'config', 'store', 'audit', 'install'],
  ingest: ['lib', 'recording', 'auth'],
  queries: ['lib', 'store', 'usage', 'pricing', 'official', 'transcripts'],
  limits: ['lib', 'store', 'audit', 'usage', 'official', 'queries', 'pricing'],
  manual: ['lib', 'store', 'audit', 'pricing'],
  webhooks: ['lib', 'config', 'store', 'audit', 'usage', 'queries', 'pricing'],
  agent: ['lib', 'config', 'transcripts', 'pricing', 'usage', 'official', 'install'],
  billing: ['lib', 'store', 'audit', 'pricing', 'auth'],
  server: [
    'lib',
    'config',
    'store',
    'audit',
    'auth',
    'ingest',
    'recording',
    'usage',
    'official',
    'queries',
    'limits',
    'manual',
    'install',
    'webhooks',
    'pricing',
    'billing',
    // The one-person server's refresh reads its machine's transcripts (server/local-transcripts.ts).
    'transcripts',
  ],
  cli: [
    'lib',
    'config',
    'store',
    'audit',
    'auth',
    'usage',
    'official',
    'queries',
    'limits',
    'install',
    'transcripts',
    'pricing',
    'agent',
    'server',
    'webhooks',
    'billing',
  ],
  '(entry)': ['cli', 'lib'],
};

/** Modules that mean I/O: the domain (usage/) stays pure and testable without them. */
const IO_MODULES = /^node:(fs|fs\/promises|net|http|https|child_process|worker_threads|dgram|tls)$/;

const root = join(import.meta.dirname, '..', 'src');

/** A route parses, authorises, calls one action or query and answers: more than this is logic in the wrong room. */
const MAX_ROUTE_FILE_LINES = 200;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.c?ts$/.test(name) && !/\.test\.ts$/.test(name) ? [path] : [];
  });
}

interface Import {
  from: string;
  to: string;
  typeOnly: boolean;
}

function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const found: Import[] = [];
  const statement = /(?:^|\n)\s*(?:import|export)\s+(type\s+)?(?:[^;'"]*?\s+from\s+)?'([^']+)'/g;
  const dynamic = /\bimport\(\s*'([^']+)'\s*\)/g;
  for (const m of text.matchAll(statement)) found.push({ from: file, to: m[2] as string, typeOnly: Boolean(m[1]) });
  for (const m of text.matchAll(dynamic)) found.push({ from: file, to: m[1] as string, typeOnly: false });
  return found;
}

const roomOf = (file: string) => {
  const parts = relative(root, file).split('/');
  return parts.length > 1 ? (parts[0] as string) : '(entry)';
};
const resolveImport = (i: Import) => normalize(join(dirname(i.from), i.to));
const files = sourceFiles(root);
const imports = files.flatMap(importsOf);
const local = imports.filter((i) => i.to.startsWith('.'));

describe('architecture', () => {
  it('every room is known and imports only the rooms below it', () => {
    const unknownRooms = [...new Set(files.map(roomOf))].filter((r) => !(r in ALLOWED));
    const against = local
      .filter((i) => {
        const from = roomOf(i.from);
        const to = roomOf(resolveImport(i));
        return from !== to && !ALLOWED[from]?.includes(to);
      })
      .map((i) => `${relative(root, i.from)} imports ${i.to}`);
    expect({ unknownRooms, against }).toEqual({ unknownRooms: [], against: [] });
  });

  it('the domain (usage/) does no I/O and takes only types from the store', () => {
    const io = imports
      .filter((i) => roomOf(i.from) === 'usage' && IO_MODULES.test(i.to))
      .map((i) => `${relative(root, i.from)} imports ${i.to}`);
    const storeValues = local
      .filter((i) => roomOf(i.from) === 'usage' && roomOf(resolveImport(i)) === 'store' && !i.typeOnly)
      .map((i) => `${relative(root, i.from)} imports ${i.to}`);
    expect({ io, storeValues }).toEqual({ io: [], storeValues: [] });
  });

  it('no import circles between files', () => {
    const graph = new Map<string, string[]>();
    for (const i of local) {
      const target = resolveImport(i).replace(/\.js$/, '.ts');
      graph.set(i.from, [...(graph.get(i.from) ?? []), target]);
    }
    // Tarjan's strongly connected components: any component of more than one file is a circle.
    let index = 0;
    const order = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const circles: string[][] = [];
    const visit = (v: string) => {
      order.set(v, index);
      low.set(v, index++);
      stack.push(v);
      onStack.add(v);
      for (const w of graph.get(v) ?? []) {
        if (!order.has(w)) {
          visit(w);
          low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, order.get(w) as number));
      }
      if (low.get(v) === order.get(v)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop() as string;
          onStack.delete(w);
          component.push(relative(root, w));
        } while (w !== v);
        if (component.length > 1) circles.push(component.sort());
      }
    };
    for (const f of files) if (!order.has(f)) visit(f);
    expect(circles).toEqual([]);
  });

  it('routes stay thin: no route file over 200 lines', () => {
    const routes = join(root, 'server', 'routes');
    const long = files
      .filter((f) => f.startsWith(`${routes}/`))
      .map((f) => ({ file: relative(root, f), lines: readFileSync(f, 'utf8').split('\n').length - 1 }))
      .filter((f) => f.lines > MAX_ROUTE_FILE_LINES)
      .map((f) => `${f.file} has ${f.lines} lines: split it along its URLs`);
    expect(long).toEqual([]);
  });

  it('SQL only in store/: no query builder call outside it', () => {
    const builder = /\.(selectFrom|insertInto|updateTable|deleteFrom)\(/;
    const outside = files
      .filter((f) => roomOf(f) !== 'store')
      .flatMap((f) =>
        readFileSync(f, 'utf8')
          .split('\n')
          .flatMap((line, i) => (builder.test(line) ? [`${relative(root, f)}:${i + 1}: ${line.trim()}`] : [])),
      );
    expect(outside).toEqual([]);
  });
});
