import { closingQuote } from './closing-quote.ts';
import { readFully, withFile } from './read-at.ts';
import type { SkippedLine } from './scan-usage-lines.ts';

/**
 * The transcript index's file format. On disk: "TAKTIDX" + version byte, the lengths of the
 * two text sections, a JSON header (string tables, column layout, skipped lines), the file
 * paths as a JSON array (one per line: the status line reads only its own files' lines,
 * found by the paths' hashes), then raw little-endian typed arrays in three parts: what every
 * warm run reads (the responses summed per hour, each file's numbers and tail, the directory
 * listings in saved-listings.ts's form), then what a report reads when it needs it (the sums
 * per quarter hour, for a zone whose hours straddle a date; the session ids as JSON text; the
 * response columns a report of rows sums), then what only an update needs (keys, owners, row
 * lists, the key table). A warm daily report that finds nothing changed reads the first part
 * only — not even the paths — and parses no row and no file (issue 24.2: on a VM where a fresh
 * page of memory costs ~10 µs, each 100 kB not read is ~0.3 ms); the rest is read as needed.
 */

export const MAGIC = 'TAKTIDX';
/** Bump when the format or the counting rules change: an older index is rebuilt. */
export const VERSION = 13;

export interface Header {
  /** Tells this save from another: completing a lazily loaded index checks it. */
  stamp: string;
  count: number;
  files: number;
  models: string[];
  /** The session ids are the block `sessionNames` (JSON text): parsed only by a run that names sessions. */
  projects: string[];
  skipped: Array<[number, SkippedLine[]]>;
  /** name, byte offset from the start of the data, element count. */
  columns: Array<[string, number, number]>;
  /** Bytes of data every warm run reads: the hourly sums, the files' numbers and tails, the listings. */
  readSums: number;
  /** Bytes of data a report may read: with the above, the quarter-hour sums, the session ids, the response columns. */
  readFirst: number;
  /** Bytes of data in all. */
  dataLength: number;
}

export const align8 = (n: number) => Math.ceil(n / 8) * 8;

/** A typed array type a block is read as. */
export interface BlockType<T> {
  new (buffer: ArrayBuffer, byteOffset: number, length: number): T;
  readonly BYTES_PER_ELEMENT: number;
}

/** A block by name, as a typed array over data already read (or read for it). */
export type BlockView = <T extends Float64Array | Uint32Array | Uint8Array>(name: string, type: BlockType<T>) => T;

export const PREAMBLE = 16; // magic (7) + version (1) + header length (4) + paths length (4)
/** An open index file: its header and positional reads. */
export class IndexReader {
  readonly header: Header;
  readonly headerLength: number;
  readonly pathsLength: number;
  readonly dataStart: number;
  readonly layout: Map<string, [number, number]>;

  constructor(readonly fd: number) {
    const preamble = this.read(0, PREAMBLE);
    if (preamble.toString('latin1', 0, MAGIC.length) !== MAGIC || preamble[MAGIC.length] !== VERSION)
      throw new Error('not an index');
    this.headerLength = preamble.readUInt32LE(8);
    this.pathsLength = preamble.readUInt32LE(12);
    this.header = JSON.parse(this.read(PREAMBLE, this.headerLength).toString('utf8')) as Header;
    this.dataStart = align8(PREAMBLE + this.headerLength + this.pathsLength);
    this.layout = new Map(this.header.columns.map(([name, offset, length]) => [name, [offset, length]]));
  }

  /** The whole paths section (the status line reads only its own files' lines: pathBytes). */
  readPaths(): Buffer {
    return this.read(PREAMBLE + this.headerLength, this.pathsLength);
  }

  /** Bytes [from, to) of the paths section. */
  pathBytes(from: number, to: number): Buffer {
    return this.read(PREAMBLE + this.headerLength + from, to - from);
  }

  /** `length` bytes at `position`, into a new buffer or `into`; throws when the file is shorter. */
  read(position: number, length: number, into?: ArrayBufferView): Buffer {
    const target = into ?? Buffer.allocUnsafe(length);
    if (readFully(this.fd, target, length, position) < length) throw new Error('index cut short');
    return Buffer.from(target.buffer, target.byteOffset, length);
  }

  /** One block, by name, in a buffer of its own (none: an empty one). */
  readBlock<T extends Float64Array | Uint32Array | Uint8Array>(name: string, type: BlockType<T>): T {
    const [offset, length] = this.layout.get(name) ?? [0, 0];
    const bytes = new Uint8Array(length * type.BYTES_PER_ELEMENT);
    if (bytes.length > 0) this.read(this.dataStart + offset, bytes.length, bytes);
    return new type(bytes.buffer, 0, length);
  }

  /** Data bytes [from, to) as one aligned buffer, and a view maker over it. */
  readData(from: number, to: number): BlockView {
    const bytes = new Uint8Array(to - from); // its own ArrayBuffer: aligned for every view
    if (to > from) this.read(this.dataStart + from, to - from, bytes);
    return (name, type) => {
      const [offset, length] = this.layout.get(name) ?? [from, 0];
      return new type(bytes.buffer, offset - from, length);
    };
  }
}

/** `use` of the index file opened and its header read (closed after); undefined when it cannot be opened. */
export const openIndex = <T>(file: string, use: (reader: IndexReader) => T): T | undefined =>
  withFile(file, (fd) => use(new IndexReader(fd)));

/**
 * The session ids saved as JSON text (`JSON.stringify` of the list), parsed on first use (a daily
 * or monthly report names none); `bytes` may be a function that reads them then. One id can be
 * looked up, or one number named, without parsing the list: the status line asks for one session
 * and would otherwise parse ~90 kB of ids for it on a large history (and, with the strings made,
 * start a garbage collection that a run of it does not otherwise need).
 */
export class SavedNames {
  private text: Buffer | undefined;
  private list: string[] | undefined;
  private length: number | undefined;

  constructor(private readonly bytes: Uint8Array | (() => Uint8Array)) {}

  /** Every saved id, in order (parsed once). */
  all(): string[] {
    if (this.list === undefined) {
      const text = this.source();
      this.list = text.length === 0 ? [] : (JSON.parse(text.toString('utf8')) as string[]);
    }
    return this.list;
  }

  /** How many ids are saved. */
  count(): number {
    if (this.list !== undefined) return this.list.length;
    this.length ??= this.walk(() => false);
    return this.length;
  }

  /**
   * The number of `name` in the list, or -1: its JSON text is searched for in the saved text, and a
   * match that is one whole saved string is numbered by counting the strings before it.
   */
  find(name: string): number {
    if (this.list !== undefined) return this.list.indexOf(name);
    const wanted = Buffer.from(JSON.stringify(name), 'utf8');
    const text = this.source();
    for (let at = text.indexOf(wanted, 1); at !== -1; at = text.indexOf(wanted, at + 1)) {
      let opens = -1;
      let closes = -1;
      const k = this.walk((open, close) => {
        opens = open;
        closes = close;
        return open >= at;
      });
      if (opens === at && closes === at + wanted.length - 1) return k;
    }
    return -1;
  }

  /** The id saved at `number` (undefined past the end). */
  nameAt(number: number): string | undefined {
    if (this.list !== undefined) return this.list[number];
    let k = 0;
    let found: string | undefined;
    const text = this.source();
    this.walk((open, close) => {
      if (k++ !== number) return false;
      found = JSON.parse(text.toString('utf8', open, close + 1)) as string;
      return true;
    });
    return found;
  }

  private source(): Buffer {
    if (this.text === undefined) {
      const b = typeof this.bytes === 'function' ? this.bytes() : this.bytes;
      this.text = Buffer.from(b.buffer, b.byteOffset, b.length);
    }
    return this.text;
  }

  /**
   * Calls `stop` with each saved string's quotes (their byte offsets) until it returns true: the
   * number of that string, else the number of strings. The text is what JSON.stringify wrote —
   * `["…","…"]`, no spaces.
   */
  private walk(stop: (open: number, close: number) => boolean): number {
    const text = this.source();
    let k = 0;
    for (let open = 1; text[open] === QUOTE; k++) {
      const close = closingQuote(text, open + 1, text.length);
      if (close === -1 || stop(open, close)) return k;
      open = close + 2; // past `",`
    }
    return k;
  }
}

const QUOTE = 0x22;
