/**
 * Cost reports: executions grouped by user, image, lock, day or month, with totals. Pure: the records
 * and their costs come in, the report and its table, JSON and CSV forms come out.
 */
import type { CostStatus } from './cost.js';

export const COST_GROUPINGS = ['user', 'image', 'lock', 'day', 'month'] as const;
export type CostGrouping = (typeof COST_GROUPINGS)[number];

export const REPORT_FORMATS = ['table', 'json', 'csv'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** One execution's part in a report. */
export interface CostLine {
  id: string;
  createdAt: string;
  callerArn: string;
  image: string;
  lockName?: string;
  costStatus: CostStatus;
  /** USD; absent when the cost is unavailable. */
  amount?: number;
}

export interface CostGroup {
  key: string;
  executions: number;
  /** USD: the sum of the known costs (exact and estimated). */
  amount: number;
  exact: number;
  estimated: number;
  /** Executions whose cost is unknown: not in `amount`, and never counted as zero. */
  unavailable: number;
}

export interface CostReport {
  by: CostGrouping;
  since: string;
  until: string;
  currency: 'USD';
  groups: CostGroup[];
  total: Omit<CostGroup, 'key'>;
}

export const NO_LOCK = '(no lock)';

/** The group an execution belongs to; days and months are UTC, from the creation time. */
export function groupKeyOf(line: CostLine, by: CostGrouping): string {
  switch (by) {
    case 'user':
      return line.callerArn;
    case 'image':
      return line.image;
    case 'lock':
      return line.lockName ?? NO_LOCK;
    case 'day':
      return line.createdAt.slice(0, 10);
    case 'month':
      return line.createdAt.slice(0, 7);
  }
}

function empty(): Omit<CostGroup, 'key'> {
  return { executions: 0, amount: 0, exact: 0, estimated: 0, unavailable: 0 };
}

function add(group: Omit<CostGroup, 'key'>, line: CostLine): void {
  group.executions++;
  if (line.costStatus === 'unavailable' || line.amount === undefined || !Number.isFinite(line.amount)) {
    group.unavailable++;
    return;
  }
  group.amount += line.amount;
  group[line.costStatus]++;
}

/**
 * Groups lines. Days and months are in time order; users, images and locks by cost, highest first
 * (then by name), so the biggest spender heads the table.
 */
export function buildCostReport(
  lines: readonly CostLine[],
  by: CostGrouping,
  range: { since: Date; until: Date },
): CostReport {
  const groups = new Map<string, CostGroup>();
  const total = empty();
  for (const line of lines) {
    const key = groupKeyOf(line, by);
    let group = groups.get(key);
    if (!group) {
      group = { key, ...empty() };
      groups.set(key, group);
    }
    add(group, line);
    add(total, line);
  }
  const chronological = by === 'day' || by === 'month';
  const sorted = [...groups.values()].sort((a, b) =>
    chronological
      ? a.key.localeCompare(b.key)
      : b.amount - a.amount || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
  );
  return {
    by,
    since: range.since.toISOString(),
    until: range.until.toISOString(),
    currency: 'USD',
    groups: sorted,
    total,
  };
}

/** USD with six decimals: a thousandth of a cent is 0.00001. */
export function formatAmount(amount: number): string {
  return amount.toFixed(6);
}

function csvField(text: string): string {
  return /[",\r\n]/.test(text) || /^[=+\-@\t]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const TOTAL_KEY = '(total)';

/** Whether every execution of a group has an unknown cost: its amount is unknown, never 0. */
export function amountUnknown(group: Omit<CostGroup, 'key'>): boolean {
  return group.executions > 0 && group.unavailable === group.executions;
}

/** A group as `--json` shows it: `amount` is null when every cost in it is unknown. */
export type CostGroupDocument = Omit<CostGroup, 'amount'> & { amount: number | null };

export interface CostReportDocument extends Omit<CostReport, 'groups' | 'total'> {
  groups: CostGroupDocument[];
  total: Omit<CostGroupDocument, 'key'>;
}

/** The `--json` form of a report: unknown is null, as the table's n/a and the CSV's empty cell. */
export function reportToDocument(report: CostReport): CostReportDocument {
  const doc = <G extends Omit<CostGroup, 'key'>>(g: G) => ({
    ...g,
    amount: amountUnknown(g) ? null : g.amount,
  });
  return { ...report, groups: report.groups.map(doc), total: doc(report.total) };
}

/**
 * CSV (RFC 4180): a header, one row per group, then a `(total)` row. Amounts are USD with six decimals,
 * and empty when every cost of the group is unknown; `unavailable` counts executions whose cost is
 * unknown and is not in `cost_usd`.
 */
export function reportToCsv(report: CostReport): string {
  const rows = [[report.by, 'executions', 'cost_usd', 'exact', 'estimated', 'unavailable']];
  for (const g of [...report.groups, { key: TOTAL_KEY, ...report.total }]) {
    rows.push([
      g.key,
      String(g.executions),
      amountUnknown(g) ? '' : formatAmount(g.amount),
      String(g.exact),
      String(g.estimated),
      String(g.unavailable),
    ]);
  }
  return `${rows.map((row) => row.map(csvField).join(',')).join('\r\n')}\r\n`;
}

/**
 * The rows of the human table: header, groups, total; amounts as dollars with four decimals, `n/a` for
 * a group of unknown costs only.
 */
export function reportToRows(report: CostReport): string[][] {
  const money = (n: number) => `$${n.toFixed(4)}`;
  const row = (key: string, g: Omit<CostGroup, 'key'>) => [
    key,
    String(g.executions),
    // A group whose every cost is unknown shows n/a, not $0.
    amountUnknown(g) ? 'n/a' : money(g.amount),
    g.estimated > 0 ? String(g.estimated) : '',
    g.unavailable > 0 ? String(g.unavailable) : '',
  ];
  return [
    [report.by.toUpperCase(), 'RUNS', 'COST', 'ESTIMATED', 'UNKNOWN'],
    ...report.groups.map((g) => row(g.key, g)),
    row('TOTAL', report.total),
  ];
}
