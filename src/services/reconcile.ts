import { hostname } from 'node:os';
import { loadSdk } from '../aws/sdk.js';
import type { Task } from '@aws-sdk/client-ecs';
import { TIMEOUT_STOP_REASON } from '../aws/schedules.js';
import { describeTasks, listTasks, stopTask } from '../aws/tasks.js';
import type { ExecutionRecord } from '../core/execution.js';
import type { LockItem } from '../core/lock-protocol.js';
import {
  adoptedRecord,
  candidateIdOf,
  countRows,
  planReconcile,
  type ClusterTask,
  type ExecutionAction,
  type ReconcileActionKind,
  type ReconcileCounts,
  type ReconcileRow,
  type ReconcileStep,
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

export type { ReconcileActionKind, ReconcileCounts, ReconcileRow } from '../core/reconcile-plan.js';

export interface ReconcileReport {
  dryRun: boolean;
  /** Computed from `actions` (countRows). */
  counts: ReconcileCounts;
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
  const describe = async (clusterName: string, arns: string[]): Promise<Task[]> => {
    if (arns.length === 0) return [];
    requests.describeTasks += Math.ceil(arns.length / 100);
    return describeTasks(ctx.clients, clusterName, arns);
  };

  const read = await readState(ctx, describe, requests);
  const { active, allLocks } = read;
  const plan = planReconcile({
    now: now(),
    graceMs: options.graceMs,
    active,
    described: read.described,
    clusterTasks: read.clusterTasks,
    existingIds: read.existingIds,
    lockAcquiredAt: lockAcquiredAt(allLocks),
    malformed: read.malformed,
    locks: allLocks,
  });

  const run: Carrying = {
    ctx,
    dryRun: Boolean(options.dryRun),
    now,
    describe,
    taskDefinitions: new Map(),
  };
  const rows: ReconcileRow[] = [];
  // Steps of one kind in a row are carried out together: the executions' a few at a time (each is
  // one or two conditional writes on its own item), the others one by one. Rows come in plan order.
  for (const batch of batches(plan.steps)) {
    const width = batch[0] && isExecutionStep(batch[0]) ? WRITE_CONCURRENCY : 1;
    for (const done of await mapConcurrent(batch, width, (step) => carryOut(run, step))) rows.push(...done);
  }
  return {
    dryRun: run.dryRun,
    counts: countRows(
      rows,
      active.map((r) => r.id),
    ),
    actions: rows,
    requests,
  };
}

/**
 * What reconcile decides from: the `active` index, its tasks and every task in the cluster (described),
 * which of the cluster's unknown tasks already have a record, and every lock.
 */
async function readState(
  ctx: ReconcileContext,
  describe: Carrying['describe'],
  requests: { listTasks: number },
) {
  const cluster = ctx.stack.outputs.clusterName;
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
  return {
    active,
    malformed: activeIndex.malformed,
    described,
    clusterTasks,
    existingIds: new Set<string>(existing.keys()),
    allLocks: await ctx.store.listLocks(),
  };
}

/** What carrying out a step needs besides the step. */
interface Carrying {
  ctx: ReconcileContext;
  dryRun: boolean;
  now: () => number;
  describe: (cluster: string, arns: string[]) => Promise<Task[]>;
  /** Task definitions read for adoptions, by ARN (several tasks often share one). */
  taskDefinitions: Map<string, TaskDefinitionInfo | undefined>;
}

function isExecutionStep(step: ReconcileStep): step is ExecutionAction {
  return ['finalise', 'lost', 'progress', 'timeout', 'keep'].includes(step.kind);
}

/** The steps cut where the kind of step changes (executions count as one kind). */
function batches(steps: readonly ReconcileStep[]): ReconcileStep[][] {
  const kindOf = (step: ReconcileStep) => (isExecutionStep(step) ? 'execution' : step.kind);
  const out: ReconcileStep[][] = [];
  for (const step of steps) {
    const last = out.at(-1);
    if (last?.[0] && kindOf(last[0]) === kindOf(step)) last.push(step);
    else out.push([step]);
  }
  return out;
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
async function removeFromActive(
  run: Carrying,
  { bad, item }: Extract<ReconcileStep, { kind: 'remove-from-active' }>,
): Promise<ReconcileRow[]> {
  const { ctx } = run;
  ctx.store.skipped(bad);
  const id = typeof item.id === 'string' && item.id ? item.id : bad.key.replace(/^EXEC#/, '');
  const task = typeof item.taskArn === 'string' ? item.taskArn : undefined;
  const detail =
    `malformed record taken out of the active index and kept (${bad.problems.join('; ')})` +
    (task ? `; its task ${shortArn(task)} is not tracked: stop it in ECS if it still runs` : '');
  if (!run.dryRun) {
    const at = new Date(run.now()).toISOString();
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
    if (!removed) return [];
  }
  return [
    {
      action: 'remove-from-active',
      executionId: id,
      ...(typeof item.status === 'string' ? { from: item.status } : {}),
      detail,
    },
  ];
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

/** The release of a finished run's lock, as a row, when its holder's step released it. */
function lockRow(record: ExecutionRecord, released: boolean | undefined): ReconcileRow[] {
  if (!released || !record.lockName) return [];
  return [
    {
      action: 'release-lock',
      lockName: record.lockName,
      executionId: record.id,
      detail: `freed as its holder finished (fence ${record.fence ?? '?'})`,
    },
  ];
}

/** Carries out one step of the plan (or, in a dry run, says what it would do): its rows. */
async function carryOut(run: Carrying, step: ReconcileStep): Promise<ReconcileRow[]> {
  const { ctx, dryRun } = run;
  switch (step.kind) {
    case 'keep':
      return [];
    case 'remove-from-active':
      return removeFromActive(run, step);
    case 'finalise': {
      const { record, task } = step;
      const detail = `task ${shortArn(task.taskArn)} stopped${task.stoppedReason ? `: ${task.stoppedReason}` : ''}`;
      if (dryRun) {
        const outcome = taskOutcome(task, contextFromTask(task as Task));
        return [
          ...lockRow(record, await holdsLock(ctx, record)),
          row('finalise', record, outcome.status, detail),
        ];
      }
      let current = record;
      if (step.attach) {
        current = (await ctx.store.updateExecution(record.id, [record.status], {
          taskArn: task.taskArn,
          ...(task.taskDefinitionArn ? { taskDefinitionArn: task.taskDefinitionArn } : {}),
        })) ?? { ...record, taskArn: task.taskArn };
      }
      const done = await finaliseExecution(ctx, current, task as Task);
      return [
        ...lockRow(record, done.lockReleased),
        ...(done.byUs ? [row('finalise', record, done.record.status, detail)] : []),
      ];
    }
    case 'lost': {
      const { record, reason } = step;
      if (dryRun)
        return [...lockRow(record, await holdsLock(ctx, record)), row('lost', record, 'LOST', reason)];
      // Conditioned on the status read, not on any earlier one: a run that recorded its task meanwhile
      // (PENDING -> STARTING) is not LOST, whatever this reconcile saw a moment ago.
      const lost = await markLost(ctx, record, reason, new Date(run.now()));
      if (!lost) return [];
      return [...lockRow(record, lost.lockReleased), row('lost', record, 'LOST', reason)];
    }
    case 'progress': {
      const { record, task, status, attach } = step;
      const detail = `task ${shortArn(task.taskArn)} is ${task.lastStatus ?? '?'}${attach ? '; its ARN recorded' : ''}`;
      if (dryRun) return [row('progress', record, status, detail)];
      const startedAt = task.startedAt;
      const updated = await ctx.store.updateExecution(
        record.id,
        attach ? [record.status] : previousStatusesOf(status),
        {
          status,
          ...(attach ? { taskArn: task.taskArn } : {}),
          ...(attach && task.taskDefinitionArn ? { taskDefinitionArn: task.taskDefinitionArn } : {}),
          ...(startedAt ? { startedAt: new Date(startedAt).toISOString() } : {}),
        },
      );
      return updated ? [row('progress', record, status, detail)] : [];
    }
    case 'timeout':
      return enforceTimeout(run, step);
    case 'adopt':
      return adopt(run, step);
    case 'check-lock': {
      const { lock } = step;
      const holder = lock.holderExecutionId as string;
      if (!(await holderFinished(ctx, lock, run.now()))) return [];
      const released = dryRun || (await ctx.store.releaseLock(lock.name, holder, lock.fence));
      if (!released) return [];
      return [
        {
          action: 'release-lock',
          lockName: lock.name,
          executionId: holder,
          detail: `held by a finished run (fence ${lock.fence})`,
        },
      ];
    }
  }
}

/**
 * Stops a run's task at its passed --timeout. A stop ECS already confirms is finalised now (as
 * TIMED_OUT); otherwise the next reconcile does it.
 */
async function enforceTimeout(
  run: Carrying,
  step: Extract<ReconcileStep, { kind: 'timeout' }>,
): Promise<ReconcileRow[]> {
  const { ctx } = run;
  const { record, task } = step;
  const detail = `--timeout passed at ${record.timeoutAt}: task ${shortArn(task.taskArn)} stopped`;
  const stopped = [row('timeout', record, 'TIMED_OUT', detail)];
  if (run.dryRun) return stopped;
  if (step.attach) await ctx.store.updateExecution(record.id, [record.status], { taskArn: task.taskArn });
  const cluster = task.clusterArn ?? record.clusterArn ?? ctx.stack.outputs.clusterName;
  await stopTask(ctx.clients, cluster, task.taskArn, TIMEOUT_STOP_REASON);
  const [seen] = await run.describe(ctx.stack.outputs.clusterName, [task.taskArn]);
  if (seen?.lastStatus !== 'STOPPED') return stopped;
  const current = step.attach ? { ...record, taskArn: task.taskArn } : record;
  const done = await finaliseExecution(ctx, current, seen, { timedOut: true });
  return [
    ...stopped,
    ...(done.byUs ? [row('finalise', current, done.record.status, 'stopped at its --timeout')] : []),
    ...lockRow(current, done.lockReleased),
  ];
}

/** Writes the record of a task that has none (origin `adopted`), with its audit event. */
async function adopt(
  run: Carrying,
  step: Extract<ReconcileStep, { kind: 'adopt' }>,
): Promise<ReconcileRow[]> {
  const { ctx } = run;
  const arn = step.task.taskDefinitionArn;
  if (arn && !run.taskDefinitions.has(arn))
    run.taskDefinitions.set(arn, await describeTaskDefinition(ctx, arn));
  const record = adoptedRecord({
    executionId: step.executionId,
    task: step.task,
    taskDefinition: arn ? run.taskDefinitions.get(arn) : undefined,
    region: ctx.stack.region,
    now: run.now(),
  });
  if (isTerminal(record.status)) Object.assign(record, costPatch(record));
  const detail = `task ${shortArn(step.task.taskArn)} (${step.task.lastStatus ?? '?'}), image ${record.image}`;
  if (!run.dryRun) {
    const written = await ctx.store.createAdoptedExecution(record, {
      id: `${record.id}-adopt`,
      at: new Date(run.now()).toISOString(),
      action: 'adopt',
      actorArn: ctx.stack.identity.arn,
      host: hostname(),
      executionId: record.id,
      detail: {
        taskArn: step.task.taskArn,
        image: record.image,
        command: record.command,
        status: record.status,
      },
    });
    if (!written) return [];
  }
  return [{ action: 'adopt', executionId: record.id, to: record.status, detail }];
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
