// parse-prometheus-text-format ships no types: the shape it returns, as its README documents.
// @ts-expect-error no declaration file
import parsePrometheusTextFormat from 'parse-prometheus-text-format';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * Every sample of a scrape, parsed by a real Prometheus text-format parser (an OpenMetrics
 * counter's `_total` samples come back as their own family; `# EOF` is a comment to it).
 */
export function parseScrape(text: string): Sample[] {
  const families = parsePrometheusTextFormat(text) as {
    name: string;
    metrics: { value?: string; labels?: Record<string, string> }[];
  }[];
  return families.flatMap((f) =>
    f.metrics
      .filter((m) => m.value !== undefined)
      .map((m) => ({ name: f.name, labels: m.labels ?? {}, value: Number(m.value) })),
  );
}

/** The samples of one metric, each as its labels (minus `drop`) and value. */
export function samplesOf(samples: Sample[], name: string, drop: string[] = []): Record<string, string | number>[] {
  return samples
    .filter((s) => s.name === name)
    .map((s) => {
      const labels = Object.fromEntries(Object.entries(s.labels).filter(([k]) => !drop.includes(k)));
      return { ...labels, value: s.value };
    })
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}
