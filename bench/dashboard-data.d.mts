/** Types of bench/dashboard-data.mjs, for the tests that generate data with it. */
export interface GeneratedDataset {
  users: { id: string; email: string; accounts: number }[];
  counts: { usage_records: number; official_observations: number; limit_events: number };
  seconds: number;
}

export function generateDataset(
  file: string,
  options?: { users?: number; days?: number; now?: number; seed?: number },
): GeneratedDataset;

export function datasetFigures(file: string): { tables: Record<string, number>; bytes: number };
