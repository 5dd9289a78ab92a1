/**
 * Small statistics and formatting helpers shared by the benches under `bench/`.
 *
 * Percentiles interpolate linearly between the two closest ranks (the "R-7" method used by
 * spreadsheets and numpy's default), so `percentile(xs, 50)` is the usual median.
 */

export interface Summary {
  /** Number of samples. */
  n: number;
  min: number;
  max: number;
  mean: number;
  median: number;
  p90: number;
  p99: number;
}

function sortedCopy(values: readonly number[]): number[] {
  if (values.length === 0) throw new RangeError('no samples');
  for (const value of values) {
    if (!Number.isFinite(value)) throw new RangeError(`not a finite sample: ${value}`);
  }
  return [...values].sort((a, b) => a - b);
}

function percentileOfSorted(sorted: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile out of range: ${p}`);
  const rank = (p / 100) * (sorted.length - 1);
  const lower = Math.floor(rank);
  const upper = Math.ceil(rank);
  const low = sorted[lower] as number;
  const high = sorted[upper] as number;
  return low + (high - low) * (rank - lower);
}

/** The p-th percentile (0..100) of the samples, interpolated between closest ranks. */
export function percentile(values: readonly number[], p: number): number {
  return percentileOfSorted(sortedCopy(values), p);
}

/** The median of the samples (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

export function mean(values: readonly number[]): number {
  const sorted = sortedCopy(values);
  return sorted.reduce((sum, value) => sum + value, 0) / sorted.length;
}

/** Count, min, max, mean, median, p90 and p99 of the samples. */
export function summarize(values: readonly number[]): Summary {
  const sorted = sortedCopy(values);
  return {
    n: sorted.length,
    min: sorted[0] as number,
    max: sorted[sorted.length - 1] as number,
    mean: sorted.reduce((sum, value) => sum + value, 0) / sorted.length,
    median: percentileOfSorted(sorted, 50),
    p90: percentileOfSorted(sorted, 90),
    p99: percentileOfSorted(sorted, 99),
  };
}

/** `value / reference`, e.g. a median over the median of the reference command. */
export function ratio(value: number, reference: number): number {
  if (!(reference > 0)) throw new RangeError(`reference must be positive: ${reference}`);
  return value / reference;
}

/** A ratio as `1.08x`. */
export function formatRatio(value: number, digits = 2): string {
  return `${value.toFixed(digits)}x`;
}

/** A difference in milliseconds with its sign, e.g. `+41.3` or `-2.0`. */
export function formatDeltaMs(ms: number, digits = 1): string {
  return `${ms < 0 ? '-' : '+'}${Math.abs(ms).toFixed(digits)}`;
}

/** Milliseconds with a fixed number of decimals, e.g. `41.3`. */
export function formatMs(ms: number, digits = 1): string {
  return ms.toFixed(digits);
}

/** Nanoseconds from `process.hrtime.bigint()` differences to milliseconds. */
export function nsToMs(ns: bigint): number {
  return Number(ns) / 1e6;
}

/** Rounds for JSON output, so reports do not carry meaningless digits. */
export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
