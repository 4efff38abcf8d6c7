import type { Server } from 'node:net';
import type { Logger } from '../lib/log.ts';

/**
 * Logs the errors a listening server emits. Node reports a connection it could not accept
 * (EMFILE, ENFILE: out of file descriptors) as an `error` event and keeps listening; with no
 * listener it went unseen while clients timed out (issue 22.2).
 */
export function logAcceptFailures(server: Server, log: Logger): void {
  server.on('error', (error: NodeJS.ErrnoException) => {
    const code = error.code ?? 'unknown';
    const fds = code === 'EMFILE' || code === 'ENFILE';
    log.error(
      fds
        ? `takt serve: could not accept a connection (${code}): raise the open-file limit (ulimit -n, LimitNOFILE=) or lower TAKT_LIVE_STREAMS_MAX`
        : `takt serve: the HTTP server reported an error (${code})`,
      { syscall: error.syscall, error },
    );
  });
}
