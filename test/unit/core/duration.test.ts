import { describe, expect, it } from 'vitest';
import {
  DURATION_SYNTAX,
  formatDuration,
  parseDuration,
  parseSince,
  validateDuration,
  validateSince,
} from '../../../src/core/duration.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('parseDuration', () => {
  it.each([
    ['90s', 90 * S],
    ['15m', 15 * M],
    ['2h', 2 * H],
    ['1h30m', H + 30 * M],
    ['1d', D],
    ['1w', 7 * D],
    ['300', 300 * S],
    ['1', S],
    ['500ms', 500],
    ['1h30m15s', H + 30 * M + 15 * S],
    ['1d2h', D + 2 * H],
    ['1h 30m', H + 30 * M],
    ['5 m', 5 * M],
    [' 15m ', 15 * M],
    ['2H', 2 * H],
    ['1.5h', 90 * M],
    ['0.5s', 500],
    ['10min', 10 * M],
    ['2hours', 2 * H],
    ['3 days', 3 * D],
    ['45sec', 45 * S],
    ['30m1h', H + 30 * M],
  ])('parses %j as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    ['zero', '0'],
    ['zero with unit', '0s'],
    ['zero minutes and seconds', '0m0s'],
    ['negative', '-5m'],
    ['negative seconds', '-30'],
    ['empty', ''],
    ['blank', '   '],
    ['garbage', 'abc'],
    ['garbage around a duration', 'abc5m'],
    ['trailing garbage', '5mxyz'],
    ['unit only', 'h'],
    ['a number without unit after a unit', '1h30'],
    ['months (ambiguous)', '1mo'],
    ['years', '1y'],
    ['exponent', '1e3s'],
    ['comma grouping', '1,000s'],
    ['sub-millisecond', '0.0001s'],
    ['unknown unit', '5x'],
    ['plus sign', '+5m'],
    ['decimal without unit', '1.5'],
    ['beyond the safe integer range', '99999999999999999999d'],
  ])('rejects %s: %j', (_label, text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('validateDuration', () => {
  it('accepts a duration within bounds', () => {
    expect(validateDuration('10m', '--timeout', { min: M, max: D })).toBeUndefined();
  });

  it('accepts the bounds themselves', () => {
    expect(validateDuration('1m', '--timeout', { min: M, max: D })).toBeUndefined();
    expect(validateDuration('1d', '--timeout', { min: M, max: D })).toBeUndefined();
  });

  it('names the field, the value and the syntax for garbage', () => {
    expect(validateDuration('soon', '--timeout')).toEqual({
      field: '--timeout',
      value: 'soon',
      allowed: DURATION_SYNTAX,
    });
  });

  it.each([
    ['30s', { min: M, max: D }, ', from 1m00s to 1d00h'],
    ['2d', { min: M, max: D }, ', from 1m00s to 1d00h'],
    ['30s', { min: M }, ', at least 1m00s'],
    ['2d', { max: D }, ', at most 1d00h'],
  ])('rejects %j outside %j and states the range', (text, bounds, range) => {
    expect(validateDuration(text, '--lock-wait', bounds)).toEqual({
      field: '--lock-wait',
      value: text,
      allowed: `${DURATION_SYNTAX}${range}`,
    });
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [999, '0s'],
    [1000, '1s'],
    [45 * S, '45s'],
    [59 * S + 999, '59s'],
    [M, '1m00s'],
    [3 * M + 5 * S, '3m05s'],
    [59 * M + 59 * S, '59m59s'],
    [H, '1h00m00s'],
    [H + 2 * M + 3 * S, '1h02m03s'],
    [23 * H + 59 * M + 59 * S, '23h59m59s'],
    [D, '1d00h'],
    [D + 2 * H + 30 * M, '1d02h'],
    [40 * D + 23 * H, '40d23h'],
    [-5000, '0s'],
  ])('formats %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it.each(['45s', '3m05s', '1h02m03s', '2h', '15m'])('round-trips %s through parseDuration', (text) => {
    const ms = parseDuration(text);
    expect(ms).toBeDefined();
    expect(parseDuration(formatDuration(ms ?? 0))).toBe(ms);
  });
});

describe('parseSince', () => {
  const now = new Date('2024-06-15T12:00:00.000Z');

  it.each([
    ['30d', '2024-05-16T12:00:00.000Z'],
    ['2h', '2024-06-15T10:00:00.000Z'],
    ['90', '2024-06-15T11:58:30.000Z'],
    ['1h30m', '2024-06-15T10:30:00.000Z'],
  ])('reads %j as a duration before now', (text, iso) => {
    expect(parseSince(text, now)?.toISOString()).toBe(iso);
  });

  it.each([
    ['2024-05-01', '2024-05-01T00:00:00.000Z'],
    ['2024-05-01T10:00', '2024-05-01T10:00:00.000Z'],
    ['2024-05-01T10:00:30', '2024-05-01T10:00:30.000Z'],
    ['2024-05-01 10:00:30', '2024-05-01T10:00:30.000Z'],
    ['2024-05-01T10:00:00Z', '2024-05-01T10:00:00.000Z'],
    ['2024-05-01t10:00:00z', '2024-05-01T10:00:00.000Z'],
    ['2024-05-01T10:00:00.123Z', '2024-05-01T10:00:00.123Z'],
    ['2024-05-01T10:00:00.5Z', '2024-05-01T10:00:00.500Z'],
    ['2024-05-01T10:00:00.123456789Z', '2024-05-01T10:00:00.123Z'],
    ['2024-05-01T10:00:00+02:00', '2024-05-01T08:00:00.000Z'],
    ['2024-05-01T10:00:00-0530', '2024-05-01T15:30:00.000Z'],
    ['2024-05-01T00:30:00+01:00', '2024-04-30T23:30:00.000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
    ['2000-02-29', '2000-02-29T00:00:00.000Z'],
    ['0099-01-01', '0099-01-01T00:00:00.000Z'],
  ])('reads %j as an ISO date/time (UTC unless it has an offset)', (text, iso) => {
    expect(parseSince(text, now)?.toISOString()).toBe(iso);
  });

  it.each([
    '',
    'yesterday',
    '-2h',
    '0',
    '2024-13-01',
    '2024-00-10',
    '2024-02-30',
    '2023-02-29',
    '1900-02-29',
    '2024-04-31',
    '2024-05-00',
    '2024-05-01T24:00',
    '2024-05-01T10:60',
    '2024-05-01T10:00:60',
    '2024-05-01T10:00:00+24:00',
    '2024-05-01T10:00:00+02:60',
    '2024-05-01Z',
    '2024-5-1',
    '24-05-01',
    '2024/05/01',
    '2024-05-01T10',
  ])('rejects %j', (text) => {
    expect(parseSince(text, now)).toBeUndefined();
  });

  it('does not depend on the time zone of the machine for dates without an offset', () => {
    const saved = process.env.TZ;
    process.env.TZ = 'America/New_York';
    try {
      expect(new Date(2024, 4, 1, 10).getTime()).not.toBe(Date.UTC(2024, 4, 1, 10)); // the zone took effect
      expect(parseSince('2024-05-01T10:00', now)?.getTime()).toBe(Date.UTC(2024, 4, 1, 10, 0));
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });
});

describe('validateSince', () => {
  const now = new Date('2024-06-15T12:00:00.000Z');

  it('accepts a duration or a date', () => {
    expect(validateSince('2h', now)).toBeUndefined();
    expect(validateSince('2024-05-01', now)).toBeUndefined();
  });

  it('names the flag, the value and both accepted forms', () => {
    const issue = validateSince('last week', now);
    expect(issue?.field).toBe('--since');
    expect(issue?.value).toBe('last week');
    expect(issue?.allowed).toContain('90s');
    expect(issue?.allowed).toContain('ISO 8601');
    expect(validateSince('x', now, '--until')?.field).toBe('--until');
  });
});
