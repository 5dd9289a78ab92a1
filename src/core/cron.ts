import { Cron } from 'croner';
import type { ValidationIssue } from './errors.js';

/*
 * A standard 5-field cron expression (minute hour day-of-month month day-of-week, as in crontab(5)) turned
 * into EventBridge Scheduler's 6-field `cron(minutes hours day-of-month month day-of-week year)`.
 * The two differ (EventBridge Scheduler User Guide, "Schedule types", cron-based schedules):
 *   - day-of-week is 1-7 for SUN-SAT in EventBridge, 0-7 (0 and 7 Sunday) in crontab;
 *   - EventBridge needs "?" in one of day-of-month and day-of-week, and cannot say "either of the two", which
 *     crontab means when both are restricted: runvoy refuses that instead of guessing;
 *   - EventBridge has no step ("/") in day-of-week, and the steps of the other fields are written start/step.
 * So runvoy reads each field into the set of values it means and writes that set back in EventBridge's
 * syntax. Only what crontab(5) allows is accepted (numbers, names, *, ranges, steps, lists, and the @daily
 * family); EventBridge's own extensions (?, L, W, #) are refused with a clear message.
 */

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] as const;
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;

const FIELDS: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day of week', min: 0, max: 7, names: DAYS },
];

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

export const CRON_SYNTAX =
  'five fields "MINUTE HOUR DAY-OF-MONTH MONTH DAY-OF-WEEK" as in crontab (numbers, JAN-DEC, SUN-SAT, *, ' +
  'ranges a-b, steps */n or a-b/n, lists a,b), or @hourly, @daily, @weekly, @monthly, @yearly';

export interface CronSchedule {
  /** The 5-field expression as given (a macro expanded). */
  cron: string;
  /** EventBridge Scheduler's `cron(...)` form. */
  expression: string;
}

interface ParsedField {
  values: Set<number>;
  /** The field is a bare `*`: not restricted (matters for day of month and day of week). */
  star: boolean;
}

/** A 5-field cron expression as EventBridge's `cron(...)`, or what is wrong with it. */
export function toEventBridgeCron(text: string, field = '--cron'): CronSchedule | ValidationIssue {
  const trimmed = text.trim();
  const issue = (hint: string): ValidationIssue => ({ field, value: text, allowed: CRON_SYNTAX, hint });
  if (/^(cron|rate|at)\(/i.test(trimmed)) {
    return issue(
      `Give the five crontab fields; runvoy writes EventBridge's ${trimmed.slice(0, trimmed.indexOf('('))}(...) form itself.`,
    );
  }
  const cron = MACROS[trimmed.toLowerCase()] ?? trimmed;
  if (cron.startsWith('@')) return issue(`${trimmed} is not one of the macros.`);
  const parts = cron.split(/\s+/).filter((p) => p !== '');
  if (parts.length !== 5) {
    return issue(
      parts.length === 6
        ? 'It has 6 fields: seconds or a year are not part of a crontab expression.'
        : `It has ${parts.length} field${parts.length === 1 ? '' : 's'}, not 5.`,
    );
  }
  const parsed: ParsedField[] = [];
  for (const [index, spec] of FIELDS.entries()) {
    const result = parseField(parts[index] ?? '', spec);
    if (typeof result === 'string') return issue(`The ${spec.name} field "${parts[index]}": ${result}`);
    parsed.push(result);
  }
  const [minute, hour, dom, month, dow] = parsed as [
    ParsedField,
    ParsedField,
    ParsedField,
    ParsedField,
    ParsedField,
  ];
  if (!dom.star && !dow.star) {
    return issue(
      'Both day of month and day of week are restricted: crontab then fires on either, which EventBridge ' +
        'cannot express. Put * in one of them, or create two schedules.',
    );
  }
  const days = new Set([...dow.values].map((d) => d % 7));
  const expression = [
    render(minute.values, FIELDS[0] as FieldSpec),
    render(hour.values, FIELDS[1] as FieldSpec),
    dom.star ? (dow.star ? '*' : '?') : render(dom.values, FIELDS[2] as FieldSpec),
    month.star ? '*' : render(month.values, FIELDS[3] as FieldSpec),
    dow.star ? '?' : renderDays(days),
    '*',
  ].join(' ');
  const schedule = { cron: parts.join(' '), expression: `cron(${expression})` };
  if (schedule.expression.length > EXPRESSION_MAX_LENGTH) {
    return issue(
      `As EventBridge writes it, ${schedule.expression} is longer than its ${EXPRESSION_MAX_LENGTH} characters: use fewer values.`,
    );
  }
  if (nextFireTimes(schedule, 'UTC', 1, new Date(Date.UTC(2000, 0, 1))).length === 0) {
    return issue('It never fires (a day that no month in it has).');
  }
  return schedule;
}

function parseField(text: string, spec: FieldSpec): ParsedField | string {
  if (text === '*') return { values: range(spec.min, spec.max, 1), star: true };
  if (/[?LW#]/i.test(text.replace(/[A-Z]{3}/gi, (m) => (spec.names?.includes(m.toUpperCase()) ? '' : m)))) {
    return '?, L, W and # are EventBridge extensions, not crontab; use numbers, names, *, ranges, steps and lists.';
  }
  const values = new Set<number>();
  for (const item of text.split(',')) {
    const match = /^(\*|[A-Za-z0-9]+(?:-[A-Za-z0-9]+)?)(?:\/(\d+))?$/.exec(item);
    if (!match) return `"${item}" is not a value, a range, a step or *.`;
    if (match[2] !== undefined && !/^\*$|-/.test(match[1] ?? ''))
      return `"${item}": a step follows * or a range (*/n, a-b/n), as in crontab.`;
    const [, base = '', stepText] = match;
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1 || step > spec.max)
      return `the step "${stepText}" must be 1 to ${spec.max}.`;
    let from: number;
    let to: number;
    if (base === '*') {
      from = spec.min;
      to = spec.name === 'day of week' ? 6 : spec.max;
    } else {
      const [a = '', b] = base.split('-');
      const start = valueOf(a, spec);
      if (typeof start === 'string') return start;
      from = start;
      if (b === undefined) to = start;
      else {
        const end = valueOf(b, spec);
        if (typeof end === 'string') return end;
        to = end;
      }
      if (to < from) return `the range "${base}" goes backwards.`;
    }
    for (const v of range(from, to, step)) values.add(v);
  }
  return { values, star: false };
}

function valueOf(text: string, spec: FieldSpec): number | string {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n >= spec.min && n <= spec.max ? n : `${text} is outside ${spec.min}-${spec.max}.`;
  }
  const index = spec.names?.indexOf(text.toUpperCase() as never) ?? -1;
  if (index === -1)
    return spec.names
      ? `"${text}" is not a number or one of ${spec.names.join(', ')}.`
      : `"${text}" is not a number.`;
  return spec.name === 'month' ? index + 1 : index;
}

function range(from: number, to: number, step: number): Set<number> {
  const out = new Set<number>();
  for (let v = from; v <= to; v += step) out.add(v);
  return out;
}

/** A set of values as EventBridge reads it: `*`, or a list of single values and ranges. */
function render(values: Set<number>, spec: FieldSpec): string {
  if (values.size === spec.max - spec.min + 1) return '*';
  return runs([...values].sort((a, b) => a - b))
    .map(([a, b]) => (a === b ? String(a) : `${a}-${b}`))
    .join(',');
}

/** Days (0 Sunday .. 6 Saturday) as EventBridge's SUN-SAT names, which read the same in both syntaxes. */
function renderDays(days: Set<number>): string {
  if (days.size === 7) return '*';
  return runs([...days].sort((a, b) => a - b))
    .map(([a, b]) => (a === b ? DAYS[a] : `${DAYS[a]}-${DAYS[b]}`))
    .join(',');
}

function runs(sorted: number[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const v of sorted) {
    const last = out[out.length - 1];
    if (last && last[1] === v - 1) last[1] = v;
    else out.push([v, v]);
  }
  return out;
}

/** An IANA time zone name that EventBridge and Intl both know, or what is wrong with it. */
export function validateTimezone(zone: string, field = '--timezone'): ValidationIssue | undefined {
  const allowed = 'an IANA time zone name such as UTC, Europe/Paris or America/New_York';
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]{0,49}$/.test(zone)) return { field, value: zone, allowed };
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return undefined;
  } catch {
    return { field, value: zone, allowed, hint: 'This system does not know that zone.' };
  }
}

/**
 * The next `count` times the schedule fires after `from`, in the given time zone: read from the EventBridge
 * expression itself, so that what runvoy shows is what EventBridge was given.
 */
export function nextFireTimes(schedule: CronSchedule, timezone: string, count: number, from: Date): Date[] {
  const fields = /^cron\((.*) \*\)$/.exec(schedule.expression)?.[1]?.split(' ');
  if (fields?.length !== 5) throw new Error(`Not a cron expression of runvoy's: ${schedule.expression}`);
  const pattern = fields.map((f) => (f === '?' ? '*' : f)).join(' ');
  return new Cron(pattern, { timezone, paused: true }).nextRuns(count, from);
}
const EXPRESSION_MAX_LENGTH = 256;
