import type { SpendWindow, StatusInput } from './status-input.ts';

/** The line shown when no format is given (also in `takt statusline --help`). */
export const DEFAULT_FORMAT =
  '{model} | {session_cost} session | {today_cost} today | 5h {five_hour} {five_hour_reset} | 7d {seven_day} | spend {spend_limit} | ctx {context}';

/**
 * Fills the format's placeholders: segments separated by " | " that come out empty are
 * dropped (an empty reset time alone does not empty its segment).
 */
export function render(format: string, values: Record<string, string>): string {
  return format
    .split(' | ')
    .map((segment) => {
      let empty = false;
      const out = segment.replace(/\{(\w+)\}/g, (_m, name: string) => {
        const v = values[name];
        if (v === undefined || v === '') {
          if (name !== 'five_hour_reset') empty = true;
          return '';
        }
        return v;
      });
      return empty ? '' : out.replace(/\s+/g, ' ').trim();
    })
    .filter((s) => s !== '')
    .join(' | ');
}

/**
 * The spend limit as Claude Code sent it: "104% $520.98/$500.00", or the percentage alone
 * (before 2.1.284); '' without one or once its reset has passed.
 */
export function spendLimitText(w: SpendWindow | undefined, now: number): string {
  if (typeof w?.used_percentage !== 'number') return '';
  if (typeof w.resets_at === 'number' && w.resets_at * 1000 <= now) return '';
  const pct = `${Math.round(w.used_percentage)}%`;
  return typeof w.used_usd === 'number' && typeof w.limit_usd === 'number'
    ? `${pct} ${usd(w.used_usd)}/${usd(w.limit_usd)}`
    : pct;
}

/** What is left when anything fails: the model and the session cost Claude Code sent. */
export function shortLine(input: StatusInput): string {
  const parts = [modelName(input)];
  const cost = input.cost?.total_cost_usd;
  if (typeof cost === 'number') parts.push(`${usd(cost)} session`);
  return parts.join(' | ');
}

export const modelName = (input: StatusInput) =>
  input.model?.display_name ?? input.model?.id?.replace(/^claude-/, '').replace(/-\d{8}$/, '') ?? 'Claude';

export const usd = (n: number) => `$${n.toFixed(2)}`;

/** The context window's use, as Claude Code sends it or computed from the current usage. */
export function contextUse(input: StatusInput): string {
  const cw = input.context_window;
  if (cw === undefined) return '';
  if (typeof cw.used_percentage === 'number') return `${Math.round(cw.used_percentage)}%`;
  const u = cw.current_usage;
  if (u && typeof cw.context_window_size === 'number' && cw.context_window_size > 0) {
    const used = (u.input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0);
    return `${Math.round((used / cw.context_window_size) * 100)}%`;
  }
  return '';
}

/** Local hours and minutes of an instant. */
export function clock(ms: number): string {
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}
