import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../lib/log.ts';
import { logAcceptFailures } from './accept-errors.ts';

describe('logAcceptFailures (issue 22.2)', () => {
  it('logs a connection the server could not accept (out of file descriptors), and keeps serving', () => {
    const lines: string[] = [];
    const log = createLogger('error', { out: (l) => lines.push(l), err: (l) => lines.push(l) });
    const server = createServer();
    logAcceptFailures(server, log);
    const error = Object.assign(new Error('accept EMFILE'), { code: 'EMFILE', syscall: 'accept', errno: -24 });
    server.emit('error', error);
    expect(lines.length).toBe(1);
    expect(lines[0]).toContain(
      'takt serve: could not accept a connection (EMFILE): raise the open-file limit (ulimit -n, LimitNOFILE=) or lower TAKT_LIVE_STREAMS_MAX',
    );
  });
});
