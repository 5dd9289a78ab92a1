import type { Task } from '@aws-sdk/client-ecs';
import { deleteTimeoutSchedule, TIMEOUT_STOP_REASON } from '../aws/schedules.js';
import type { StackCommandContext } from '../context.js';
import type { ExecutionRecord } from '../core/execution.js';
import { isTerminal, previousStatusesOf } from '../core/status.js';
import { taskOutcome, type TaskOutcome, type TaskOutcomeContext } from '../core/task-result.js';
import { costPatch } from './cost-of.js';

/** What finalising a run uses of the command context (`warn`: a schedule that could not be deleted). */
export type FinaliseContext = Pick<StackCommandContext, 'clients' | 'store'> &
  Partial<Pick<StackCommandContext, 'warn'>>;

export const KILL_REASON_PREFIX = 'runvoy: killed by';

/** What runvoy itself did to a task, read back from the stopped reason it gave. */
export function contextFromTask(task: Task, known: TaskOutcomeContext = {}): TaskOutcomeContext {
  const reason = task.stoppedReason ?? '';
  return {
    timedOut: known.timedOut || reason.startsWith(TIMEOUT_STOP_REASON),
    killed: known.killed || reason.startsWith(KILL_REASON_PREFIX),
  };
}

export interface Finalised {
  record: ExecutionRecord;
  outcome: TaskOutcome;
  /** False when another CLI (or reconcile) finalised it first; `record` is then theirs. */
  byUs: boolean;
  lockReleased: boolean;
}

/**
 * Records the final status of a stopped task, then frees its lock and its timeout schedule. The status
 * update is conditional on a non-terminal status, so finalising twice (run + reconcile) is harmless.
 */
export async function finaliseExecution(
  deps: FinaliseContext,
  record: ExecutionRecord,
  task: Task,
  known: TaskOutcomeContext = {},
): Promise<Finalised> {
  const outcome = taskOutcome(task, contextFromTask(task, known));
  const patch: Partial<ExecutionRecord> = {
    status: outcome.status,
    exitCode: outcome.exitCode,
    stopCode: outcome.stopCode,
    stoppedReason: outcome.stoppedReason,
    containerReason: outcome.containerReason,
    startedAt: outcome.startedAt ?? record.startedAt,
    pullStartedAt: outcome.pullStartedAt ?? record.pullStartedAt,
    stoppedAt: outcome.stoppedAt ?? record.stoppedAt,
    capacityProvider: task.capacityProviderName ?? record.capacityProvider,
  };
  Object.assign(patch, costPatch({ ...record, ...patch }));
  const updated = await deps.store.updateExecution(
    record.id,
    previousStatusesOf(outcome.status),
    dropUndefined(patch),
  );
  const final = updated ?? (await deps.store.getExecution(record.id)) ?? { ...record, ...patch };
  const lockReleased = await releaseResources(deps, final);
  return { record: final, outcome, byUs: Boolean(updated), lockReleased };
}

/** What failBeforeStart managed to do. */
export interface FailedStart {
  /** The record as it is now: FAILED (or whatever moved it first), or still PENDING when the write failed. */
  record: ExecutionRecord;
  /** The FAILED write itself failed (DynamoDB unreachable, say): the record is still PENDING. */
  writeError?: unknown;
  /** Whether the run's lock is free now (true when it had none). */
  lockFree: boolean;
}

/**
 * Marks a run that never got a task (ECS refused RunTask) as FAILED and frees its lock. Never throws: when
 * the FAILED write fails, the lock is still freed if it can be (no task runs for it), the record stays
 * PENDING, and `reconcile` marks it LOST after its grace period; the caller says so.
 */
export async function failBeforeStart(
  deps: FinaliseContext,
  record: ExecutionRecord,
  reason: string,
): Promise<FailedStart> {
  const patch: Partial<ExecutionRecord> = {
    status: 'FAILED',
    exitCode: null,
    stoppedReason: reason.slice(0, 1000),
    stoppedAt: new Date().toISOString(),
    costStatus: 'unavailable',
    costReason: 'the task never started',
  };
  let current: ExecutionRecord;
  let writeError: unknown;
  try {
    current =
      (await deps.store.updateExecution(record.id, previousStatusesOf('FAILED'), patch)) ??
      (await deps.store.getExecution(record.id)) ??
      record;
  } catch (error) {
    current = record;
    writeError = error;
  }
  let lockFree = !record.lockName || record.fence === undefined;
  if (!lockFree) {
    // Freed even when the record could not be marked: no task was started, so nothing needs the lock.
    lockFree = await deps.store
      .releaseLock(record.lockName as string, record.id, record.fence as number)
      .then(
        async (released) =>
          released || (await deps.store.getLock(record.lockName as string))?.holderExecutionId !== record.id,
      )
      .catch(() => false);
  }
  return { record: current, writeError, lockFree };
}

/**
 * Marks a run LOST: its task is gone from ECS (or never appeared), so its outcome cannot be known. The
 * write is conditioned on the status the caller read, so a run that moved on meanwhile (it recorded its
 * task) is left alone. Frees its lock and its timeout schedule. Returns the LOST record, or undefined
 * when the condition failed.
 */
export async function markLost(
  deps: FinaliseContext,
  record: ExecutionRecord,
  reason: string,
  at: Date,
): Promise<{ record: ExecutionRecord; lockReleased: boolean } | undefined> {
  const updated = await deps.store.updateExecution(record.id, [record.status], {
    status: 'LOST',
    stoppedReason: reason.slice(0, 1000),
    stoppedAt: at.toISOString(),
    costStatus: 'unavailable',
    costReason: 'the task is gone from ECS: its run time cannot be known',
  });
  if (!updated) return undefined;
  return { record: updated, lockReleased: await releaseResources(deps, updated) };
}

async function releaseResources(deps: FinaliseContext, record: ExecutionRecord): Promise<boolean> {
  if (!isTerminal(record.status)) return false;
  let released = false;
  if (record.lockName && record.fence !== undefined) {
    released = await deps.store.releaseLock(record.lockName, record.id, record.fence);
  }
  if (record.timeoutScheduleName) {
    await deleteTimeoutSchedule(deps.clients, record.timeoutScheduleName).catch((error: Error) =>
      deps.warn?.(`Could not delete the timeout schedule ${record.timeoutScheduleName}: ${error.message}`),
    );
  }
  return released;
}

/** The patch without its undefined fields (which an update would otherwise REMOVE). */
export function dropUndefined<T extends object>(patch: T): T {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as T;
}
