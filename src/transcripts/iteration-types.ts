/**
 * The parts of one API response that `usage.iterations[]` names (docs/limits.md, "Iterations
 * counted once"), as small codes kept in the usage table's flag bits: `message` (the response
 * itself: top-level usage or its `message` iterations), `compaction` (server-side compaction),
 * `advisor_message` (an advisor call at its own model), and `other` for any type not known yet.
 */
export const ITERATION_TYPES = ['message', 'compaction', 'advisor_message', 'other'] as const;
export type IterationType = (typeof ITERATION_TYPES)[number];

export function iterationCode(type: string): number {
  const at = (ITERATION_TYPES as readonly string[]).indexOf(type);
  return at === -1 ? ITERATION_TYPES.length - 1 : at;
}

/** Where the code sits in the usage table's `flags` column (bits 2–3; 1 is fast, 2 is dead). */
export const ITERATION_SHIFT = 2;
export const ITERATION_MASK = 0b11 << ITERATION_SHIFT;

export const iterationOfFlags = (flags: number): IterationType =>
  ITERATION_TYPES[(flags & ITERATION_MASK) >>> ITERATION_SHIFT] as IterationType;
