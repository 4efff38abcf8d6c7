import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The dated price table: shipped with the package (prices.json beside this file),
 * replaced by `takt pricing update --file F`, which writes TAKT_HOME/prices.json.
 * Prices are USD per million tokens. Loading does no validation (zod stays off the
 * status line's start-up path): a table is validated once, when it is installed.
 */

export interface Rates {
  input: number;
  output: number;
  cache_write_5m: number;
  cache_write_1h: number;
  cache_read: number;
}

export interface ModelPrice extends Rates {
  /** Requests whose whole input exceeds threshold_tokens are priced at these rates. */
  long_context?: Rates & { threshold_tokens: number };
  /** Fast mode ("speed": "fast" in the usage) multiplies the request's price. */
  fast_multiplier?: number;
}

export interface PriceTable {
  schema: 1;
  /** The date the prices were taken from the source (YYYY-MM-DD). */
  effective: string;
  currency: 'USD';
  unit: string;
  source: string;
  models: Record<string, ModelPrice>;
  aliases: Record<string, string>;
}

export const userPriceTableFile = (home: string) => join(home, 'prices.json');

/** Beside this module (the build puts a copy beside the bundles in dist/ too). */
const shippedPriceTableFile = new URL('./prices.json', import.meta.url);

/** The user's installed table when there is one, else the table shipped with takt. */
export function loadPriceTable(home: string): PriceTable {
  try {
    return JSON.parse(readFileSync(userPriceTableFile(home), 'utf8')) as PriceTable;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return loadShippedPriceTable();
}

export function loadShippedPriceTable(): PriceTable {
  return JSON.parse(readFileSync(shippedPriceTableFile, 'utf8')) as PriceTable;
}

/**
 * Finds the price of a model id as it appears in transcripts and telemetry:
 * `claude-sonnet-4-5-20250929`, `claude-sonnet-4-5`, `claude-3-7-sonnet-latest`,
 * Bedrock's `us.anthropic.claude-sonnet-4-5-20250929-v1:0`, Vertex's
 * `claude-sonnet-4-5@20250929`, Claude Code's `claude-sonnet-4-5[1m]`.
 * An unknown model has no price: undefined, never a guess.
 */
export function resolveModelPrice(table: PriceTable, model: string): { model: string; price: ModelPrice } | undefined {
  let id = model.trim().toLowerCase();
  id = id.replace(/\[[^\]]*\]$/, ''); // Claude Code's context-size suffix, e.g. [1m]
  id = id.replace(/^(?:[a-z]{2,4}\.)?anthropic[./]/, ''); // Bedrock (us.anthropic.…) and router prefixes
  id = id.replace(/-v\d+(?::\d+)?$/, ''); // Bedrock version suffix
  id = id.replace(/@\d{8}$/, ''); // Vertex date suffix
  const candidates = [id, id.replace(/-\d{8}$/, '')];
  for (const candidate of candidates) {
    const canonical = table.aliases[candidate] ?? candidate;
    const price = table.models[canonical];
    if (price) return { model: canonical, price };
  }
  return undefined;
}
