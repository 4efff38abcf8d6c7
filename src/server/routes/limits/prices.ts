import { loadPriceTable, type PriceTable } from '../../../pricing/price-table.ts';

const loaded = new Map<string, PriceTable>();

/** The price table the limits figures use (TAKT_HOME/prices.json if installed, else the shipped one), read once per server. */
export function pricesFor(home: string): PriceTable {
  let table = loaded.get(home);
  if (!table) {
    table = loadPriceTable(home);
    loaded.set(home, table);
  }
  return table;
}
