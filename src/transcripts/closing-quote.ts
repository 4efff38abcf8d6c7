const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * The index of the first quote in buf[from, end) that closes a JSON string — one after an even
 * run of backslashes — or -1. `from` is inside the string (past its opening quote or past an
 * escape already read). The transcript readers and the saved session ids all find strings' ends
 * this way: memchr speed for the quote, a few byte comparisons for the escapes before it.
 */
export function closingQuote(buf: Buffer, from: number, end: number): number {
  for (let j = from; ; j++) {
    j = buf.indexOf(QUOTE, j);
    if (j === -1 || j >= end) return -1;
    let backslashes = 0;
    for (let k = j - 1; buf[k] === BACKSLASH; k--) backslashes++;
    if ((backslashes & 1) === 0) return j;
  }
}
