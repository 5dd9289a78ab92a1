/**
 * The one form of every `--json` document and NDJSON event: a time is an ISO 8601 UTC string, never an
 * epoch number (a lock's `leaseExpiresAt` is kept in milliseconds in the table), and a fraction carries
 * no binary floating-point noise (0.049370000000000004 is written 0.04937).
 */

/** Keys that hold a point in time. */
const TIME_KEY = /At$|^timestamp$|^ingestionTime$/;
/** Below this an epoch-millisecond number would be before 1973: not a time runvoy writes. */
const MIN_EPOCH_MS = 1e11;
/** Enough for any amount of money or price runvoy shows, and short of the noise of a double. */
const SIGNIFICANT_DIGITS = 12;

export function jsonReady(value: unknown, key?: string): unknown {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return value;
    if (key !== undefined && TIME_KEY.test(key) && Number.isInteger(value) && value >= MIN_EPOCH_MS) {
      return new Date(value).toISOString();
    }
    return Number.isInteger(value) ? value : Number(value.toPrecision(SIGNIFICANT_DIGITS));
  }
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((item) => jsonReady(item));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = jsonReady(v, k);
  return out;
}

/** `JSON.stringify` of `jsonReady(value)`: a document (indented) or one NDJSON line. */
export function toJson(value: unknown, indent?: number): string {
  return JSON.stringify(jsonReady(value), null, indent);
}
