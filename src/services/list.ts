import type { Task } from '@aws-sdk/client-ecs';
import { describeTasks } from '../aws/tasks.js';
import type { ExecutionRecord } from '../core/execution.js';
import { isTerminal, TERMINAL_STATUSES, type ExecutionStatus } from '../core/status.js';
import { policyDenial } from '../aws/errors.js';
import { taskOutcome } from '../core/task-result.js';
import { contextFromTask, finaliseExecution } from './finalise.js';
import type { StackCommandContext } from '../context.js';

/** What listing and refreshing executions use of the command context. */
type ListContext = Pick<StackCommandContext, 'clients' | 'store' | 'stack' | 'warn'>;

export interface ListOptions {
  statuses?: ExecutionStatus[];
  /** A caller ARN (`me` already resolved). */
  callerArn?: string;
  lock?: string;
  image?: string;
  since?: Date;
  limit: number;
  cursor?: string;
  /** Refresh the non-terminal rows shown with one DescribeTasks call (default true). */
  refresh?: boolean;
}

export interface ListResult {
  executions: ExecutionRecord[];
  /** Give it to --cursor for the next page; absent on the last page. */
  cursor?: string;
  /** DynamoDB requests made for the page. */
  requests: number;
  /** IDs of rows that this call finalised because their task had stopped. */
  refreshed: string[];
  index: 'byKind' | 'byUser' | 'active';
}

/**
 * Recent executions newest first, from an index (never a Scan): `active` when only non-terminal statuses
 * are asked for, `byUser` for one caller, otherwise `byKind`, with lock, image and status as filters.
 */
export async function listExecutions(ctx: ListContext, options: ListOptions): Promise<ListResult> {
  const statuses = options.statuses?.length ? options.statuses : undefined;
  let page: { items: ExecutionRecord[]; cursor?: string; requests: number };
  let index: ListResult['index'];
  if (statuses && statuses.every((s) => !isTerminal(s))) {
    // The sparse `active` index holds exactly the unfinished runs: few, so read them all and filter here.
    index = 'active';
    const all = await ctx.store.activeExecutions({ newestFirst: true });
    const items = all.items
      .filter((r) => statuses.includes(r.status))
      .filter((r) => options.callerArn === undefined || r.callerArn === options.callerArn)
      .filter((r) => options.lock === undefined || r.lockName === options.lock)
      .filter((r) => options.image === undefined || r.image === options.image)
      .filter((r) => options.since === undefined || r.createdAt >= options.since.toISOString())
      .sort((a, b) =>
        a.createdAt === b.createdAt ? b.id.localeCompare(a.id) : b.createdAt.localeCompare(a.createdAt),
      );
    page = { items: items.slice(0, options.limit), requests: all.requests };
  } else {
    index = options.callerArn === undefined ? 'byKind' : 'byUser';
    page = await ctx.store.queryExecutions({
      callerArn: options.callerArn,
      since: options.since,
      limit: options.limit,
      cursor: options.cursor,
      filter: listFilter(options.lock, options.image, statuses),
    });
  }
  const refreshed =
    options.refresh === false ? { records: page.items, finalised: [] } : await refreshRows(ctx, page.items);
  return {
    executions: refreshed.records,
    ...(page.cursor ? { cursor: page.cursor } : {}),
    requests: page.requests,
    refreshed: refreshed.finalised,
    index,
  };
}

/** The FilterExpression for --lock, --image and --status (applied by DynamoDB after the indexed read). */
export function listFilter(
  lock: string | undefined,
  image: string | undefined,
  statuses: ExecutionStatus[] | undefined,
): { expression: string; names: Record<string, string>; values: Record<string, unknown> } | undefined {
  const parts: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  if (lock !== undefined) {
    parts.push('#lockName = :lock');
    names['#lockName'] = 'lockName';
    values[':lock'] = lock;
  }
  if (image !== undefined) {
    parts.push('#image = :image');
    names['#image'] = 'image';
    values[':image'] = image;
  }
  if (statuses?.length) {
    names['#status'] = 'status';
    statuses.forEach((s, i) => (values[`:status${i}`] = s));
    parts.push(`#status IN (${statuses.map((_, i) => `:status${i}`).join(', ')})`);
  }
  return parts.length ? { expression: parts.join(' AND '), names, values } : undefined;
}

/**
 * Brings the non-terminal rows up to date with one DescribeTasks call per cluster (at most 100 tasks a
 * call): rows whose task has stopped are finalised, as reconcile would. Other rows are shown as read.
 */
export async function refreshRows(
  ctx: ListContext,
  records: ExecutionRecord[],
): Promise<{ records: ExecutionRecord[]; finalised: string[] }> {
  const open = records.filter((r) => !isTerminal(r.status) && r.taskArn);
  if (open.length === 0) return { records, finalised: [] };
  const byCluster = new Map<string, ExecutionRecord[]>();
  for (const record of open) {
    const cluster = record.clusterArn ?? ctx.stack.outputs.clusterName;
    byCluster.set(cluster, [...(byCluster.get(cluster) ?? []), record]);
  }
  const tasks = new Map<string, Task>();
  for (const [cluster, rows] of byCluster) {
    for (const task of await describeTasks(
      ctx.clients,
      cluster,
      rows.map((r) => r.taskArn as string),
    )) {
      if (task.taskArn) tasks.set(task.taskArn, task);
    }
  }
  const updated = new Map<string, ExecutionRecord>();
  const shown = new Map<string, ExecutionRecord>();
  for (const record of open) {
    const task = tasks.get(record.taskArn as string);
    if (task?.lastStatus !== 'STOPPED') continue;
    try {
      const done = await finaliseExecution(ctx, record, task);
      updated.set(record.id, done.record);
    } catch (error) {
      const denial = policyDenial(error);
      if (!denial) throw error;
      // A viewer reads and does not write: show what ECS says, and leave recording it to an operator.
      shown.set(record.id, stoppedAsSeen(record, task));
      ctx.warn(
        `${record.id} has stopped but is not recorded as such: your IAM policy does not allow ${denial.action} (the viewer role only reads). An operator's list, status or reconcile records it and frees its lock.`,
      );
    }
  }
  return {
    records: records.map((r) => updated.get(r.id) ?? shown.get(r.id) ?? r),
    finalised: [...updated.keys()],
  };
}

/** A stopped run as ECS describes it, without writing it down. */
function stoppedAsSeen(record: ExecutionRecord, task: Task): ExecutionRecord {
  const outcome = taskOutcome(task, contextFromTask(task));
  return {
    ...record,
    status: outcome.status,
    exitCode: outcome.exitCode,
    stoppedReason: outcome.stoppedReason ?? record.stoppedReason,
    stoppedAt: outcome.stoppedAt ?? record.stoppedAt,
  };
}

export const ALL_STATUSES_HINT = `one or more of ${['PENDING', 'STARTING', 'RUNNING', ...TERMINAL_STATUSES].join(', ')}, comma-separated`;
