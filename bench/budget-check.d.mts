/** Types of bench/budget-check.mjs, for test/bench-check.test.ts. */
export interface Budget {
  max?: number;
  min?: number;
  target?: number;
  /** 'ms': a paired difference from the same run's baseline, in milliseconds (a target only). */
  unit?: 'ms';
  why: string;
}
export type Budgets = Record<string, Record<string, Record<string, Budget | string> | string> | string>;

export interface CheckRow {
  name: string;
  value: unknown;
  max?: number;
  min?: number;
  target?: number;
  unit?: 'ms';
  targetMet?: boolean;
  why?: string;
  verdict:
    | 'ok'
    | 'OVER BUDGET'
    | 'UNDER BUDGET'
    | 'not measured'
    | 'no budget'
    | 'target only'
    | 'budget has no max or min';
}
export interface CheckResult {
  ok: boolean;
  rows: CheckRow[];
  problem?: string;
}

export const budgetsFile: string;
export const checking: boolean;
export function loadBudgets(file?: string): Budgets;
export function checkRatios(
  budgets: Budgets,
  bench: string,
  scale: string,
  ratios: Record<string, number>,
): CheckResult;
export function formatCheck(result: CheckResult): string[];
export function reportRatios(bench: string, scale: string, ratios: Record<string, number>): CheckResult;
export function median(values: number[]): number;
