import { hostname } from 'node:os';
import { describeTask, describeTasks, stopTask, tasksStartedBy } from '../aws/tasks.js';
import { RunvoyError } from '../core/errors.js';
import type { ExecutionRecord } from '../core/execution.js';
import { startedByFor } from '../core/run-plan.js';
import { isTerminal, EXECUTION_STATUSES, type ExecutionStatus } from '../core/status.js';
import { resolveExecution } from './execution-lookup.js';
import { DEFAULT_LOST_GRACE_MS } from '../core/reconcile-plan.js';
import { finaliseExecution, KILL_REASON_PREFIX, markLost } from './finalise.js';
import type { StackCommandContext } from '../context.js';

type KillContext = Pick<StackCommandContext, 'clients' | 'store' | 'stack'> &
  Partial<Pick<StackCommandContext, 'warn'>>;

export interface KillResult {
  execution: ExecutionRecord;
  /**
   * What this call did: stopped the task, found it already stopping, found the run finished, or found that
   * ECS no longer knows its task (nothing stopped, no kill recorded).
   */
  outcome: 'stopped' | 'already-stopping' | 'already-finished' | 'task-unknown';
  /** The run's status is final (ECS confirmed the stop, it had already finished, or it was marked LOST now). */
  confirmed: boolean;
  /** task-unknown: the task ARN ECS no longer knows. */
  unknownTaskArn?: string;
  /** task-unknown: the status the record had when kill read it. */
  recordStatus?: ExecutionStatus;
  /** task-unknown: the run was past the grace period, so this call marked it LOST (and freed its lock). */
  markedLost?: boolean;
  /** task-unknown, marked LOST: whether its lock was freed. */
  lockReleased?: boolean;
  /** task-unknown, not marked LOST: when `reconcile` will mark it LOST (ISO 8601). */
  lostAfter?: string;
}

export function killReason(callerArn: string): string {
  return `${KILL_REASON_PREFIX} ${callerArn}`.slice(0, 255);
}

const OPEN = EXECUTION_STATUSES.filter((s) => !isTerminal(s));

/**
 * Stops an execution's task (SPEC section 3, `kill`): idempotent. Records who killed it and when, and an
 * audit event, then finalises the run as STOPPED if ECS already shows the task stopped; otherwise the
 * attached CLI or `reconcile` does it once ECS confirms.
 */
export async function killExecution(
  ctx: KillContext,
  idOrPrefix: string,
  now: () => number = Date.now,
): Promise<KillResult> {
  const record = await resolveExecution(ctx.store, idOrPrefix);
  if (isTerminal(record.status)) return { execution: record, outcome: 'already-finished', confirmed: true };
  const cluster = record.clusterArn ?? ctx.stack.outputs.clusterName;
  const caller = ctx.stack.identity.arn;
  const taskArns = record.taskArn
    ? [record.taskArn]
    : await tasksStartedBy(ctx.clients, cluster, startedByFor(record.id));
  if (taskArns.length === 0) {
    throw new RunvoyError({
      what: `Execution ${record.id} has no task to stop yet (status ${record.status}).`,
      why: 'Its CLI wrote the record but has not started the task, or stopped before it could.',
      fix: 'Try again in a moment; `runvoy reconcile` marks it LOST if no task ever appears.',
      code: 'NO_TASK',
    });
  }
  const described = await describeTasks(ctx.clients, cluster, taskArns);
  if (described.length === 0) return taskUnknown(ctx, record, taskArns[0] as string, now);
  const before = described.find((t) => t.taskArn === taskArns[0]);
  if (before?.lastStatus === 'STOPPED' && taskArns.length === 1) {
    // It stopped on its own before the kill: record how it ended, and do not claim to have killed it.
    const done = await finaliseExecution(
      { clients: ctx.clients, store: ctx.store, warn: ctx.warn },
      { ...record, taskArn: taskArns[0] },
      before,
    );
    return { execution: done.record, outcome: 'already-finished', confirmed: isTerminal(done.record.status) };
  }
  const alreadyKilled = record.killedBy !== undefined;
  for (const task of described)
    await stopTask(ctx.clients, cluster, task.taskArn as string, killReason(caller));
  let current = record;
  if (!alreadyKilled) {
    const at = new Date(now()).toISOString();
    current =
      (await ctx.store.updateExecution(record.id, OPEN, {
        killedBy: caller,
        killedAt: at,
        ...(record.taskArn ? {} : { taskArn: taskArns[0] }),
      })) ?? current;
    await ctx.store.putAudit({
      id: `${record.id}-kill`,
      at,
      action: 'kill',
      actorArn: caller,
      host: hostname(),
      executionId: record.id,
      ...(record.lockName ? { lockName: record.lockName } : {}),
      detail: { taskArn: taskArns[0], status: record.status },
    });
  }
  const outcome = alreadyKilled ? 'already-stopping' : 'stopped';
  const taskArn = record.taskArn ?? taskArns[0];
  const task = taskArn ? await describeTask(ctx.clients, cluster, taskArn) : undefined;
  if (task?.lastStatus === 'STOPPED') {
    const done = await finaliseExecution(
      { clients: ctx.clients, store: ctx.store, warn: ctx.warn },
      { ...current, taskArn },
      task,
      { killed: true },
    );
    return { execution: done.record, outcome, confirmed: isTerminal(done.record.status) };
  }
  return { execution: (await ctx.store.getExecution(record.id)) ?? current, outcome, confirmed: false };
}

/**
 * ECS no longer knows the run's task (it forgets stopped tasks after about an hour), so there is nothing to
 * stop and no kill to record: the task is not running. Past the grace period the run is marked LOST now (and
 * its lock freed), as `reconcile` would; before it, it is left for `reconcile`.
 */
async function taskUnknown(
  ctx: KillContext,
  record: ExecutionRecord,
  taskArn: string,
  now: () => number,
): Promise<KillResult> {
  const created = Date.parse(record.createdAt);
  const lostAfter = Number.isNaN(created) ? now() : created + DEFAULT_LOST_GRACE_MS;
  const base = { outcome: 'task-unknown', unknownTaskArn: taskArn, recordStatus: record.status } as const;
  if (now() < lostAfter) {
    return { ...base, execution: record, confirmed: false, lostAfter: new Date(lostAfter).toISOString() };
  }
  const lost = await markLost(
    { clients: ctx.clients, store: ctx.store, warn: ctx.warn },
    record,
    `ECS no longer knows task ${taskArn} (seen by \`runvoy kill\`); its outcome cannot be known`,
    new Date(now()),
  );
  if (!lost) {
    // Someone moved it first (reconcile, or its CLI finalising it): report the record as it is now.
    const current = (await ctx.store.getExecution(record.id)) ?? record;
    return { ...base, execution: current, confirmed: isTerminal(current.status) };
  }
  return {
    ...base,
    execution: lost.record,
    confirmed: true,
    markedLost: true,
    lockReleased: lost.lockReleased,
  };
}
