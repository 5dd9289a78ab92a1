import type { Task } from '@aws-sdk/client-ecs';
import { toRunvoyError } from '../aws/errors.js';
import { deleteTimeoutSchedule } from '../aws/schedules.js';
import {
  describeTask,
  runTaskMayHaveStarted,
  stopTask,
  tasksStartedBy,
  type RunTaskResult,
} from '../aws/tasks.js';
import { RunvoyError } from '../core/errors.js';
import type { ExecutionRecord } from '../core/execution.js';
import { DEFAULT_LOST_GRACE_MS } from '../core/reconcile-plan.js';
import { startedByFor } from '../core/run-plan.js';
import { isTerminal, type ExecutionStatus } from '../core/status.js';
import type { StackCommandContext } from '../context.js';
import { failBeforeStart } from './finalise.js';

/**
 * What happens to a run whose start goes wrong once its record is written (issue 11, items 2 and 3): every
 * error names the execution, says what state the record, the lock and the task are in, and what to do
 * next, and never advises running the command again while a task may have started.
 */
export type StartContext = Pick<StackCommandContext, 'clients' | 'store' | 'stack' | 'warn'>;

/** What is known of a run whose start went wrong (the `state` of every such error's --json data). */
export interface StartState {
  recordWritten: true;
  recordStatus: ExecutionStatus | 'unknown';
  lockName?: string;
  fence?: number;
  /** Whether the run holds its lock (only when it has one). */
  lockHeld?: boolean | 'unknown';
  taskStarted: boolean | 'unknown';
  taskArn?: string;
  /** A task that started and that runvoy then stopped. */
  taskStopped?: boolean;
}

/** The reason recorded on the task runvoy stops when its run was marked LOST before the task started. */
export const STARTED_AFTER_LOST_REASON = 'runvoy: its run was marked LOST before the task started';

function stackFlag(ctx: StartContext): string {
  return ctx.stack.stackName === 'runvoy' ? '' : ` --stack ${ctx.stack.stackName}`;
}

function graceText(): string {
  return `${Math.round(DEFAULT_LOST_GRACE_MS / 60_000)}m`;
}

function lockPhrase(record: ExecutionRecord): string {
  return `the lock "${record.lockName}" (fence ${record.fence ?? '?'})`;
}

function startError(
  record: ExecutionRecord,
  details: { what: string; why: string[]; fix: string[]; code: string; cause?: RunvoyError },
  state: Omit<StartState, 'recordWritten'>,
): RunvoyError {
  const cause = details.cause;
  return new RunvoyError({
    what: details.what,
    why: details.why.filter(Boolean).join('\n'),
    fix: details.fix.filter(Boolean).join(' '),
    exitCode: cause?.exitCode,
    code: details.code,
    data: {
      ...(cause?.data ?? {}),
      ...(cause ? { cause: { code: cause.code, message: cause.what, why: cause.why } } : {}),
      executionId: record.id,
      ...(state.taskArn ? { taskArn: state.taskArn } : {}),
      state: { recordWritten: true, ...state },
    },
    cause,
  });
}

function oneLine(error: RunvoyError): string {
  return `${error.what.replace(/\.$/, '')}${error.why ? ` (${error.why.split('\n')[0]})` : ''}`;
}

/**
 * RunTask threw. When ECS answered that it started nothing, the run becomes FAILED and its lock is freed
 * (failBeforeStart), and the error says so. When RunTask may have reached ECS (a lost answer, a timeout, a
 * server error), the task is looked for by its startedBy: found, it is returned and the run carries on;
 * otherwise the record stays PENDING with its lock, and `reconcile` records the task or, after the grace
 * period, marks the run LOST.
 */
export async function afterRunTaskFailed(
  ctx: StartContext,
  record: ExecutionRecord,
  error: unknown,
): Promise<RunTaskResult> {
  const cause = toRunvoyError(error);
  const flag = stackFlag(ctx);
  if (!runTaskMayHaveStarted(error)) throw await notStarted(ctx, record, cause);

  let found: Task | undefined;
  let lookupError: RunvoyError | undefined;
  try {
    const [arn] = await tasksStartedBy(ctx.clients, ctx.stack.outputs.clusterName, startedByFor(record.id));
    if (arn)
      found = (await describeTask(ctx.clients, ctx.stack.outputs.clusterName, arn)) ?? { taskArn: arn };
  } catch (lookup) {
    lookupError = toRunvoyError(lookup);
  }
  if (found?.taskArn) {
    ctx.warn(
      `RunTask's answer was lost (${oneLine(cause)}); found its task ${found.taskArn} by its startedBy runvoy/${record.id}.`,
    );
    return {
      task: found,
      capacityProvider: found.capacityProviderName === 'FARGATE_SPOT' ? 'FARGATE_SPOT' : 'FARGATE',
      registered: false,
      spotFellBack: false,
    };
  }
  const lock = record.lockName ? ` and holds ${lockPhrase(record)}` : '';
  throw startError(
    record,
    {
      what: `Execution ${record.id} may have started: RunTask's answer never arrived.`,
      why: [
        oneLine(cause),
        `RunTask may have reached ECS and started the task before its answer was lost (the task would carry startedBy runvoy/${record.id}); ${
          lookupError
            ? `asking ECS for it failed too: ${oneLine(lookupError)}.`
            : 'ECS lists no running task for it yet.'
        }`,
        `The record is PENDING${lock}.`,
      ],
      fix: [
        `In a minute, \`runvoy reconcile${flag}\` records the task on the run if ECS started it (then \`runvoy status ${record.id}${flag}\` shows it and \`runvoy logs ${record.id} --follow${flag}\` follows it), or marks the run LOST${record.lockName ? ' and frees its lock' : ''} if no task appears within ${graceText()} of its creation.`,
        `\`runvoy kill ${record.id}${flag}\` stops the task if there is one (it finds it by its startedBy).`,
        'Starting another run now could run the command twice.',
      ],
      code: 'START_UNCERTAIN',
      cause,
    },
    {
      recordStatus: 'PENDING',
      ...lockState(record, true),
      taskStarted: 'unknown',
    },
  );
}

function lockState(record: ExecutionRecord, held: boolean | 'unknown'): Partial<StartState> {
  return record.lockName ? { lockName: record.lockName, fence: record.fence, lockHeld: held } : {};
}

/** ECS started nothing: FAILED and the lock freed, or, when that write fails, what is left and how it converges. */
async function notStarted(
  ctx: StartContext,
  record: ExecutionRecord,
  cause: RunvoyError,
): Promise<RunvoyError> {
  const flag = stackFlag(ctx);
  const failed = await failBeforeStart(
    { clients: ctx.clients, store: ctx.store, warn: ctx.warn },
    record,
    `${cause.what}${cause.why ? ` ${cause.why}` : ''}`,
  );
  const lockLine = record.lockName
    ? failed.lockFree
      ? `its lock "${record.lockName}" was released`
      : `${lockPhrase(record)} is still held by it`
    : '';
  const state = {
    recordStatus: failed.record.status,
    ...lockState(record, !failed.lockFree),
    taskStarted: false,
  };
  if (failed.writeError === undefined) {
    return startError(
      record,
      {
        what: `Execution ${record.id} did not start: ${cause.what}`,
        why: [
          cause.why ?? '',
          `ECS started no task for it; its record is ${failed.record.status}${lockLine ? `, and ${lockLine}` : ''}.`,
        ],
        fix: [cause.fix ?? ''],
        code: cause.code,
        cause,
      },
      state,
    );
  }
  const writeCause = toRunvoyError(failed.writeError);
  return startError(
    record,
    {
      what: `Execution ${record.id} did not start, and runvoy could not mark it FAILED: ${cause.what}`,
      why: [
        cause.why ?? '',
        `Marking it FAILED failed too: ${oneLine(writeCause)}.`,
        `ECS started no task for it, so nothing is running. Its record stays PENDING${lockLine ? `, and ${lockLine}` : ''}.`,
      ],
      fix: [
        `\`runvoy reconcile${flag}\` marks it LOST${failed.lockFree ? '' : ' and frees the lock'} once its grace period (${graceText()} after it was written) has passed.`,
        failed.lockFree
          ? ''
          : `To free the lock now: \`runvoy locks release ${record.lockName} --force${flag}\` (nothing is running for it).`,
        cause.fix ? `About the cause: ${cause.fix}` : '',
      ],
      code: 'START_FAILED_UNRECORDED',
      cause,
    },
    { ...state, recordStatus: failed.record.status },
  );
}

/**
 * Records the started task on the run: PENDING -> STARTING or RUNNING, conditioned on PENDING. When the
 * condition fails, someone moved the run first:
 * - `reconcile` found this task by its startedBy and recorded it (STARTING/RUNNING, or finished if it
 *   already stopped): carry on with that record;
 * - `reconcile` marked the run LOST (RunTask took longer than its grace) and freed its lock, which another
 *   run may hold now: this task must not run without its lock, so it is stopped, its ARN is noted on the
 *   LOST record, and the error says what happened (docs/locks.md, "A task that starts after its run was
 *   marked LOST").
 * When the write itself fails, the task runs and holds the lock: the error says so, with the task ARN.
 */
export async function recordStartedTask(
  ctx: StartContext,
  record: ExecutionRecord,
  task: Task,
  patch: Partial<ExecutionRecord>,
): Promise<ExecutionRecord> {
  const flag = stackFlag(ctx);
  const taskArn = task.taskArn as string;
  let updated: ExecutionRecord | undefined;
  let current: ExecutionRecord | undefined;
  try {
    updated = await ctx.store.updateExecution(record.id, ['PENDING'], patch);
  } catch (error) {
    const cause = toRunvoyError(error);
    const lock = record.lockName ? ` and holds ${lockPhrase(record)}` : '';
    throw startError(
      record,
      {
        what: `Execution ${record.id} started task ${taskArn}, but runvoy could not record it: ${cause.what}`,
        why: [
          cause.why ?? '',
          `The task is running${lock}; the record still says PENDING, without the task.`,
        ],
        fix: [
          `\`runvoy reconcile${flag}\` records the task on the run (RUNNING); then \`runvoy logs ${record.id} --follow${flag}\` follows it and \`runvoy status ${record.id}${flag}\` shows it.`,
          `\`runvoy kill ${record.id}${flag}\` stops it now (it finds the task by its startedBy).`,
          'Starting another run would run the command twice.',
        ],
        code: 'RECORD_UPDATE_FAILED',
        cause,
      },
      { recordStatus: 'PENDING', ...lockState(record, true), taskStarted: true, taskArn },
    );
  }
  if (updated) return updated;
  try {
    current = await ctx.store.getExecution(record.id);
  } catch (error) {
    const cause = toRunvoyError(error);
    throw startError(
      record,
      {
        what: `Execution ${record.id} started task ${taskArn}, but its record had moved on and runvoy could not read it: ${cause.what}`,
        why: [
          cause.why ?? '',
          '`runvoy reconcile` may have recorded the task first, or marked the run LOST (and freed its lock) before the task started.',
        ],
        fix: [
          `\`runvoy status ${record.id}${flag}\` shows the record. If it is LOST, the task runs without its lock: stop it with \`aws ecs stop-task --cluster ${task.clusterArn ?? ctx.stack.outputs.clusterName} --task ${taskArn}\`.`,
          'Starting another run would run the command twice.',
        ],
        code: 'RECORD_UNREADABLE',
        cause,
      },
      { recordStatus: 'unknown', ...lockState(record, 'unknown'), taskStarted: true, taskArn },
    );
  }

  if (current && current.taskArn === taskArn) {
    // Recorded first by reconcile (or finished already): keep its record, adding what it could not know.
    if (isTerminal(current.status)) {
      await dropSchedule(ctx, patch.timeoutScheduleName, current);
      return current;
    }
    const extra: Partial<ExecutionRecord> = {
      ...(patch.timeoutScheduleName ? { timeoutScheduleName: patch.timeoutScheduleName } : {}),
      ...(patch.capacityProvider ? { capacityProvider: patch.capacityProvider } : {}),
      ...(patch.taskDefinitionArn && !current.taskDefinitionArn
        ? { taskDefinitionArn: patch.taskDefinitionArn }
        : {}),
    };
    if (Object.keys(extra).length === 0) return current;
    return (await ctx.store.updateExecution(record.id, [current.status], extra)) ?? current;
  }
  throw await stopOrphanedTask(ctx, record, current, task, patch);
}

async function dropSchedule(
  ctx: StartContext,
  name: string | undefined,
  current: ExecutionRecord | undefined,
): Promise<void> {
  if (!name || current?.timeoutScheduleName === name) return;
  await deleteTimeoutSchedule(ctx.clients, name).catch((error: Error) =>
    ctx.warn(`Could not delete the timeout schedule ${name}: ${error.message}`),
  );
}

/** The run finished without this task (marked LOST): stop the task, note it on the record, free the lock. */
async function stopOrphanedTask(
  ctx: StartContext,
  record: ExecutionRecord,
  current: ExecutionRecord | undefined,
  task: Task,
  patch: Partial<ExecutionRecord>,
): Promise<RunvoyError> {
  const flag = stackFlag(ctx);
  const taskArn = task.taskArn as string;
  const cluster = task.clusterArn ?? record.clusterArn ?? ctx.stack.outputs.clusterName;
  let stopError: RunvoyError | undefined;
  try {
    await stopTask(ctx.clients, cluster, taskArn, STARTED_AFTER_LOST_REASON);
  } catch (error) {
    stopError = toRunvoyError(error);
  }
  await dropSchedule(ctx, patch.timeoutScheduleName, undefined);
  const status = current?.status ?? 'unknown';
  if (current && isTerminal(current.status)) {
    // The record keeps its terminal status (a status only moves forward) and learns about the task, so that
    // record, lock and task agree and reconcile has nothing left to adopt.
    await ctx.store
      .updateExecution(record.id, [current.status], {
        taskArn,
        ...(task.taskDefinitionArn ? { taskDefinitionArn: task.taskDefinitionArn } : {}),
        stoppedReason:
          `${current.stoppedReason ?? `marked ${current.status}`}; its task ${taskArn} started after that and runvoy stopped it`.slice(
            0,
            1000,
          ),
      })
      .catch((error: Error) => ctx.warn(`Could not note the task on the record: ${error.message}`));
  }
  let lockLine = '';
  let lockHeld: boolean | 'unknown' = 'unknown';
  if (record.lockName && record.fence !== undefined) {
    try {
      // A terminal run holds no lock: free it if the LOST marking left it held (its release failed).
      if (current && isTerminal(current.status))
        await ctx.store.releaseLock(record.lockName, record.id, record.fence);
      const lock = await ctx.store.getLock(record.lockName);
      lockHeld = lock?.state === 'HELD' && lock.holderExecutionId === record.id;
      lockLine =
        lock?.state === 'HELD' && lock.holderExecutionId !== record.id
          ? ` Its lock "${record.lockName}" is now held by execution ${lock.holderExecutionId} (fence ${lock.fence}).`
          : lockHeld
            ? ` It still holds ${lockPhrase(record)}.`
            : ` Its lock "${record.lockName}" is free.`;
    } catch {
      lockLine = '';
    }
  }
  const stopped = stopError
    ? `runvoy could not stop that task (${oneLine(stopError)})`
    : `runvoy stopped that task (${taskArn})`;
  return startError(
    record,
    {
      what: `Execution ${record.id} was marked ${status} while its task was starting, so ${stopped}.`,
      why: [
        current
          ? `\`runvoy reconcile\` found no task for it within its grace period and ${record.lockName ? 'freed its lock' : 'gave up on it'}: RunTask answered only after that, and a task running without its lock could overlap the next holder's work.${lockLine}`
          : `Its record is gone, so nothing can track the task.`,
        `The record stays ${status}, now with the task's ARN.`,
      ],
      fix: stopError
        ? [
            `Stop the task now: \`aws ecs stop-task --cluster ${cluster} --task ${taskArn}\`.`,
            `Then check what it did with \`runvoy logs ${record.id}${flag}\`.`,
          ]
        : [
            `Nothing of this run is running now. \`runvoy logs ${record.id}${flag}\` shows what the task did before it was stopped; start a new \`runvoy run\` if the work still needs doing.`,
          ],
      code: 'STARTED_AFTER_LOST',
    },
    {
      recordStatus: status,
      ...lockState(record, lockHeld),
      taskStarted: true,
      taskArn,
      taskStopped: !stopError,
    },
  );
}
