import { whenParts } from '../format.ts';

/**
 * A time as fmtWhen says it ("11:59 PM", "Dec 13, 11:59 PM"), in a cell that may break between
 * the day and the clock time, never inside either: with the day on one line, a session table
 * with a session begun on an earlier day was wider than a laptop.
 */
export function When(props: { at: Date; now: Date }) {
  const { day, clock } = whenParts(props.at, props.now);
  return day === undefined ? (
    <span class="nowrap">{clock}</span>
  ) : (
    <>
      <span class="nowrap">{day},</span> <span class="nowrap">{clock}</span>
    </>
  );
}
