import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { csvText, plainDecimal } from './csv-text.ts';

describe('csvText', () => {
  it('quotes commas, quotes and line breaks per RFC 4180 and reads back as sent', () => {
    const rows = [
      { a: 'plain', b: 'with, comma', c: 1.5 },
      { a: 'say "hi"', b: 'two\nlines', c: null },
    ];
    const text = csvText(rows, ['a', 'b', 'c'], true);
    expect(text).toBe('a,b,c\r\nplain,"with, comma",1.5\r\n"say ""hi""","two\nlines",\r\n');
    expect(parse(text, { columns: true })).toEqual([
      { a: 'plain', b: 'with, comma', c: '1.5' },
      { a: 'say "hi"', b: 'two\nlines', c: '' },
    ]);
  });

  it('writes the header only when asked', () => {
    expect(csvText([{ a: 1 }], ['a'], false)).toBe('1\r\n');
  });

  it('never writes exponents', () => {
    expect(plainDecimal(1e-7)).toBe('0.0000001');
    expect(plainDecimal(0.1 + 0.2)).toBe('0.3');
    expect(plainDecimal(12345678901)).toBe('12345678901');
  });
});
