/** An empty slot of the key table. */
const NO_ROW = 0xffff_ffff;

/**
 * A response key's hash → its row, for the usage table: open addressing with linear probing
 * in two typed arrays (`rows` holds NO_ROW in empty slots), at most 70% full. No object per
 * key, unlike a Map of numbers.
 */
export class KeyTable {
  /** Keys put in (counted only while building and inserting; a loaded table is only searched). */
  private size = 0;

  constructor(
    public slots: Float64Array = new Float64Array(0),
    public rows: Uint32Array = new Uint32Array(0),
  ) {}

  /** The table of the rows' hashes (NaN: a row without a key, left out). */
  static of(hashes: Float64Array, count: number): KeyTable {
    const table = new KeyTable();
    table.resize(tableSize(keyedRows(hashes, count)));
    for (let row = 0; row < count; row++) {
      const hash = hashes[row] as number;
      if (!Number.isNaN(hash)) table.put(hash, row);
    }
    return table;
  }

  find(hash: number): number {
    const { slots, rows } = this;
    const mask = rows.length - 1;
    if (mask < 0) return -1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const row = rows[slot] as number;
      if (row === NO_ROW) return -1;
      if (slots[slot] === hash) return row;
    }
  }

  /** Whether no key was put in (and none loaded). */
  get empty(): boolean {
    return this.rows.length === 0;
  }

  /** How many keys were put in (a loaded table: 0, it is only searched). */
  get keys(): number {
    return this.size;
  }

  /**
   * The same keys with their rows renumbered by `map` (old row → new row), in place: the hashes
   * stay in their slots, so nothing is hashed or allocated again. Every row in the table must
   * map to a row (no -1).
   */
  renumber(map: Int32Array): KeyTable {
    const rows = this.rows;
    for (let slot = 0; slot < rows.length; slot++) {
      const row = rows[slot] as number;
      if (row !== NO_ROW) rows[slot] = map[row] as number;
    }
    return this;
  }

  insert(hash: number, row: number): void {
    if (this.size + 1 > this.rows.length * 0.7) this.resize(tableSize(this.size + 1));
    this.put(hash, row);
  }

  private put(hash: number, row: number): void {
    const mask = this.rows.length - 1;
    let slot = hash & mask;
    while (this.rows[slot] !== NO_ROW) slot = (slot + 1) & mask;
    this.slots[slot] = hash;
    this.rows[slot] = row;
    this.size++;
  }

  private resize(size: number): void {
    const { slots, rows } = this;
    this.slots = new Float64Array(size);
    this.rows = new Uint32Array(size).fill(NO_ROW);
    this.size = 0;
    for (let slot = 0; slot < rows.length; slot++) {
      const row = rows[slot] as number;
      if (row !== NO_ROW) this.put(slots[slot] as number, row);
    }
  }
}

/** How many of the first `count` rows have a key (NaN: none). */
export function keyedRows(hashes: Float64Array, count: number): number {
  let keyed = 0;
  for (let row = 0; row < count; row++) if (!Number.isNaN(hashes[row])) keyed++;
  return keyed;
}

/** A power of two that keeps `keys` at most 70% of it (a few probes per lookup). */
function tableSize(keys: number): number {
  let size = 16;
  while (size * 0.7 < keys) size *= 2;
  return size;
}
