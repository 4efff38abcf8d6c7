import { fstatSync, readFileSync } from 'node:fs';

/** A rate-limit window as Claude Code passes it. */
export interface Window {
  used_percentage?: number;
  resets_at?: number;
}

/** `rate_limits.spend_limit` (2.1.251; dollars and period from 2.1.284): may pass 100 %. */
export interface SpendWindow extends Window {
  used_usd?: number;
  limit_usd?: number;
  period?: string;
}

export interface StatusInput {
  session_id?: string;
  transcript_path?: string;
  model?: { id?: string; display_name?: string };
  cost?: { total_cost_usd?: number };
  context_window?: {
    used_percentage?: number;
    context_window_size?: number;
    current_usage?: Record<string, number>;
  };
  rate_limits?: { five_hour?: Window; seven_day?: Window; spend_limit?: SpendWindow };
}

/**
 * stdin and stdout by file descriptor: touching process.stdin or process.stdout builds
 * stream objects (a pipe is a socket), ~3–5 ms of the status line's budget; so would
 * node:tty (it loads node:net). A terminal (or /dev/null) is a character device: no input.
 */
export function readInput(): StatusInput {
  if (fstatSync(0).isCharacterDevice()) return {};
  const text = readFileSync(0, 'utf8');
  return text.trim() === '' ? {} : (JSON.parse(text) as StatusInput);
}
