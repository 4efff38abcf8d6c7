import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';

/**
 * Candidate lines (lines holding `_tokens":`) for the line readers' tests: usageFieldsOfLine
 * against JSON.parse (src/transcripts/usage-fields-of-line.test.ts), its WebAssembly twin against
 * usageFieldsOfLine (usage-scan-wasm.test.ts).
 */

export const usage =
  '{"input_tokens":3,"cache_creation_input_tokens":120,"cache_read_input_tokens":4000,"cache_creation":{"ephemeral_5m_input_tokens":20,"ephemeral_1h_input_tokens":100},"output_tokens":57,"service_tier":"standard"}';
const content =
  '[{"type":"thinking","thinking":"a ] } \\" [ {","signature":"x"},{"type":"tool_use","id":"t1","input":{"cmd":"ls [a]","n":[1,[2,{"k":"]"}]]}}]';
export const assistantLine = (message: string, rest = '') =>
  `{"parentUuid":null,"isSidechain":false,"cwd":"/home/dev","sessionId":"s-1","version":"2.1.330","message":${message},"requestId":"req_1","type":"assistant","uuid":"u-1","timestamp":"2026-11-02T10:00:00.000Z"${rest}}`;
export const message = (u = usage, extra = '') =>
  `{"id":"msg_1","type":"message","role":"assistant","model":"claude-opus-4-5","content":${content},"stop_reason":null,"usage":${u}${extra}}`;

/** Lines read without JSON.parse: the same usage (or none) as the slow way. */
export const readFast: [string, string][] = [
  ['an assistant line', assistantLine(message())],
  ['a trailing carriage return', `${assistantLine(message())}\r`],
  [
    'a progress record carrying a subagent message',
    `{"type":"progress","sessionId":"s-2","timestamp":"2026-11-02T11:00:00.000Z","data":{"type":"agent_progress","normalizedMessages":[],"message":{"type":"assistant","requestId":"req_9","timestamp":"2026-11-02T10:59:00.000Z","message":${message()}}}}`,
  ],
  [
    'a progress record without data.message',
    '{"type":"progress","data":{"message":"x"},"message":{"usage":{"input_tokens":1,"output_tokens":1}},"timestamp":"2026-11-02T11:00:00.000Z"}',
  ],
  [
    'the last of duplicate keys wins',
    assistantLine(message(), ',"message":{"id":"msg_2","model":"m2","usage":{"input_tokens":1,"output_tokens":2}}'),
  ],
  ['a duplicate without usage replaces one with it', assistantLine(message(), ',"message":{"id":"msg_2"}')],
  ['a duplicate token count', assistantLine(message('{"input_tokens":3,"output_tokens":5,"input_tokens":99}'))],
  [
    'escaped strings in the values read',
    assistantLine(message().replace('"msg_1"', '"msg_\\u0031\\"\\\\"').replace('claude-opus-4-5', 'claude-\\u00e9\\n')),
  ],
  ['non-ASCII in the values read', assistantLine(message().replace('claude-opus-4-5', 'claude-é-😀'))],
  ['a model of 160 bytes reads as ""', assistantLine(message().replace('claude-opus-4-5', 'm'.repeat(160)))],
  ['a model of 159 bytes', assistantLine(message().replace('claude-opus-4-5', 'm'.repeat(159)))],
  [
    'an escaped model that ends past 160 bytes reads as ""',
    assistantLine(message().replace('claude-opus-4-5', `${'m'.repeat(150)}\\u0041${'m'.repeat(9)}`)),
  ],
  [
    'numbers JSON allows',
    assistantLine(
      message(
        '{"input_tokens":1e3,"output_tokens":-0,"cache_read_input_tokens":2.5E+1,"cache_creation_input_tokens":12345678901234567890}',
      ),
    ),
  ],
  [
    'tokens that are not numbers',
    assistantLine(message('{"input_tokens":"3","output_tokens":true,"cache_read_input_tokens":null}')),
  ],
  ['usage null, an array, a string', assistantLine(message('null', ',"usage":[1,2]'))],
  ['message an array', assistantLine('[{"usage":{"input_tokens":1,"output_tokens":1}}]')],
  [
    'fast speed and a cost',
    assistantLine(message(usage.replace('"service_tier"', '"speed":"fast","service_tier"')), ',"costUSD":0.25'),
  ],
  [
    'a synthetic error',
    assistantLine(message('{"input_tokens":0,"output_tokens":0}').replace('claude-opus-4-5', '<synthetic>')),
  ],
  [
    'iterations: message, compaction and advisor parts',
    assistantLine(
      message(
        '{"input_tokens":10,"output_tokens":20,"iterations":[{"type":"compaction","input_tokens":500,"output_tokens":40,"cache_creation_input_tokens":9,"cache_creation":{"ephemeral_1h_input_tokens":7,"ephemeral_5m_input_tokens":2}},{"type":"message","input_tokens":10,"output_tokens":20,"cache_read_input_tokens":300},{"type":"advisor_message","model":"claude-haiku","input_tokens":5,"output_tokens":6,"extra":[1,{"a":[]}]},7,null,[1]]}',
      ),
    ),
  ],
  [
    'iterations an object',
    assistantLine(message('{"input_tokens":10,"output_tokens":20,"iterations":{"type":"compaction"}}')),
  ],
  ['iterations empty', assistantLine(message('{"input_tokens":10,"output_tokens":20,"iterations":[]}'))],
  [
    'an iterations array elsewhere (checked, not read)',
    assistantLine(
      message(),
      ',"toolUseResult":{"usage":{"input_tokens":9,"output_tokens":9,"iterations":[{"a":"b","c":[1,2]},3]}}',
    ),
  ],
  [
    'empty objects and arrays, true, false, null',
    assistantLine(message(), ',"a":{},"b":[],"c":true,"d":false,"e":null,"f":{"g":{}}'),
  ],
  [
    'a line without usage',
    '{"type":"user","message":{"role":"user","content":"input_tokens\\":"},"timestamp":"2026-11-02T10:00:00.000Z"}',
  ],
  ['an empty object', '{}'],
  ['no key: an empty id and requestId', assistantLine(message().replace('"msg_1"', '""')).replace('"req_1"', '""')],
  ['the requestId for a key when the id is not a string', assistantLine(message().replace('"msg_1"', '7'))],
  ['no timestamp', assistantLine(message()).replace('"timestamp"', '"time"')],
  ['a timestamp that is not a date', assistantLine(message()).replace('2026-11-02T10:00:00.000Z', 'soon')],
];

/** Lines it declines: the slow way decides (and does as before). */
export const declined: [string, string][] = [
  ['whitespace between tokens', assistantLine(message()).replace('"type":"assistant"', '"type": "assistant"')],
  ['a key with an escape', assistantLine(message()).replace('"requestId"', '"request\\u0049d"')],
  ['a line cut off', assistantLine(message()).slice(0, -20)],
  ['a control character in a short string', assistantLine(message()).replace('/home/dev', '/home/\tdev')],
  ['an escape JSON does not have', assistantLine(message()).replace('/home/dev', '/home/\\xdev')],
  ['a short \\u escape', assistantLine(message()).replace('/home/dev', '/home/\\u12')],
  ['a trailing comma', assistantLine(message(), ',')],
  ['a leading zero', assistantLine(message('{"input_tokens":01,"output_tokens":1}'))],
  ['a bare fraction', assistantLine(message('{"input_tokens":.5,"output_tokens":1}'))],
  ['an exponent without digits', assistantLine(message('{"input_tokens":1e,"output_tokens":1}'))],
  ['something after the object', `${assistantLine(message())}x`],
  ['two objects', `${assistantLine(message())}{}`],
  ['a misspelt literal', assistantLine(message(), ',"a":nul')],
  ['a misspelt literal before more members', assistantLine(message(), ',"a":nulx,"b":1')],
  ['a misspelt false before more members', assistantLine(message(), ',"a":falsy,"b":1')],
  ['brackets that do not match inside an array', assistantLine(message(), ',"a":[{]}')],
  ['an object closed by ]', assistantLine(message(), ',"a":{"b":1]')],
  [
    'iterations closed by }',
    assistantLine(message('{"input_tokens":1,"output_tokens":1,"iterations":[{"type":"message"}}}')),
  ],
  ['an array for a line', `[${assistantLine(message())}]`],
  ['nesting deeper than 64', assistantLine(message(), `,"deep":${'{"a":'.repeat(70)}1${'}'.repeat(70)}`)],
  ['a key without a value', assistantLine(message(), ',"a"')],
];

/** A line with every usage field usageLineOf reads (iterations included), for edits to start from. */
export const fullLine = assistantLine(
  message(
    usage.replace(
      '"service_tier"',
      '"iterations":[{"type":"compaction","input_tokens":5}],"speed":"fast","service_tier"',
    ),
  ),
);

/** Up to three edits of `base` (bytes dropped, JSON's own characters and others inserted). */
export const editedLine = (base: string) =>
  fc
    .array(
      fc.record({
        at: fc.nat({ max: base.length - 1 }),
        drop: fc.nat({ max: 3 }),
        insert: fc.string({
          unit: fc.constantFrom(
            '"',
            '\\',
            '[',
            ']',
            '{',
            '}',
            ',',
            ':',
            '0',
            '9',
            '-',
            'e',
            '.',
            ' ',
            'a',
            'u',
            '\t',
            'é',
          ),
          maxLength: 3,
        }),
      }),
      { minLength: 1, maxLength: 3 },
    )
    .map((edits) => edits.reduce((l, e) => l.slice(0, e.at) + e.insert + l.slice(e.at + e.drop), base));

/** The candidate lines of a history generated by test/support/gen-transcripts.mjs (`sizeMb`, `seed`). */
export function generatedCandidateLines(sizeMb: number, seed: number): string[] {
  const scratch = mkdtempSync(join(tmpdir(), 'takt-lines-'));
  try {
    execFileSync(process.execPath, [
      join(import.meta.dirname, 'gen-transcripts.mjs'),
      '--out',
      join(scratch, 'claude'),
      '--size-mb',
      String(sizeMb),
      '--seed',
      String(seed),
      '--quiet',
    ]);
    const lines: string[] = [];
    for (const file of readdirSync(join(scratch, 'claude'), { recursive: true, encoding: 'utf8' })) {
      if (!file.endsWith('.jsonl')) continue;
      for (const line of readFileSync(join(scratch, 'claude', file), 'utf8').split('\n')) {
        if (line.includes('_tokens":')) lines.push(line);
      }
    }
    return lines;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
