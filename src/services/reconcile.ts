import { hostname } from 'node:os';
import { loadSdk } from '../aws/sdk.js';
import type { Task } from '@aws-sdk/client-ecs';
import { TIMEOUT_STOP_REASON } from '../aws/schedules.js';
import { describeTasks, listTasks, stopTask } from '../aws/tasks.js';
import type { ExecutionRecord } from '../core/execution.js';
import type { BadItem } from '../core/items.js';
import type { LockItem } from '../core/lock-protocol.js';
import {
  adoptedRecord,
  aliveIds,
  candidateIdOf,
  finishingIds,
  locksToCheck,
  planReconcile,
  type ClusterTask,
  type ExecutionAction,
  type TaskDefinitionInfo,
} from '../core/reconcile-plan.js';
import { taskOutcome } from '../core/task-result.js';
import { isTerminal, previousStatusesOf, type ExecutionStatus } from '../core/status.js';
import { costPatch } from './cost-of.js';
import { contextFromTask, finaliseExecution, markLost } from './finalise.js';
import type { StackCommandContext } from '../context.js';

/** What reconcile uses of the command context. */
type ReconcileContext = Pick<StackCommandContext, 'clients' | 'store' | 'stack'> &
  Partial<Pick<StackCommandContext, 'warn'>>;
import { holderFinished } from './lock-service.js';

export interface ReconcileOptions {
  dryRun: boolean;
  /** How long after createdAt a run whose task ECS does not know is still given before it is LOST. */
  graceMs: number;
  now?: () => number;
}

export type ReconcileActionKind =
  'finalise' | 'lost' | 'adopt' | 'progress' | 'timeout' | 'release-lock' | 'remove-from-active';

export interface ReconcileRow {
  action: ReconcileActionKind;
  executionId?: string;
  lockName?: string;
  from?: string;
  to?: string;
  detail: string;
}

export interface ReconcileReport {
  dryRun: boolean;
  counts: {
    /** Non-terminal executions read from the `active` index. */
    active: number;
    finalised: number;
    lost: number;
    adopted: number;
    progressed: number;
    timeoutsEnforced: number;
    locksReleased: number;
    /** Non-terminal executions left as they were (their task is alive, or within the grace period). */
    unchanged: number;
    /** Malformed records taken out of the `active` index (removeMalformedFromActive). */
    removedFromActive: number;
  };
  actions: ReconcileRow[];
  /** AWS requests that grow with the number of executions. */
  requests: { describeTasks: number; listTasks: number };
}

const ecsModule = () => loadSdk('@aws-sdk/client-ecs');

/** How many executions reconcile updates at once (each is its own item, so they never conflict). */
export const WRITE_CONCURRENCY = 8;

/** `fn` over `items`, at most `width` at a time; results in the order of `items`. */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  width: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await fn(items[index] as T);
      }
    }),
  );
  return results;
}

/**
 * The server's jobs, done on demand (SPEC section 6): finalise runs whose task stopped, mark LOST those
 * ECS no longer knows after the grace period, adopt tasks that have no record, enforce passed timeouts,
 * release locks held by finished runs. Every write is conditional, so a second run changes nothing.
 */
export async function reconcile(ctx: ReconcileContext, options: ReconcileOptions): Promise<ReconcileReport> {
  const now = options.now ?? Date.now;
  const requests = { describeTasks: 0, listTasks: 0 };
  const cluster = ctx.stack.outputs.clusterName;
  const describe = async (clusterName: string, arns: string[]): Promise<Task[]> => {
    if (arns.length === 0) return [];
    requests.describeTasks += Math.ceil(arns.length / 100);
    return describeTasks(ctx.clients, clusterName, arns);
  };

  const activeIndex = await ctx.store.readActiveIndex();
  const active = activeIndex.records.filter((r) => !isTerminal(r.status));
  const described = new Map<string, ClusterTask>();
  const byCluster = new Map<string, string[]>();
  for (const record of active) {
    if (!record.taskArn) continue;
    const key = record.clusterArn ?? cluster;
    byCluster.set(key, [...(byCluster.get(key) ?? []), record.taskArn]);
  }
  for (const [clusterName, arns] of byCluster) {
    for (const task of await describe(clusterName, arns))
      if (task.taskArn) described.set(task.taskArn, task as ClusterTask);
  }

  const listed = await listClusterTasks(ctx, cluster, requests);
  const unknownArns = listed.filter((arn) => !described.has(arn));
  const clusterTasks: ClusterTask[] = [
    ...listed.flatMap((arn) => (described.has(arn) ? [described.get(arn) as ClusterTask] : [])),
    ...((await describe(cluster, unknownArns)) as ClusterTask[]),
  ];
  const activeIds = new Set(active.map((r) => r.id));
  const candidates = clusterTasks
    .filter((t) => !active.some((r) => r.taskArn === t.taskArn))
    .map(candidateIdOf)
    .filter((id) => !activeIds.has(id));
  const existing = candidates.length ? await ctx.store.getExecutions(candidates) : new Map();
  const allLocks = await ctx.store.listLocks();
  const plan = planReconcile({
    now: now(),
    graceMs: options.graceMs,
    active,
    described,
    clusterTasks,
    existingIds: new Set(existing.keys()),
    lockAcquiredAt: lockAcquiredAt(allLocks),
  });

  const report: ReconcileReport = {
    dryRun: Boolean(options.dryRun),
    counts: {
      active: active.length,
      finalised: 0,
      lost: 0,
      adopted: 0,
      progressed: 0,
      timeoutsEnforced: 0,
      locksReleased: 0,
      unchanged: 0,
      removedFromActive: 0,
    },
    actions: [],
    requests,
  };
  const removed = await removeMalformedFromActive(ctx, activeIndex.malformed, options.dryRun, now);
  report.counts.removedFromActive = removed.length;
  report.actions.push(...removed);
  const deps = ctx;
  const stoppedForTimeout: ExecutionRecord[] = [];

  // Each action is one or two conditional writes on its own item: carried out a few at a time, reported in order.
  const results = await mapConcurrent(plan.executions, WRITE_CONCURRENCY, (action) =>
    carryOut(ctx, action, options.dryRun, now),
  );
  for (const [index, action] of plan.executions.entries()) {
    const done = results[index];
    const row = done?.row;
    if (done?.lockReleased && action.record.lockName) {
      report.counts.locksReleased++;
      report.actions.push({
        action: 'release-lock',
        lockName: action.record.lockName,
        executionId: action.record.id,
        detail: `freed as its holder finished (fence ${action.record.fence ?? '?'})`,
      });
    }
    if (!row) {
      report.counts.unchanged++;
      continue;
    }
    report.actions.push(row);
    if (row.action === 'finalise') report.counts.finalised++;
    if (row.action === 'lost') report.counts.lost++;
    if (row.action === 'progress') report.counts.progressed++;
    if (row.action === 'timeout') {
      report.counts.timeoutsEnforced++;
      stoppedForTimeout.push(
        action.kind === 'timeout' && action.attach
          ? { ...action.record, taskArn: action.task.taskArn }
          : action.record,
      );
    }
  }

  // A stop ECS already confirms is finalised now (as TIMED_OUT); otherwise the next reconcile does it.
  if (!options.dryRun && stoppedForTimeout.length > 0) {
    const tasks = new Map(
      (
        await describe(
          cluster,
          stoppedForTimeout.map((r) => r.taskArn as string),
        )
      ).map((t) => [t.taskArn, t]),
    );
    for (const record of stoppedForTimeout) {
      const task = tasks.get(record.taskArn);
      if (task?.lastStatus !== 'STOPPED') continue;
      const done = await finaliseExecution(deps, record, task, { timedOut: true });
      if (done.byUs) {
        report.counts.finalised++;
        report.actions.push(row('finalise', record, done.record.status, 'stopped at its --timeout'));
      }
      if (done.lockReleased && record.lockName) {
        report.counts.locksReleased++;
        report.actions.push({
          action: 'release-lock',
          lockName: record.lockName,
          executionId: record.id,
          detail: `freed as its holder finished (fence ${record.fence ?? '?'})`,
        });
      }
    }
  }

  const taskDefinitions = new Map<string, TaskDefinitionInfo | undefined>();
  for (const adoption of plan.adoptions) {
    const arn = adoption.task.taskDefinitionArn;
    if (arn && !taskDefinitions.has(arn)) taskDefinitions.set(arn, await describeTaskDefinition(ctx, arn));
    const record = adoptedRecord({
      executionId: adoption.executionId,
      task: adoption.task,
      taskDefinition: arn ? taskDefinitions.get(arn) : undefined,
      region: ctx.stack.region,
      now: now(),
    });
    if (isTerminal(record.status)) Object.assign(record, costPatch(record));
    const detail = `task ${shortArn(adoption.task.taskArn)} (${adoption.task.lastStatus ?? '?'}), image ${record.image}`;
    if (!options.dryRun) {
      const written = await ctx.store.createAdoptedExecution(record, {
        id: `${record.id}-adopt`,
        at: new Date(now()).toISOString(),
        action: 'adopt',
        actorArn: ctx.stack.identity.arn,
        host: hostname(),
        executionId: record.id,
        detail: {
          taskArn: adoption.task.taskArn,
          image: record.image,
          command: record.command,
          status: record.status,
        },
      });
      if (!written) continue;
    }
    report.counts.adopted++;
    report.actions.push({ action: 'adopt', executionId: record.id, to: record.status, detail });
  }

  const finishing = finishingIds(plan);
  // Read before the plan: a lock its holder's action freed meanwhile fails its conditional release, harmlessly.
  const locks = locksToCheck(allLocks, finishing, aliveIds(plan));
  const lockCtx = { clients: ctx.clients, store: ctx.store, cluster, stackName: ctx.stack.stackName };
  for (const lock of locks) {
    if (!lock.holderExecutionId) continue;
    if (!(await holderFinished(lockCtx, lock, now()))) continue;
    const released =
      options.dryRun || (await ctx.store.releaseLock(lock.name, lock.holderExecutionId, lock.fence));
    if (!released) continue;
    report.counts.locksReleased++;
    report.actions.push({
      action: 'release-lock',
      lockName: lock.name,
      executionId: lock.holderExecutionId,
      detail: `held by a finished run (fence ${lock.fence})`,
    });
  }
  return report;
}

/** When each holder took its lock: the grace of a run that waited for its lock counts from then. */
function lockAcquiredAt(locks: readonly LockItem[]): Map<string, string> {
  const acquired = new Map<string, string>();
  for (const lock of locks) {
    if (lock.state === 'HELD' && lock.holderExecutionId && lock.acquiredAt)
      acquired.set(lock.holderExecutionId, lock.acquiredAt);
  }
  return acquired;
}

/**
 * The way out for malformed records in the sparse `active` index, which every reconcile would otherwise
 * skip forever: each is reported (a warning naming its key) and taken out of the index, REMOVE activePk
 * and activeSk conditional on the item as read, with an audit event. The record itself is kept, for people
 * to read and repair (docs/troubleshooting.md); its task, if it names one, is not acted on, since runvoy
 * cannot trust what the record says.
 */
async function removeMalformedFromActive(
  ctx: ReconcileContext,
  malformed: ReadonlyArray<{ bad: BadItem; item: Record<string, unknown> }>,
  dryRun: boolean,
  now: () => number,
): Promise<ReconcileRow[]> {
  const rows: ReconcileRow[] = [];
  for (const { bad, item } of malformed) {
    ctx.store.skipped(bad);
    const id = typeof item.id === 'string' && item.id ? item.id : bad.key.replace(/^EXEC#/, '');
    const task = typeof item.taskArn === 'string' ? item.taskArn : undefined;
    const detail =
      `malformed record taken out of the active index and kept (${bad.problems.join('; ')})` +
      (task ? `; its task ${shortArn(task)} is not tracked: stop it in ECS if it still runs` : '');
    if (!dryRun) {
      const at = new Date(now()).toISOString();
      const removed = await ctx.store.removeFromActive(item, {
        id: `${at.replace(/[^0-9]/g, '')}-${id}-remove-from-active`.slice(0, 200),
        at,
        action: 'remove-from-active',
        actorArn: ctx.stack.identity.arn,
        host: hostname(),
        executionId: id,
        detail: {
          key: bad.key,
          problems: bad.problems,
          ...(typeof item.status === 'string' ? { status: item.status } : {}),
          ...(task ? { taskArn: task } : {}),
        },
      });
      // Changed since it was read (repaired, or finalised): the next reconcile reads it again.
      if (!removed) continue;
    }
    rows.push({
      action: 'remove-from-active',
      executionId: id,
      ...(typeof item.status === 'string' ? { from: item.status } : {}),
      detail,
    });
  }
  return rows;
}

/** Whether a run still holds its lock (what a dry run reports as a release to come). */
async function holdsLock(ctx: ReconcileContext, record: ExecutionRecord): Promise<boolean> {
  if (!record.lockName) return false;
  const lock = await ctx.store.getLock(record.lockName);
  return lock?.state === 'HELD' && lock.holderExecutionId === record.id;
}

function shortArn(arn: string | undefined): string {
  return arn?.split('/').pop() ?? '?';
}

function row(
  action: ReconcileActionKind,
  record: ExecutionRecord,
  to: ExecutionStatus,
  detail: string,
): ReconcileRow {
  return { action, executionId: record.id, from: record.status, to, detail };
}

async function carryOut(
  ctx: ReconcileContext,
  action: ExecutionAction,
  dryRun: boolean,
  now: () => number,
): Promise<{ row?: ReconcileRow; lockReleased?: boolean } | undefined> {
  const deps = ctx;
  const { record } = action;
  switch (action.kind) {
    case 'keep':
      return undefined;
    case 'finalise': {
      const detail = `task ${shortArn(action.task.taskArn)} stopped${action.task.stoppedReason ? `: ${action.task.stoppedReason}` : ''}`;
      if (dryRun) {
        const outcome = taskOutcome(action.task, contextFromTask(action.task as Task));
        return {
          row: row('finalise', record, outcome.status, detail),
          lockReleased: await holdsLock(ctx, record),
        };
      }
      let current = record;
      if (action.attach) {
        current = (await ctx.store.updateExecution(record.id, [record.status], {
          taskArn: action.task.taskArn,
          ...(action.task.taskDefinitionArn ? { taskDefinitionArn: action.task.taskDefinitionArn } : {}),
        })) ?? { ...record, taskArn: action.task.taskArn };
      }
      const done = await finaliseExecution(deps, current, action.task as Task);
      return {
        ...(done.byUs ? { row: row('finalise', record, done.record.status, detail) } : {}),
        lockReleased: done.lockReleased,
      };
    }
    case 'lost': {
      if (dryRun)
        return {
          row: row('lost', record, 'LOST', action.reason),
          lockReleased: await holdsLock(ctx, record),
        };
      // Conditioned on the status read, not on any earlier one: a run that recorded its task meanwhile
      // (PENDING -> STARTING) is not LOST, whatever this reconcile saw a moment ago.
      const lost = await markLost(deps, record, action.reason, new Date(now()));
      if (!lost) return undefined;
      const { lockReleased } = lost;
      return { row: row('lost', record, 'LOST', action.reason), lockReleased };
    }
    case 'progress': {
      const detail = `task ${shortArn(action.task.taskArn)} is ${action.task.lastStatus ?? '?'}${action.attach ? '; its ARN recorded' : ''}`;
      if (dryRun) return { row: row('progress', record, action.status, detail) };
      const startedAt = action.task.startedAt;
      const updated = await ctx.store.updateExecution(
        record.id,
        action.attach ? [record.status] : previousStatusesOf(action.status),
        {
          status: action.status,
          ...(action.attach ? { taskArn: action.task.taskArn } : {}),
          ...(action.attach && action.task.taskDefinitionArn
            ? { taskDefinitionArn: action.task.taskDefinitionArn }
            : {}),
          ...(startedAt ? { startedAt: new Date(startedAt).toISOString() } : {}),
        },
      );
      return updated ? { row: row('progress', record, action.status, detail) } : undefined;
    }
    case 'timeout': {
      const detail = `--timeout passed at ${record.timeoutAt}: task ${shortArn(action.task.taskArn)} stopped`;
      if (dryRun) return { row: row('timeout', record, 'TIMED_OUT', detail) };
      if (action.attach) {
        await ctx.store.updateExecution(record.id, [record.status], { taskArn: action.task.taskArn });
      }
      await stopTask(
        ctx.clients,
        action.task.clusterArn ?? record.clusterArn ?? ctx.stack.outputs.clusterName,
        action.task.taskArn,
        TIMEOUT_STOP_REASON,
      );
      return { row: row('timeout', record, 'TIMED_OUT', detail) };
    }
  }
}

/** Every task in the cluster, running or recently stopped (ListTasks, both desired statuses, paginated). */
async function listClusterTasks(
  ctx: ReconcileContext,
  cluster: string,
  requests: { listTasks: number },
): Promise<string[]> {
  const arns = new Set<string>();
  for (const desiredStatus of ['RUNNING', 'STOPPED'] as const) {
    const listed = await listTasks(ctx.clients, { cluster, desiredStatus, maxResults: 100 });
    requests.listTasks += listed.requests;
    for (const arn of listed.arns) arns.add(arn);
  }
  return [...arns];
}

async function describeTaskDefinition(
  ctx: ReconcileContext,
  arn: string,
): Promise<TaskDefinitionInfo | undefined> {
  const { DescribeTaskDefinitionCommand } = await ecsModule();
  const ecs = await ctx.clients.ecs();
  try {
    const out = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }));
    return out.taskDefinition as TaskDefinitionInfo | undefined;
  } catch (error) {
    ctx.warn?.(`Could not read task definition ${arn}: ${(error as Error).message}`);
    return undefined;
  }
}
