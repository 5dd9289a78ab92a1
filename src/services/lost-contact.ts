import { toRunvoyError } from '../aws/errors.js';
import { isAwsUnresponsive } from '../aws/watchdog.js';
import { ExitCode, RunvoyError } from '../core/errors.js';
import type { ExecutionRecord } from '../core/execution.js';

/** What became of the run's lock when the CLI let go of it. */
export type LeaseState =
  | { kind: 'none' }
  /** The detach write went through: the lease lasts until the run's deadline. */
  | { kind: 'extended'; until: number }
  /** It could not be written: the lease runs out at `expiresAt` (the last one written). */
  | { kind: 'not-extended'; expiresAt: number; reason: string }
  /** The lock is no longer this run's (released by force). */
  | { kind: 'released' };

export interface LostContact {
  /** `attached`: a `run` that holds the lock; `following`: `logs --follow`, which holds nothing. */
  mode: 'attached' | 'following';
  record: ExecutionRecord;
  /** What failed, as a sentence without its final stop: "AWS ECS DescribeTasks did not answer ...". */
  cause: string;
  /** The AWS error was a refusal (an expired session, say), not silence or a broken connection. */
  refused?: boolean;
  /** When AWS last answered a poll of the task, and the task's status then (ECS's lastStatus). */
  lastSeenAt?: number;
  taskStatus?: string;
  lease: LeaseState;
  stackName: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The error a long wait ends with when AWS stops answering: the task is not stopped by that, so it says
 * that it still runs (as far as runvoy knows), what became of its lock, and how to get back to it.
 * Exit code 1: a runtime failure, not a user's interrupt (130) nor the container's own code.
 */
export function lostContactError(lost: LostContact): RunvoyError {
  const { record, lease } = lost;
  const stackFlag = lost.stackName === 'runvoy' ? '' : ` --stack ${lost.stackName}`;
  const verb = lost.mode === 'attached' ? 'attached to' : 'following';
  const what = lost.refused
    ? `runvoy can no longer follow ${record.id}: ${lost.cause}.`
    : `Lost contact with AWS while ${verb} ${record.id}: ${lost.cause}.`;
  const seen = lost.lastSeenAt === undefined ? '' : ` at ${iso(lost.lastSeenAt)}`;
  const task = record.taskArn ? `task ${record.taskArn}` : 'task';
  const stopped = lost.taskStatus === 'STOPPED';
  const why = [
    stopped
      ? `Its ${task} has stopped (ECS said STOPPED${seen}), but runvoy could not record how it ended: \`runvoy reconcile\` will, and frees what it held.`
      : `Its ${task} still runs on ECS as far as runvoy knows (last seen ${lost.taskStatus ?? record.status}${seen}); losing contact does not stop it.`,
  ];
  if (record.lockName) {
    const lock = `lock "${record.lockName}"${record.fence === undefined ? '' : ` (fence ${record.fence})`}`;
    if (lease.kind === 'extended') {
      why.push(`It keeps the ${lock}: its lease now lasts until ${iso(lease.until)}, as for a detached run.`);
    } else if (lease.kind === 'not-extended') {
      why.push(
        `It still holds the ${lock}, but the lease could not be extended (${lease.reason}): it expires at ${iso(lease.expiresAt)}, and after that another run can take the lock while this task may still run.`,
      );
    } else if (lease.kind === 'released') {
      why.push(`The ${lock} is no longer held by this run: it was released by force.`);
    } else if (lost.mode === 'following') {
      why.push(`Its run holds the ${lock}; following it neither takes nor renews the lock.`);
    }
  }
  if (record.timeoutAt) why.push(`Its --timeout still stops it at ${record.timeoutAt}.`);
  return new RunvoyError({
    what,
    why: why.join(' '),
    fix: `When AWS answers again: follow it with \`runvoy logs ${record.id} --follow${stackFlag}\`, see it with \`runvoy status ${record.id}${stackFlag}\`, or stop it with \`runvoy kill ${record.id}${stackFlag}\`.`,
    exitCode: ExitCode.Failure,
    code: 'LOST_CONTACT',
    data: {
      executionId: record.id,
      taskArn: record.taskArn,
      lastStatus: record.status,
      ...(lost.taskStatus === undefined ? {} : { taskStatus: lost.taskStatus }),
      ...(lost.lastSeenAt === undefined ? {} : { lastSeenAt: iso(lost.lastSeenAt) }),
      ...(record.lockName
        ? {
            lock: record.lockName,
            fence: record.fence,
            leaseExtended: lease.kind === 'extended',
            ...(lease.kind === 'extended' ? { leaseUntil: iso(lease.until) } : {}),
            ...(lease.kind === 'not-extended' ? { leaseExpiresAt: iso(lease.expiresAt) } : {}),
          }
        : {}),
    },
  });
}

/** A failed AWS call in a few words, without a final stop. */
export function failureText(error: unknown): string {
  if (isAwsUnresponsive(error)) {
    const where = `${error.endpoint}${error.region ? ` (${error.region})` : ''}`;
    return `${error.service} ${error.operation} got no answer from ${where} within ${Math.round(error.timeoutMs / 1000)}s`;
  }
  return toRunvoyError(error).what.replace(/\.$/, '');
}
