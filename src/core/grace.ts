/**
 * How long a run may take to start its task, and so how long `reconcile` (and a lock taker) must wait
 * before it gives up on a run without a task (docs/locks.md, "How long RunTask can take").
 *
 * The bound does not depend on anyone's settings: the runner sends no RunTask (nor RegisterTaskDefinition)
 * after `phaseStart + RUN_TASK_PHASE_LIMIT_MS`, and aborts any call still in flight at that instant
 * (src/aws/run-task-deadline.ts). Everyone else counts from the same `phaseStart`, which is written in the
 * table (the record's `createdAt`, the lock's `acquiredAt`), so a reconcile on another machine, with its own
 * aws.timeout, knows when the run's task can no longer appear.
 */

/**
 * The RunTask phase's hard limit, from phaseStart. With the default aws.timeout (60 s a call), it holds the
 * lock transaction and the four ECS calls the phase can make (RunTask, RegisterTaskDefinition, RunTask on
 * Spot, RunTask on demand), each waiting its full aws.timeout; each takes well under a second on a healthy
 * AWS. A longer aws.timeout does not stretch it: a start that outlasts it fails and says so.
 */
export const RUN_TASK_PHASE_LIMIT_MS = 5 * 60_000;

/**
 * Added to the limit for everyone who gives up on a run from another machine: a RunTask that reached ECS
 * just before the abort, which ECS carries out in seconds (RunTask answers with the task, and ListTasks shows
 * it from then on), and a clock difference between the runner's machine and the reconciler's of up to about
 * a minute and a half (the deadline is kept with one clock, the grace is measured with another).
 */
export const LOST_GRACE_MARGIN_MS = 2 * 60_000;

/**
 * The shortest `reconcile --grace`, and the shortest first lease of a lock: after it, a run that has no task
 * will never get one. A shorter grace could mark LOST (and free the lock of) a run whose task is still being
 * started.
 */
export const LOST_GRACE_FLOOR_MS = RUN_TASK_PHASE_LIMIT_MS + LOST_GRACE_MARGIN_MS;

/**
 * The default grace before a run whose task ECS does not know is marked LOST: the floor plus three more
 * minutes for clock skew between the CLI that ran and the one that reconciles.
 */
export const DEFAULT_LOST_GRACE_MS = 10 * 60_000;

/**
 * When a run's RunTask phase began: the later of its record's `createdAt` and its lock's `acquiredAt` (a run
 * that waited for its lock wrote its record that long after `createdAt`, which is set before --lock-wait).
 * The runner counts its deadline from it and reconcile its grace, so both count from the same instant.
 * NaN when `createdAt` cannot be read; an unreadable `acquiredAt` is ignored.
 */
export function runTaskPhaseStart(createdAt: string, acquiredAt?: string): number {
  const created = Date.parse(createdAt);
  const acquired = acquiredAt === undefined ? Number.NaN : Date.parse(acquiredAt);
  if (Number.isNaN(created)) return Number.NaN;
  return Number.isNaN(acquired) ? created : Math.max(created, acquired);
}

/** The instant from which no RunTask may be sent any more. */
export function runTaskDeadline(phaseStart: number, limitMs: number = RUN_TASK_PHASE_LIMIT_MS): number {
  return phaseStart + limitMs;
}

/** A duration as `reconcile --grace` takes it and messages show it, in whole minutes, rounded up: 7m. */
export function wholeMinutes(ms: number): string {
  return `${Math.ceil(ms / 60_000)}m`;
}
