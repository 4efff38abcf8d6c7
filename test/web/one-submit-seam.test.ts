import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Issue 20.5 (web side): one submit hook and one problem component, not a copy per form. */
const root = join(import.meta.dirname, '../../web/src');
const files = readdirSync(root, { recursive: true, encoding: 'utf8' })
  .filter((f) => /\.tsx?$/.test(f))
  .map((f) => ({ path: relative(root, join(root, f)), text: readFileSync(join(root, f), 'utf8') }));
const having = (pattern: RegExp) => files.filter((f) => pattern.test(f.text)).map((f) => f.path);

describe('the dashboard says what went wrong in one place', () => {
  it('renders an alert only in the problem component', () => {
    expect(having(/role="alert"/)).toEqual(['components/problem.tsx']);
  });

  it('catches a failed write only in the submit hook', () => {
    expect(having(/setError\(|catch \(err\)/)).toEqual(['use-submit.ts']);
  });
});
