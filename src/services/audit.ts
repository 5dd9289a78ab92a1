import type { AuditEvent } from '../core/items.js';
import type { StackCommandContext } from '../context.js';

/** One line of the audit trail: who did what, when, from which host, and how it ended. */
export interface AuditRow {
  at: string;
  action: AuditEvent['action'];
  who: string;
  host: string;
  executionId?: string;
  lockName?: string;
  /** What was run or acted on: the image and command, a task, a lock. */
  what: string;
  /** For runs and adoptions, the execution's status now (its outcome once finished). */
  outcome?: string;
}

export interface AuditResult {
  since: string;
  until?: string;
  events: AuditRow[];
}

function commandText(command: unknown): string {
  return Array.isArray(command) ? command.map(String).join(' ') : '';
}

/** The words for what an event did, from its action and detail. */
export function describeEvent(event: AuditEvent): string {
  const detail = event.detail ?? {};
  switch (event.action) {
    case 'run':
    case 'adopt': {
      const image = typeof detail.image === 'string' ? detail.image : '';
      return [image, commandText(detail.command)].filter(Boolean).join(' -- ') || '-';
    }
    case 'kill':
      return `stopped task ${String(detail.taskArn ?? '?')
        .split('/')
        .pop()}`;
    case 'remove-from-active': {
      const problems = Array.isArray(detail.problems) ? `: ${detail.problems.map(String).join('; ')}` : '';
      return `took the malformed record of ${event.executionId ?? '?'} out of the active index${problems}`;
    }
    case 'policy-set':
    case 'policy-unset':
      return policyChangeText(detail);
    case 'lock-force-release':
      return `forced release of lock ${event.lockName ?? '?'} (fence ${String(detail.fence ?? '?')}) held by ${event.executionId ?? '?'}${detail.holderArn ? ` of ${String(detail.holderArn)}` : ''}`;
    default:
      return '-';
  }
}

/** `budget.perRun: (unset) -> 0.01`: the key of a team policy change, its old and its new value. */
function policyChangeText(detail: Record<string, unknown>): string {
  const key = typeof detail.key === 'string' ? detail.key : '?';
  const text = (value: unknown) =>
    value === null || value === undefined
      ? '(unset)'
      : Array.isArray(value)
        ? value.map(String).join(',')
        : String(value);
  return `team policy ${key}: ${text(detail.old)} -> ${text(detail.new)}`;
}

/**
 * Audit events in a period, oldest first (runs, kills, forced lock releases, adoptions), each with the
 * current outcome of the execution it concerns: one indexed Query, then one BatchGetItem per 100 runs.
 */
export async function auditTrail(
  ctx: Pick<StackCommandContext, 'store'>,
  range: { since: Date; until?: Date },
): Promise<AuditResult> {
  const events = await ctx.store.auditEvents(range);
  const ids = events.flatMap((e) => (e.executionId ? [e.executionId] : []));
  const records = ids.length ? await ctx.store.getExecutions(ids) : new Map();
  return {
    since: range.since.toISOString(),
    ...(range.until ? { until: range.until.toISOString() } : {}),
    events: events.map((event) => {
      const record = event.executionId ? records.get(event.executionId) : undefined;
      const outcome =
        event.action === 'run' || event.action === 'adopt' || event.action === 'kill'
          ? record
            ? `${record.status}${record.exitCode !== undefined && record.exitCode !== null ? ` (exit ${record.exitCode})` : ''}`
            : 'record not found'
          : event.action === 'remove-from-active'
            ? 'removed from the active index'
            : event.action === 'policy-set' || event.action === 'policy-unset'
              ? `policy version ${String(event.detail?.version ?? '?')}`
              : 'released';
      return {
        at: event.at,
        action: event.action,
        who: event.actorArn,
        host: event.host,
        ...(event.executionId ? { executionId: event.executionId } : {}),
        ...(event.lockName ? { lockName: event.lockName } : {}),
        what: describeEvent(event),
        outcome,
      };
    }),
  };
}

const CSV_COLUMNS = ['at', 'action', 'who', 'host', 'executionId', 'lockName', 'what', 'outcome'] as const;

function csvField(value: string): string {
  return /[",\r\n]/.test(value) || /^[=+\-@]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** RFC 4180 CSV with a header line. */
export function auditCsv(rows: AuditRow[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const row of rows) lines.push(CSV_COLUMNS.map((c) => csvField(String(row[c] ?? ''))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
