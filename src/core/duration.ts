import parse from 'parse-duration';
import type { ValidationIssue } from './errors.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;

// parse-duration skips anything it does not understand ("abc5m" is 5 minutes), so the whole text must
// first match this stricter grammar: one or more <number><unit>, units from milliseconds to weeks.
const UNIT = '(?:ms|milliseconds?|s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|wks?|weeks?)';
const DURATION_WITH_UNITS = new RegExp(`^(?:\\d+(?:\\.\\d+)?\\s*${UNIT}\\s*)+$`, 'i');

export const DURATION_SYNTAX = 'a duration such as 90s, 15m, 2h, 1h30m or 1d (a plain number is seconds)';

/** Parses a positive duration to whole milliseconds; a plain integer is seconds. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  let ms: number | undefined;
  if (/^\d+$/.test(trimmed)) ms = Number(trimmed) * SECOND;
  else if (DURATION_WITH_UNITS.test(trimmed)) ms = parse(trimmed) ?? undefined;
  if (ms === undefined) return undefined;
  const rounded = Math.round(ms);
  return Number.isSafeInteger(rounded) && rounded > 0 ? rounded : undefined;
}

export interface DurationBounds {
  /** Inclusive, in milliseconds. */
  min?: number;
  /** Inclusive, in milliseconds. */
  max?: number;
}

export function validateDuration(
  text: string,
  field: string,
  bounds: DurationBounds = {},
): ValidationIssue | undefined {
  const ms = parseDuration(text);
  const { min, max } = bounds;
  const inRange = ms !== undefined && (min === undefined || ms >= min) && (max === undefined || ms <= max);
  if (inRange) return undefined;
  return { field, value: text, allowed: `${DURATION_SYNTAX}${describeBounds(bounds)}` };
}

function describeBounds({ min, max }: DurationBounds): string {
  if (min !== undefined && max !== undefined)
    return `, from ${formatDuration(min)} to ${formatDuration(max)}`;
  if (min !== undefined) return `, at least ${formatDuration(min)}`;
  if (max !== undefined) return `, at most ${formatDuration(max)}`;
  return '';
}

/**
 * Compact human duration, two or three units, zero-padded after the first: 45s, 3m05s, 1h02m03s, 1d02h.
 * Rounds down to the second, like a stopwatch; negative values show as 0s.
 */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / SECOND));
  const days = Math.floor(total / 86400);
  const hours = Math.floor((total % 86400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  if (days > 0) return `${days}d${pad(hours)}h`;
  if (hours > 0) return `${hours}h${pad(minutes)}m${pad(seconds)}s`;
  if (minutes > 0) return `${minutes}m${pad(seconds)}s`;
  return `${seconds}s`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

export const SINCE_SYNTAX = `${DURATION_SYNTAX} ago, or an ISO 8601 date or time such as 2024-05-01 or 2024-05-01T14:30:00Z (UTC unless it has an offset)`;

/** `--since`: a duration before `now` ("30d", "2h") or an ISO 8601 date/time (UTC unless it has an offset). */
export function parseSince(text: string, now: Date): Date | undefined {
  const trimmed = text.trim();
  const ago = parseDuration(trimmed);
  if (ago !== undefined) return new Date(now.getTime() - ago);
  return parseIsoDateTime(trimmed);
}

export function validateSince(text: string, now: Date, field = '--since'): ValidationIssue | undefined {
  return parseSince(text, now) ? undefined : { field, value: text, allowed: SINCE_SYNTAX };
}

function parseIsoDateTime(text: string): Date | undefined {
  const match = ISO_DATE_TIME.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', zone] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return undefined;
  if (day < 1 || day > daysInMonth(year, month)) return undefined;
  const offset = offsetMinutes(zone);
  if (offset === undefined) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, Math.floor(Number(`0.${fraction || '0'}`) * 1000));
  return new Date(date.getTime() - offset * MINUTE);
}

function daysInMonth(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
}

function offsetMinutes(zone: string | undefined): number | undefined {
  if (!zone || zone.toUpperCase() === 'Z') return 0;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2));
  if (hours > 23 || minutes > 59) return undefined;
  return (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
}
