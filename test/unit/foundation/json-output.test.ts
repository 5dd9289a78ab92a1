import { describe, expect, it } from 'vitest';
import { isoSeconds } from '../../../src/core/time.js';
import { jsonReady, toJson } from '../../../src/ui/json-output.js';

describe('jsonReady: the one form of --json output', () => {
  it("writes a lock's epoch-millisecond lease as an ISO string, at any depth", () => {
    const lock = { name: 'prod', state: 'HELD', fence: 7, leaseExpiresAt: Date.UTC(2026, 4, 1, 12, 0, 5) };
    expect(jsonReady({ locks: [lock] })).toEqual({
      locks: [{ name: 'prod', state: 'HELD', fence: 7, leaseExpiresAt: '2026-05-01T12:00:05.000Z' }],
    });
    expect(jsonReady({ error: { lock } })).toMatchObject({
      error: { lock: { leaseExpiresAt: '2026-05-01T12:00:05.000Z' } },
    });
  });

  it('leaves counts, durations and small numbers in time-named fields alone', () => {
    expect(jsonReady({ fence: 7, remainingMs: 30_000, timeoutMs: 3_600_000, savedAt: 5 })).toEqual({
      fence: 7,
      remainingMs: 30_000,
      timeoutMs: 3_600_000,
      savedAt: 5,
    });
  });

  it('drops binary floating-point noise from money and rates', () => {
    expect(jsonReady({ amount: 0.049370000000000004 })).toEqual({ amount: 0.04937 });
    expect(jsonReady({ perHour: 0.012342500000000001 })).toEqual({ perHour: 0.0123425 });
    expect(jsonReady([0.1 + 0.2])).toEqual([0.3]);
    expect(jsonReady({ price: 0.04048, spotDiscount: 0.7, big: 1234.5678901234 })).toEqual({
      price: 0.04048,
      spotDiscount: 0.7,
      big: 1234.56789012,
    });
  });

  it('keeps strings, booleans, null and Dates as JSON has them', () => {
    expect(jsonReady({ a: 'x', b: true, c: null, d: new Date(0) })).toEqual({
      a: 'x',
      b: true,
      c: null,
      d: '1970-01-01T00:00:00.000Z',
    });
  });

  it('toJson: one NDJSON line, or an indented document', () => {
    expect(toJson({ type: 'lock', leaseExpiresAt: 1_800_000_000_000 })).toBe(
      '{"type":"lock","leaseExpiresAt":"2027-01-15T08:00:00.000Z"}',
    );
    expect(toJson({ a: 1 }, 2)).toBe('{\n  "a": 1\n}');
  });
});

describe('isoSeconds: times in tables', () => {
  it('is ISO 8601 UTC to the second, from an ISO string, epoch milliseconds or a Date', () => {
    expect(isoSeconds('2026-05-01T12:00:05.123Z')).toBe('2026-05-01T12:00:05Z');
    expect(isoSeconds(Date.UTC(2026, 4, 1, 12, 0, 5))).toBe('2026-05-01T12:00:05Z');
    expect(isoSeconds(new Date('2026-05-01T14:00:05+02:00'))).toBe('2026-05-01T12:00:05Z');
  });

  it('shows nothing as -, and an unreadable time as it is', () => {
    expect(isoSeconds(undefined)).toBe('-');
    expect(isoSeconds('')).toBe('-');
    expect(isoSeconds('yesterday-ish')).toBe('yesterday-ish');
  });
});
