/**
 * How `policy bench` reports, in `opa bench`'s shapes: Go's benchmark number
 * format, the metrics histogram keys (go-metrics percentiles: count, min, max,
 * mean, median, stddev, 75%…99.99%), and the two-column table.
 */

/** Go's benchmark float format: width 10 with no decimals from 99.95 up, more digits for small values. */
export function formatFloat(x: number): string {
  const y = Math.abs(x);
  const fixed = (width: number, digits: number): string => x.toFixed(digits).padStart(width);
  if (y === 0 || y >= 99.95) return fixed(10, 0);
  if (y >= 9.995) return fixed(12, 1);
  if (y >= 0.9995) return fixed(13, 2);
  if (y >= 0.09995) return fixed(14, 3);
  if (y >= 0.009995) return fixed(15, 4);
  if (y >= 0.0009995) return fixed(16, 5);
  return fixed(17, 6);
}

/** A go-metrics percentile: linear interpolation at p·(n+1) over the sorted values. */
function percentile(sorted: number[], p: number): number {
  const pos = p * (sorted.length + 1);
  if (pos < 1) return sorted[0]!;
  if (pos >= sorted.length) return sorted[sorted.length - 1]!;
  const lower = sorted[Math.floor(pos) - 1]!;
  const upper = sorted[Math.floor(pos)]!;
  return lower + (pos - Math.floor(pos)) * (upper - lower);
}

/** OPA's histogram metric, flattened as `opa bench` reports it (`<name>_<stat>`). */
export function histogram(name: string, values: number[]): Record<string, number> {
  if (values.length === 0) return {};
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.reduce((s, v) => s + v, 0) / sorted.length;
  const variance = sorted.reduce((s, v) => s + (v - mean) ** 2, 0) / sorted.length;
  const stats: Record<string, number> = {
    count: sorted.length,
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
    mean,
    median: percentile(sorted, 0.5),
    stddev: Math.sqrt(variance),
    '75%': percentile(sorted, 0.75),
    '90%': percentile(sorted, 0.9),
    '95%': percentile(sorted, 0.95),
    '99%': percentile(sorted, 0.99),
    '99.9%': percentile(sorted, 0.999),
    '99.99%': percentile(sorted, 0.9999),
  };
  return Object.fromEntries(Object.entries(stats).map(([k, v]) => [`${name}_${k}`, v]));
}

/** The two-column table `opa bench` prints: names left-aligned, values right-aligned. */
export function benchTable(rows: [string, string][]): string {
  const w1 = Math.max(...rows.map((r) => r[0].length));
  const w2 = Math.max(...rows.map((r) => r[1].length));
  const border = `+${'-'.repeat(w1 + 2)}+${'-'.repeat(w2 + 2)}+`;
  const lines = rows.map(([k, v]) => `| ${k.padEnd(w1)} | ${v.padStart(w2)} |`);
  return [border, ...lines, border].join('\n') + '\n';
}
