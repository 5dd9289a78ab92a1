import { hostname } from 'node:os';
import { describeTask, stopTask, tasksStartedBy } from '../aws/tasks.js';
import { RunvoyError } from '../core/errors.js';
import type { ExecutionRecord } from '../core/execution.js';
import { startedByFor } from '../core/run-plan.js';
import { isTerminal, EXECUTION_STATUSES } from '../core/status.js';
import { resolveExecution } from './execution-lookup.js';
import { finaliseExecution, KILL_REASON_PREFIX } from './finalise.js';
import type { ExecutionsContext } from './list.js';

export interface KillResult {
  execution: ExecutionRecord;
  /** What this call did: stopped the task, found it already stopping, or found the run finished. */
  outcome: 'stopped' | 'already-stopping' | 'already-finished';
  /** The run's status is final (ECS confirmed the stop, or it had already finished). */
  confirmed: boolean;
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
  ctx: ExecutionsContext,
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
  const before = await describeTask(ctx.clients, cluster, taskArns[0] as string);
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
  for (const taskArn of taskArns) await stopTask(ctx.clients, cluster, taskArn, killReason(caller));
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
