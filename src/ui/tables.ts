import Table from 'cli-table3';
import { formatDuration } from '../core/duration.js';
import type { ExecutionRecord } from '../core/execution.js';
import { isTerminal } from '../core/status.js';
import { displayCommand } from '../core/shell-quote.js';
import { isoSeconds } from '../core/time.js';
import type { AuditRow } from '../services/audit.js';
import type { ReconcileReport } from '../services/reconcile.js';

/** Table rendering for list, reconcile and audit: boxed in a terminal, plain columns in a pipe. */
export interface TableStyle {
  /** Boxes and colour (a TTY); otherwise space-separated columns that `grep` and `awk` can read. */
  boxed: boolean;
  width?: number;
}

/** No borders, two spaces between columns: what `grep` and `awk` read. */
const PLAIN_CHARS = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: '  ',
};

export function renderTable(header: string[], rows: string[][], style: TableStyle): string {
  const table = style.boxed
    ? new Table({ head: header, style: { head: [], border: [] }, wordWrap: false })
    : new Table({
        head: header,
        chars: PLAIN_CHARS,
        style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
        wordWrap: false,
      });
  table.push(...rows);
  const text = table.toString();
  return style.boxed
    ? text
    : text
        .split('\n')
        .map((line) => line.trimEnd())
        .join('\n');
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** How long a run took, or has been running. */
export function elapsed(record: ExecutionRecord, now: number): string {
  const start = Date.parse(record.startedAt ?? record.createdAt);
  // A finished run without a stop time (ECS did not say) has no duration to show.
  if (!record.stoppedAt && isTerminal(record.status)) return '-';
  const end = record.stoppedAt ? Date.parse(record.stoppedAt) : now;
  return Number.isNaN(start) || Number.isNaN(end) ? '-' : formatDuration(end - start);
}

function shortWho(arn: string): string {
  // arn:aws:sts::123456789012:assumed-role/Role/session -> Role/session
  const resource = arn.split(':').slice(5).join(':');
  return resource.replace(/^(user|assumed-role|role)\//, '') || arn;
}

export function cost(record: Pick<ExecutionRecord, 'cost' | 'costStatus'>): string {
  if (record.cost === undefined) return '-';
  return `$${record.cost.toFixed(4)}${record.costStatus === 'estimated' ? '~' : ''}`;
}

/** `cli`, `adopted`, or `schedule:NAME` for a run a runvoy schedule started. */
export function originText(record: Pick<ExecutionRecord, 'origin' | 'scheduleName'>): string {
  return record.origin === 'schedule' ? `schedule:${record.scheduleName ?? '?'}` : record.origin;
}

export function executionsTable(records: ExecutionRecord[], style: TableStyle, now = Date.now()): string {
  const header = ['ID', 'STATUS', 'ORIGIN', 'CREATED', 'DURATION', 'WHO', 'LOCK', 'IMAGE', 'COMMAND', 'COST'];
  const rows = records.map((r) => [
    r.id,
    `${r.status}${r.origin === 'adopted' ? '*' : ''}`,
    originText(r),
    isoSeconds(r.createdAt),
    elapsed(r, now),
    truncate(shortWho(r.callerArn), 32),
    r.lockName ?? '-',
    truncate(r.image, 40),
    truncate(displayCommand(r.command, r.shell), 40) || '-',
    cost(r),
  ]);
  return renderTable(header, rows, style);
}

export function reconcileTable(report: ReconcileReport, style: TableStyle): string {
  const header = ['ACTION', 'EXECUTION', 'LOCK', 'FROM', 'TO', 'DETAIL'];
  const rows = report.actions.map((a) => [
    a.action,
    a.executionId ?? '-',
    a.lockName ?? '-',
    a.from ?? '-',
    a.to ?? '-',
    truncate(a.detail, 80),
  ]);
  return renderTable(header, rows, style);
}

export function auditTable(rows: AuditRow[], style: TableStyle): string {
  const header = ['WHEN', 'ACTION', 'WHO', 'HOST', 'EXECUTION', 'LOCK', 'WHAT', 'OUTCOME'];
  return renderTable(
    header,
    rows.map((r) => [
      isoSeconds(r.at),
      r.action,
      truncate(shortWho(r.who), 32),
      truncate(r.host, 24),
      r.executionId ?? '-',
      r.lockName ?? '-',
      truncate(r.what, 60),
      r.outcome ?? '-',
    ]),
    style,
  );
}
