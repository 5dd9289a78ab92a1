import { describe, expect, it } from 'vitest';
import {
  nextFireTimes,
  toEventBridgeCron,
  validateTimezone,
  type CronSchedule,
} from '../../../src/core/cron.js';
import type { ValidationIssue } from '../../../src/core/errors.js';

function ok(text: string): CronSchedule {
  const result = toEventBridgeCron(text);
  if (!('expression' in result)) throw new Error(`refused ${text}: ${result.hint}`);
  return result;
}

function refused(text: string): ValidationIssue {
  const result = toEventBridgeCron(text);
  if ('expression' in result) throw new Error(`accepted ${text} as ${result.expression}`);
  return result;
}

describe('toEventBridgeCron', () => {
  it.each([
    ['0 3 * * *', 'cron(0 3 * * ? *)'],
    ['*/15 * * * *', 'cron(0,15,30,45 * * * ? *)'],
    ['30 8 * * 1-5', 'cron(30 8 ? * MON-FRI *)'],
    ['30 8 * * mon-fri', 'cron(30 8 ? * MON-FRI *)'],
    ['0 0 * * 0', 'cron(0 0 ? * SUN *)'],
    ['0 0 * * 7', 'cron(0 0 ? * SUN *)'],
    ['0 0 * * 5-7', 'cron(0 0 ? * SUN,FRI-SAT *)'],
    ['0 0 * * */2', 'cron(0 0 ? * SUN,TUE,THU,SAT *)'],
    ['0 12 1,15 * *', 'cron(0 12 1,15 * ? *)'],
    ['0 12 1 */3 *', 'cron(0 12 1 1,4,7,10 ? *)'],
    ['0 12 1 jan,JUL *', 'cron(0 12 1 1,7 ? *)'],
    ['5-10/2 0-23 * * *', 'cron(5,7,9 * * * ? *)'],
    ['0 9 * * 1-5/2', 'cron(0 9 ? * MON,WED,FRI *)'],
    ['  0   3 * *   * ', 'cron(0 3 * * ? *)'],
    ['@daily', 'cron(0 0 * * ? *)'],
    ['@hourly', 'cron(0 * * * ? *)'],
    ['@weekly', 'cron(0 0 ? * SUN *)'],
    ['@yearly', 'cron(0 0 1 1 ? *)'],
  ])('%s becomes %s', (cron, expression) => {
    expect(ok(cron).expression).toBe(expression);
  });

  it('keeps the 5 fields as given, a macro expanded', () => {
    expect(ok('  0   3 * *   * ').cron).toBe('0 3 * * *');
    expect(ok('@monthly').cron).toBe('0 0 1 * *');
  });

  it.each([
    ['0 3 * *', /4 fields, not 5/],
    ['0 0 3 * * *', /6 fields/],
    ['', /0 fields/],
    ['60 * * * *', /minute field "60": 60 is outside 0-59/],
    ['0 24 * * *', /hour field "24": 24 is outside 0-23/],
    ['0 0 0 * *', /day of month field "0": 0 is outside 1-31/],
    ['0 0 * 13 *', /month field "13"/],
    ['0 0 * * 8', /day of week field "8"/],
    ['0 0 * * FOO', /"FOO" is not a number or one of SUN/],
    ['0 0 1 * 1', /Both day of month and day of week are restricted/],
    ['0 0 ? * 1', /EventBridge extensions/],
    ['0 0 L * *', /EventBridge extensions/],
    ['0 0 * * 1#2', /EventBridge extensions/],
    ['0 0 15W * *', /EventBridge extensions/],
    ['10-5 * * * *', /goes backwards/],
    ['1/2 * * * *', /a step follows \* or a range/],
    ['*/0 * * * *', /step "0"/],
    ['1,,2 * * * *', /"" is not a value/],
    ['0 0 30 2 *', /never fires/],
    ['cron(0 3 * * ? *)', /runvoy writes EventBridge's cron\(\.\.\.\) form itself/],
    ['@often', /not one of the macros/],
  ])('refuses %j', (cron, hint) => {
    const issue = refused(cron);
    expect(issue.field).toBe('--cron');
    expect(issue.value).toBe(cron);
    expect(issue.allowed).toMatch(/five fields/);
    expect(issue.hint).toMatch(hint);
  });

  it('names the field it was given', () => {
    expect(toEventBridgeCron('x', 'cron')).toMatchObject({ field: 'cron' });
  });
});

describe('nextFireTimes', () => {
  it('counts in the time zone', () => {
    const from = new Date('2026-12-02T10:00:00Z');
    const utc = nextFireTimes(ok('0 3 * * *'), 'UTC', 3, from).map((d) => d.toISOString());
    expect(utc).toEqual(['2026-12-03T03:00:00.000Z', '2026-12-04T03:00:00.000Z', '2026-12-05T03:00:00.000Z']);
    // Paris is UTC+1 in winter and UTC+2 in summer.
    expect(nextFireTimes(ok('0 3 * * *'), 'Europe/Paris', 1, from)[0]?.toISOString()).toBe(
      '2026-12-03T02:00:00.000Z',
    );
    expect(
      nextFireTimes(ok('0 3 * * *'), 'Europe/Paris', 1, new Date('2026-07-01T00:00:00Z'))[0]?.toISOString(),
    ).toBe('2026-07-01T01:00:00.000Z');
  });

  it('reads day of week as crontab does (0 and 7 are Sunday)', () => {
    const from = new Date('2026-12-02T10:00:00Z'); // a Wednesday
    for (const cron of ['0 0 * * 0', '0 0 * * 7', '0 0 * * sun']) {
      expect(nextFireTimes(ok(cron), 'UTC', 1, from)[0]?.toISOString()).toBe('2026-12-06T00:00:00.000Z');
    }
    expect(nextFireTimes(ok('0 9 * * 1-5'), 'UTC', 3, from).map((d) => d.getUTCDay())).toEqual([4, 5, 1]);
  });
});

describe('validateTimezone', () => {
  it.each(['UTC', 'Europe/Paris', 'America/New_York', 'Etc/GMT+5'])('accepts %s', (zone) => {
    expect(validateTimezone(zone)).toBeUndefined();
  });

  it.each(['Mars/Olympus', 'Europe/Paris; rm', '', '../etc'])('refuses %j', (zone) => {
    expect(validateTimezone(zone)).toMatchObject({ field: '--timezone', value: zone });
  });
});
