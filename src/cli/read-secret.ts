/**
 * A secret typed on the terminal without echo (raw mode: each key is handled here, so
 * nothing reaches the screen), or the first line of piped stdin (`--password-stdin`).
 */
let typedAhead = '';

export function readHiddenLine(prompt: string, out: NodeJS.WriteStream = process.stderr): Promise<string> {
  const input = process.stdin;
  return new Promise((resolve, reject) => {
    out.write(prompt);
    let typed = '';
    let done = false;
    const finish = (err?: Error) => {
      done = true;
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      out.write('\n');
      if (err) reject(err);
      else resolve(typed);
    };
    const take = (text: string) => {
      const chars = [...text];
      for (let i = 0; i < chars.length; i++) {
        const ch = chars[i] as string;
        if (ch === '\r' || ch === '\n') {
          // Keys typed ahead (the next answer) wait for the next question.
          typedAhead = chars
            .slice(i + 1)
            .join('')
            .replace(/^\n/, '');
          return finish();
        }
        if (ch === '\u0003') return finish(new Error('cancelled'));
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else if (ch >= ' ') typed += ch;
      }
    };
    const onData = (chunk: Buffer) => take(chunk.toString('utf8'));
    input.setRawMode(true);
    const ahead = typedAhead;
    typedAhead = '';
    take(ahead);
    if (done) return;
    input.resume();
    input.on('data', onData);
  });
}

export async function readFirstLineOfStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) {
    text += chunk;
    if (text.includes('\n')) break;
  }
  return (text.split(/\r?\n/)[0] ?? '').trim();
}
