/**
 * How long a run can take to start its task, and so how long `reconcile` must wait before it calls a run
 * without a task LOST (docs/locks.md, "How long RunTask can take").
 */

/** The timeouts and retries every AWS client gets (src/aws/clients.ts CLIENT_DEFAULTS). */
export interface ClientLimits {
  maxAttempts: number;
  requestHandler: { connectionTimeout: number; requestTimeout: number };
}

/**
 * The longest the SDK's standard retry strategy sleeps between two attempts (MAXIMUM_RETRY_DELAY in
 * @smithy/util-retry; ECS sends no Retry-After that could stretch it).
 */
export const SDK_MAX_RETRY_DELAY_MS = 20_000;

/**
 * ECS calls made one after the other, at most, between the record's transaction and the last RunTask that
 * can start the task: RunTask (the family is not registered yet), RegisterTaskDefinition, RunTask on Fargate
 * Spot (no capacity), RunTask on demand.
 */
export const RUN_TASK_PHASE_CALLS = 4;

/** The longest one AWS call can take: every attempt connects and waits its full time, with the longest sleeps between. */
export function callWorstCaseMs(limits: ClientLimits): number {
  const { connectionTimeout, requestTimeout } = limits.requestHandler;
  return (
    limits.maxAttempts * (connectionTimeout + requestTimeout) +
    (limits.maxAttempts - 1) * SDK_MAX_RETRY_DELAY_MS
  );
}

/** The longest a run can take from its record's transaction until its task has started or never will. */
export function runTaskWorstCaseMs(limits: ClientLimits): number {
  return RUN_TASK_PHASE_CALLS * callWorstCaseMs(limits);
}

/**
 * The shortest `reconcile --grace` allowed: RunTask's worst case, rounded up to a whole minute. A shorter
 * grace could mark LOST (and free the lock of) a run whose task is still being started.
 */
export function lostGraceFloorMs(limits: ClientLimits): number {
  return Math.ceil(runTaskWorstCaseMs(limits) / 60_000) * 60_000;
}
