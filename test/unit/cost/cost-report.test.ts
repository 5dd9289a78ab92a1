import { describe, expect, it } from 'vitest';
import {
  buildCostReport,
  formatAmount,
  groupKeyOf,
  NO_LOCK,
  reportToCsv,
  reportToDocument,
  reportToRows,
  type CostLine,
} from '../../../src/core/cost-report.js';

const ALICE = 'arn:aws:sts::123456789012:assumed-role/dev/alice';
const BOB = 'arn:aws:sts::123456789012:assumed-role/dev/bob';
const RANGE = { since: new Date('2026-11-01T00:00:00Z'), until: new Date('2026-11-30T00:00:00Z') };

function line(overrides: Partial<CostLine>): CostLine {
  return {
    id: 'id',
    createdAt: '2026-11-10T12:00:00.000Z',
    callerArn: ALICE,
    image: 'alpine:3.20',
    costStatus: 'exact',
    amount: 0.01,
    ...overrides,
  };
}

const LINES: CostLine[] = [
  line({ id: 'a1', amount: 0.5, lockName: 'prod' }),
  line({ id: 'a2', amount: 0.25, costStatus: 'estimated', createdAt: '2026-11-11T01:00:00.000Z' }),
  line({ id: 'a3', costStatus: 'unavailable', amount: undefined, createdAt: '2026-11-11T02:00:00.000Z' }),
  line({ id: 'b1', callerArn: BOB, amount: 2, image: 'terraform:1.9', lockName: 'prod' }),
  line({ id: 'b2', callerArn: BOB, amount: 0.125, createdAt: '2026-10-31T23:59:59.000Z' }),
];

describe('buildCostReport', () => {
  it('groups by user, sums known costs, counts unknown ones apart, and totals', () => {
    const report = buildCostReport(LINES, 'user', RANGE);
    expect(report.by).toBe('user');
    expect(report.currency).toBe('USD');
    expect(report.since).toBe('2026-11-01T00:00:00.000Z');
    expect(report.groups).toEqual([
      { key: BOB, executions: 2, amount: 2.125, exact: 2, estimated: 0, unavailable: 0 },
      { key: ALICE, executions: 3, amount: 0.75, exact: 1, estimated: 1, unavailable: 1 },
    ]);
    expect(report.total).toEqual({ executions: 5, amount: 2.875, exact: 3, estimated: 1, unavailable: 1 });
  });

  it('groups by image and lock, executions without a lock together', () => {
    expect(buildCostReport(LINES, 'image', RANGE).groups.map((g) => [g.key, g.amount])).toEqual([
      ['terraform:1.9', 2],
      ['alpine:3.20', 0.875],
    ]);
    expect(buildCostReport(LINES, 'lock', RANGE).groups.map((g) => [g.key, g.executions, g.amount])).toEqual([
      ['prod', 2, 2.5],
      [NO_LOCK, 3, 0.375],
    ]);
  });

  it('groups by UTC day and month, in time order', () => {
    expect(buildCostReport(LINES, 'day', RANGE).groups.map((g) => [g.key, g.executions, g.amount])).toEqual([
      ['2026-10-31', 1, 0.125],
      ['2026-11-10', 2, 2.5],
      ['2026-11-11', 2, 0.25],
    ]);
    expect(buildCostReport(LINES, 'month', RANGE).groups.map((g) => [g.key, g.amount])).toEqual([
      ['2026-10', 0.125],
      ['2026-11', 2.75],
    ]);
  });

  // Issue 11: the CSV printed 0.000000 and the JSON 0 where the table printed n/a.
  it('a group whose costs are all unknown is unknown in every format: n/a, an empty CSV cell, JSON null', () => {
    const report = buildCostReport([line({ costStatus: 'unavailable', amount: undefined })], 'user', RANGE);
    expect(report.groups[0]).toMatchObject({ executions: 1, unavailable: 1, exact: 0 });
    expect(reportToCsv(report).split('\r\n')[1]).toBe(`${ALICE},1,,0,0,1`);
    expect(reportToCsv(report).split('\r\n')[2]).toBe(`(total),1,,0,0,1`);
    expect(reportToRows(report)[1]).toEqual([ALICE, '1', 'n/a', '', '1']);
    const doc = reportToDocument(report);
    expect(doc.groups[0]).toMatchObject({ amount: null, unavailable: 1 });
    expect(doc.total).toMatchObject({ amount: null, unavailable: 1 });
  });

  it('a group with some known costs shows their sum in every format, and counts the unknown apart', () => {
    const report = buildCostReport(
      [line({ costStatus: 'unavailable', amount: undefined }), line({ id: 'a9', amount: 0.5 })],
      'user',
      RANGE,
    );
    expect(reportToCsv(report).split('\r\n')[1]).toBe(`${ALICE},2,0.500000,1,0,1`);
    expect(reportToRows(report)[1]).toEqual([ALICE, '2', '$0.5000', '', '1']);
    expect(reportToDocument(report).groups[0]).toMatchObject({ amount: 0.5, unavailable: 1 });
  });

  it('an empty report spent nothing: 0, known', () => {
    const doc = reportToDocument(buildCostReport([], 'user', RANGE));
    expect(doc.total).toMatchObject({ executions: 0, amount: 0 });
  });

  it('an empty range gives no groups and zero totals', () => {
    const report = buildCostReport([], 'day', RANGE);
    expect(report.groups).toEqual([]);
    expect(report.total).toEqual({ executions: 0, amount: 0, exact: 0, estimated: 0, unavailable: 0 });
  });

  it('ties on cost are ordered by name', () => {
    const lines = [line({ callerArn: BOB, amount: 1 }), line({ callerArn: ALICE, amount: 1 })];
    expect(buildCostReport(lines, 'user', RANGE).groups.map((g) => g.key)).toEqual([ALICE, BOB]);
  });

  it('groupKeyOf', () => {
    expect(groupKeyOf(line({}), 'month')).toBe('2026-11');
    expect(groupKeyOf(line({}), 'lock')).toBe(NO_LOCK);
  });
});

describe('report output', () => {
  it('CSV: header named after the grouping, six decimals, a total row, CRLF', () => {
    const csv = reportToCsv(buildCostReport(LINES, 'user', RANGE));
    expect(csv).toBe(
      [
        'user,executions,cost_usd,exact,estimated,unavailable',
        `${BOB},2,2.125000,2,0,0`,
        `${ALICE},3,0.750000,1,1,1`,
        '(total),5,2.875000,3,1,1',
        '',
      ].join('\r\n'),
    );
  });

  it('CSV quotes commas and quotes and defuses formulas', () => {
    const lines = [
      line({ image: 'repo/app:"x",y', amount: 1 }),
      line({ image: '=HYPERLINK("x")', amount: 0.5 }),
    ];
    const rows = reportToCsv(buildCostReport(lines, 'image', RANGE)).split('\r\n');
    expect(rows[1]).toBe('"repo/app:""x"",y",1,1.000000,1,0,0');
    expect(rows[2]).toBe('"=HYPERLINK(""x"")",1,0.500000,1,0,0');
  });

  it('formatAmount has a thousandth of a cent or finer', () => {
    expect(formatAmount(0.0082283333)).toBe('0.008228');
    expect(formatAmount(2)).toBe('2.000000');
  });

  it('table rows: header, groups, total', () => {
    const rows = reportToRows(buildCostReport(LINES, 'user', RANGE));
    expect(rows[0]).toEqual(['USER', 'RUNS', 'COST', 'ESTIMATED', 'UNKNOWN']);
    expect(rows[2]).toEqual([ALICE, '3', '$0.7500', '1', '1']);
    expect(rows.at(-1)).toEqual(['TOTAL', '5', '$2.8750', '1', '1']);
  });
});

describe('report properties', () => {
  /** A small deterministic generator (LCG), so that failures reproduce. */
  function lcg(seed: number): () => number {
    let state = seed >>> 0;
    return () => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return state / 2 ** 32;
    };
  }

  const random = lcg(7);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const statuses = ['exact', 'estimated', 'unavailable'] as const;
  const lines: CostLine[] = Array.from({ length: 400 }, (_, i) => {
    const costStatus = pick(statuses);
    return {
      id: `id${i}`,
      createdAt: new Date(
        Date.parse('2026-09-01T00:00:00Z') + Math.floor(random() * 90 * 86_400_000),
      ).toISOString(),
      callerArn: pick([ALICE, BOB, 'arn:aws:iam::123456789012:user/ci']),
      image: pick(['alpine:3.20', 'terraform:1.9', 'node:20']),
      ...(random() < 0.5 ? { lockName: pick(['prod', 'staging']) } : {}),
      costStatus,
      ...(costStatus === 'unavailable' ? {} : { amount: Math.round(random() * 1e6) / 1e6 }),
    };
  });
  const known = lines.reduce((sum, l) => sum + (l.amount ?? 0), 0);

  it.each(['user', 'image', 'lock', 'day', 'month'] as const)(
    'by %s: the groups add up to the total, whatever the grouping',
    (by) => {
      const report = buildCostReport(lines, by, RANGE);
      const sum = (f: (g: (typeof report.groups)[number]) => number) =>
        report.groups.reduce((s, g) => s + f(g), 0);
      expect(sum((g) => g.executions)).toBe(lines.length);
      expect(sum((g) => g.amount)).toBeCloseTo(known, 9);
      expect(report.total.amount).toBeCloseTo(known, 9);
      expect(sum((g) => g.unavailable)).toBe(lines.filter((l) => l.costStatus === 'unavailable').length);
      for (const g of report.groups) expect(g.exact + g.estimated + g.unavailable).toBe(g.executions);
      expect(new Set(report.groups.map((g) => g.key)).size).toBe(report.groups.length);
    },
  );

  it('adding an execution never lowers any group or the total', () => {
    const before = buildCostReport(lines.slice(0, 300), 'user', RANGE);
    const after = buildCostReport(lines, 'user', RANGE);
    for (const g of before.groups) {
      expect(after.groups.find((a) => a.key === g.key)?.amount ?? -1).toBeGreaterThanOrEqual(g.amount);
    }
    expect(after.total.amount).toBeGreaterThanOrEqual(before.total.amount);
  });
});
