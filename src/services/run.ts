import type { Task } from '@aws-sdk/client-ecs';
import { hostname } from 'node:os';
import { createTimeoutSchedule, TIMEOUT_STOP_REASON } from '../aws/schedules.js';
import type { TransactGuard } from '../aws/store.js';
import type { AuditEvent } from '../core/items.js';
import { describeTask, runTask, stopTask, type RunTaskResult } from '../aws/tasks.js';
import { awsFailureKind } from '../aws/errors.js';
import type { RunvoyError } from '../core/errors.js';
import type { ExecutionRecord } from '../core/execution.js';
import {
  LOST_GRACE_FLOOR_MS,
  RUN_TASK_PHASE_LIMIT_MS,
  runTaskDeadline,
  runTaskPhaseStart,
} from '../core/grace.js';
import { newExecutionId } from '../core/ids.js';
import type { LockItem } from '../core/lock-protocol.js';
import type { RunRequest } from '../core/run-request.js';
import { buildContainerOverrides, startedByFor } from '../core/run-plan.js';
import { isTerminal, previousStatusesOf } from '../core/status.js';
import { runvoyTaskTags } from '../core/tags.js';
import { taskOutcome } from '../core/task-result.js';
import { buildTaskDefinition, taskDefinitionFamily, type TaskDefSpec } from '../core/taskdef.js';
import { dropUndefined, finaliseExecution, type Finalised } from './finalise.js';
import { afterRunTaskFailed, recordStartedTask, type StartContext } from './start-outcome.js';
import { ATTACHED_LEASE_MS, DETACHED_LEASE_MS, HEARTBEAT_MS, createWithLock } from './lock-service.js';
import type { StackContext } from './stack-context.js';
import type { StackCommandContext } from '../context.js';
import { failureText, lostContactError, type LeaseState } from './lost-contact.js';
import type { LogLine } from '../aws/logs.js';
import type { TailNotice, TailTiming } from './tail.js';
import type { LogsQuery } from './logs.js';

export interface RunReporter {
  waitingForLock(lock: LockItem, remainingMs: number): void;
  lockAcquired(name: string, fence: number, takeover: LockItem | undefined): void;
  registered(family: string): void;
  spotFellBack(reason: string): void;
  started(record: ExecutionRecord): void;
  status(record: ExecutionRecord): void;
  warn(message: string): void;
}

/**
 * What starting and following a run use: the command context's clients, table, stack and clock, and the
 * reporter that tells the user what happens.
 */
export type RunDeps = Pick<StackCommandContext, 'clients' | 'store' | 'stack' | 'clock'> & {
  reporter: RunReporter;
};

export function taskDefSpecFor(request: RunRequest, stack: StackContext): TaskDefSpec {
  return {
    image: request.image,
    arch: request.arch,
    executionRoleArn: stack.outputs.executionRoleArn,
    taskRoleArn: request.taskRoleArn ?? stack.outputs.taskRoleArn,
    logGroup: stack.outputs.logGroupName,
    region: stack.region,
    secrets: request.secrets,
    ephemeralStorageGiB: request.ephemeralStorageGiB,
  };
}

/** The tags every runvoy task carries, so that reconcile can adopt or match tasks without a record. */
export function taskTags(request: RunRequest, record: ExecutionRecord): Record<string, string> {
  const own = { executionId: record.id, callerArn: record.callerArn, host: record.host };
  return { ...request.tags, ...runvoyTaskTags({ ...own, lockName: record.lockName }) };
}

/**
 * Writes the record (and takes the lock) in one transaction, then starts the task. If ECS starts nothing,
 * the record becomes FAILED and the lock is released before the error is thrown. Every error after the
 * record is written names the execution and says what state it is in (src/services/start-outcome.ts).
 *
 * No RunTask is sent after the phase's deadline: RUN_TASK_PHASE_LIMIT_MS from the later of the record's
 * createdAt and the lock's acquiredAt, the instant reconcile counts its grace from, both taken before the
 * transaction is sent. A start that runs out of time fails (FAILED, lock freed) if no RunTask was in
 * flight, and is "may have started" if one was.
 */
export async function startExecution(
  deps: RunDeps,
  request: RunRequest,
  /**
   * `guard`: a condition the start transaction must also hold (the team policy's version).
   * `runTaskPhaseLimitMs`: how long the RunTask phase may take (src/core/grace.ts); shorter in tests.
   */
  options: { guard?: TransactGuard; runTaskPhaseLimitMs?: number } = {},
): Promise<ExecutionRecord> {
  const { clients, store, stack, reporter } = deps;
  const now = () => deps.clock.now();
  const spec = taskDefSpecFor(request, stack);
  const family = taskDefinitionFamily(spec, stack.stackName);
  const createdAt = new Date(now());
  const timeoutAt =
    request.timeoutMs === undefined ? undefined : new Date(createdAt.getTime() + request.timeoutMs);
  const phaseLimitMs = options.runTaskPhaseLimitMs ?? RUN_TASK_PHASE_LIMIT_MS;
  let phaseStart = createdAt.getTime();
  let record: ExecutionRecord = {
    id: newExecutionId(),
    status: 'PENDING',
    origin: 'cli',
    callerArn: stack.identity.arn,
    host: hostname(),
    command: request.command,
    shell: request.shell,
    image: request.image,
    taskDefinitionFamily: family,
    clusterArn: stack.outputs.clusterArn,
    region: stack.region,
    cpu: request.cpu,
    memory: request.memory,
    arch: request.arch,
    spot: request.spot,
    ephemeralStorageGiB: request.ephemeralStorageGiB,
    tags: request.tags,
    envNames: request.env.map((e) => e.name),
    secretNames: request.secrets.map((s) => s.name),
    createdAt: createdAt.toISOString(),
    timeoutMs: request.timeoutMs,
    timeoutAt: timeoutAt?.toISOString(),
    detached: request.detach,
  };
  const audit: AuditEvent = {
    id: `${record.id}-run`,
    at: record.createdAt,
    action: 'run',
    actorArn: record.callerArn,
    host: record.host,
    executionId: record.id,
    lockName: request.lockName,
    detail: { image: request.image, command: request.command },
  };
  if (request.lockName) {
    const deadline = (t: number) => timeoutAt?.getTime() ?? t + DETACHED_LEASE_MS;
    const acquired = await createWithLock(deps, record, request.lockName, {
      waitMs: request.lockWaitMs,
      // Until its task is recorded, the lease is all that protects a holder: it lasts as long as reconcile's
      // grace floor (the RunTask deadline plus its margin), so that nobody takes the lock over while the
      // task may still be started.
      leaseUntil: (t) =>
        Math.max(
          request.detach ? deadline(t) : t + ATTACHED_LEASE_MS,
          Math.max(t, createdAt.getTime()) + LOST_GRACE_FLOOR_MS,
        ),
      onWait: (lock, remaining) => reporter.waitingForLock(lock, remaining),
      audit,
      guard: options.guard,
    });
    record = acquired.record;
    phaseStart = runTaskPhaseStart(record.createdAt, acquired.acquiredAt);
    reporter.lockAcquired(request.lockName, record.fence ?? 0, acquired.takeover);
  } else {
    await store.createExecution(record, undefined, audit, options.guard);
  }

  const overrides = buildContainerOverrides({
    command: request.command,
    shell: request.shell,
    env: request.env,
    executionId: record.id,
    lockName: record.lockName,
    fence: record.fence,
    cpu: request.cpu,
    memory: request.memory,
  });
  const startCtx: StartContext = { clients, store, stack, warn: reporter.warn };
  let started: RunTaskResult;
  try {
    started = await runTask(clients, {
      cluster: stack.outputs.clusterName,
      family,
      overrides,
      startedBy: startedByFor(record.id),
      clientToken: record.id,
      tags: taskTags(request, record),
      subnets: stack.outputs.subnetIds,
      securityGroups: [stack.outputs.securityGroupId],
      assignPublicIp: stack.outputs.assignPublicIp,
      spot: request.spot,
      register: async () => {
        reporter.registered(family);
        return buildTaskDefinition(spec, family);
      },
      deadline: { at: runTaskDeadline(phaseStart, phaseLimitMs), limitMs: phaseLimitMs, now },
    });
  } catch (error) {
    // Marks the run FAILED when ECS started nothing; finds the task when RunTask's answer was lost; else
    // throws what is known (the record, the lock, whether a task may have started) and what to do.
    started = await afterRunTaskFailed(startCtx, record, error);
  }
  if (started.spotFellBack) reporter.spotFellBack(started.spotFailure ?? 'no Spot capacity');

  const task = started.task;
  const outcome = taskOutcome(task);
  const patch: Partial<ExecutionRecord> = {
    status: outcome.status === 'RUNNING' ? 'RUNNING' : 'STARTING',
    taskArn: task.taskArn,
    taskDefinitionArn: task.taskDefinitionArn,
    capacityProvider: started.capacityProvider,
  };
  if (timeoutAt && task.taskArn) {
    try {
      patch.timeoutScheduleName = await createTimeoutSchedule(clients, {
        executionId: record.id,
        at: timeoutAt,
        cluster: stack.outputs.clusterName,
        taskArn: task.taskArn,
        roleArn: stack.outputs.schedulerRoleArn,
      });
    } catch (error) {
      reporter.warn(
        `Could not schedule the --timeout stop (${(error as Error).message}); it holds while attached, and \`runvoy reconcile\` enforces it otherwise.`,
      );
    }
  }
  // Conditioned on PENDING; when someone moved the run first (reconcile), acts on it: see recordStartedTask.
  record = await recordStartedTask(startCtx, record, task, dropUndefined(patch));
  reporter.started(record);
  return record;
}

export interface WatchOptions {
  /**
   * `attached` (default): `run`, which holds the run's lock: it renews the lease, enforces --timeout,
   * records status changes and, on detach or lost contact, extends the lease and marks the record detached.
   * `following`: `logs --follow`, which holds nothing and writes nothing but the final status.
   */
  mode?: 'attached' | 'following';
  /** Set when the user asks to detach (Ctrl-C). */
  detachSignal: AbortSignal;
  pollMs?: (attempt: number) => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Told when AWS is given up on, before the last writes (the attached log stops quietly then). */
  onLosingContact?: () => void;
}

export type WatchResult =
  | { kind: 'finished'; finalised: Finalised }
  | { kind: 'detached'; record: ExecutionRecord }
  /** Following: ECS no longer knows the task (reconcile will mark the run LOST). */
  | { kind: 'gone'; record: ExecutionRecord };

const defaultPoll = (attempt: number) => Math.min(1000 + attempt * 250, 3000);

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

/**
 * The one poll loop over a run's task, for `run` (attached) and `logs --follow` (following): watches the
 * task until it stops, then finalises the record. Attached, it also renews the lock lease, enforces
 * --timeout and records status changes; detaching keeps the task and its lock, with the lease extended to
 * the deadline. Following, it holds and writes nothing but the final status.
 *
 * AWS failing does not end the run at once: a poll that fails with throttling, a server error or a broken
 * connection is tried again on the next tick, for up to aws.timeout since AWS last answered. Past that
 * (or at once when an endpoint answered nothing for aws.timeout, or refused outright), the CLI lets go as
 * a detach does, if it still can, and throws a LOST_CONTACT error that says the task still runs, what
 * became of its lock, and how to get back to it.
 */
export async function watchExecution(
  deps: RunDeps,
  initial: ExecutionRecord,
  options: WatchOptions,
): Promise<WatchResult> {
  const { clients, store, stack, reporter } = deps;
  const attached = (options.mode ?? 'attached') === 'attached';
  const now = () => deps.clock.now();
  const poll = options.pollMs ?? defaultPoll;
  const sleep = options.sleep ?? abortableSleep;
  let record = initial;
  let timedOut = false;
  let timeoutAnnounced = false;
  let lastHeartbeat = now();
  // At most this: startExecution wrote the lease before the watch began.
  let leaseExpiresAt = lastHeartbeat + ATTACHED_LEASE_MS;
  let lastContact = now();
  let lastSeenAt: number | undefined;
  let taskStatus: string | undefined;
  let troubled = false;
  const cluster = record.clusterArn ?? stack.outputs.clusterName;
  const taskArn = record.taskArn;
  if (!taskArn) throw new Error(`execution ${record.id} has no task to watch`);

  /** One look at the task; a result when the watch is over. */
  const pollOnce = async (): Promise<WatchResult | undefined> => {
    const task: Task | undefined = await describeTask(clients, cluster, taskArn);
    lastSeenAt = now();
    taskStatus = task?.lastStatus;
    if (!task) {
      reporter.warn(`ECS no longer knows task ${taskArn}; \`runvoy reconcile\` will mark the run LOST.`);
      return attached ? { kind: 'detached', record } : { kind: 'gone', record };
    }
    if (task.lastStatus === 'STOPPED') {
      const finalised = await finaliseExecution({ clients, store, warn: reporter.warn }, record, task, {
        timedOut,
      });
      return { kind: 'finished', finalised };
    }
    const outcome = taskOutcome(task);
    if (
      !attached &&
      outcome.status !== record.status &&
      previousStatusesOf(outcome.status).includes(record.status)
    ) {
      record = { ...record, status: outcome.status };
      reporter.status(record);
    }
    if (
      attached &&
      outcome.status !== record.status &&
      (outcome.status === 'RUNNING' || outcome.status === 'STARTING')
    ) {
      const moved = await store.updateExecution(record.id, previousStatusesOf(outcome.status), {
        status: outcome.status,
        startedAt: outcome.startedAt,
        pullStartedAt: outcome.pullStartedAt,
      });
      if (moved) {
        record = moved;
        reporter.status(record);
      }
    }
    if (attached && !timedOut && record.timeoutAt && now() >= Date.parse(record.timeoutAt)) {
      if (!timeoutAnnounced) reporter.warn(`--timeout reached: stopping the task.`);
      timeoutAnnounced = true;
      await stopTask(clients, cluster, taskArn, TIMEOUT_STOP_REASON);
      timedOut = true;
    }
    if (attached && record.lockName && record.fence !== undefined && now() - lastHeartbeat >= HEARTBEAT_MS) {
      const until = now() + ATTACHED_LEASE_MS;
      const kept = await store.extendLease(record.lockName, record.id, record.fence, until);
      lastHeartbeat = now();
      if (kept) leaseExpiresAt = until;
      else
        reporter.warn(
          `The lock "${record.lockName}" is no longer held by this run (it was released by force).`,
        );
    }
    return undefined;
  };

  const letGo = async (error: unknown, kind: 'unresponsive' | 'transient' | 'other') => {
    options.onLosingContact?.();
    if (attached) return loseContact(deps, record, error, kind, { lastSeenAt, taskStatus, leaseExpiresAt });
    return lostContactError({
      mode: 'following',
      record,
      cause: failureText(error),
      refused: kind === 'other',
      lastSeenAt,
      taskStatus,
      lease: { kind: 'none' },
      stackName: stack.stackName,
    });
  };

  for (let attempt = 0; ; attempt++) {
    if (options.detachSignal.aborted) {
      if (!attached) return { kind: 'detached', record };
      try {
        return { kind: 'detached', record: await detach(deps, record) };
      } catch (error) {
        const kind = awsFailureKind(error);
        if (kind === undefined) throw error;
        throw await letGo(error, kind);
      }
    }
    try {
      const result = await pollOnce();
      lastContact = now();
      if (troubled) {
        troubled = false;
        reporter.warn(`AWS answers again; still ${attached ? 'attached' : 'following'}.`);
      }
      if (result) return result;
    } catch (error) {
      const kind = awsFailureKind(error);
      if (kind === undefined) throw error;
      if (kind !== 'transient' || now() - lastContact >= clients.timeoutMs) throw await letGo(error, kind);
      if (!troubled) {
        troubled = true;
        reporter.warn(
          `${failureText(error)}; the task keeps running, and runvoy keeps trying for up to ${Math.round(clients.timeoutMs / 1000)}s (aws.timeout).`,
        );
      }
    }
    await sleep(poll(attempt), options.detachSignal);
  }
}

/** How long the last writes of a run that lost AWS may wait (at most aws.timeout). */
export const LAST_CHANCE_MS = 10_000;

/**
 * Lets go of a run whose AWS calls keep failing, as a detach does if it still can: the lease extended to
 * the run's deadline and the record marked detached. Returns the LOST_CONTACT error to throw.
 */
async function loseContact(
  deps: RunDeps,
  record: ExecutionRecord,
  error: unknown,
  kind: 'unresponsive' | 'transient' | 'other',
  seen: { lastSeenAt?: number; taskStatus?: string; leaseExpiresAt: number },
): Promise<RunvoyError> {
  const { clients, store } = deps;
  const now = () => deps.clock.now();
  clients.lastChance(Math.min(LAST_CHANCE_MS, clients.timeoutMs));
  let lease: LeaseState = { kind: 'none' };
  if (record.lockName && record.fence !== undefined) {
    const until = detachedLeaseUntil(record, now());
    try {
      const kept = await store.extendLease(record.lockName, record.id, record.fence, until);
      lease = kept ? { kind: 'extended', until } : { kind: 'released' };
    } catch (writeError) {
      if (awsFailureKind(writeError) === undefined) throw writeError;
      lease = { kind: 'not-extended', expiresAt: seen.leaseExpiresAt, reason: failureText(writeError) };
    }
  }
  let current = record;
  try {
    current = (await store.updateExecution(record.id, [record.status], { detached: true })) ?? record;
  } catch (writeError) {
    // The record stays attached; reconcile finalises it all the same once the task stops.
    if (awsFailureKind(writeError) === undefined) throw writeError;
  }
  return lostContactError({
    mode: 'attached',
    record: current,
    cause: failureText(error),
    refused: kind === 'other',
    lastSeenAt: seen.lastSeenAt,
    taskStatus: seen.taskStatus,
    lease,
    stackName: deps.stack.stackName,
  });
}

/** Until when a detached run holds its lock: its --timeout, else DETACHED_LEASE_MS from now. */
export function detachedLeaseUntil(record: ExecutionRecord, now: number): number {
  return record.timeoutAt ? Date.parse(record.timeoutAt) : now + DETACHED_LEASE_MS;
}

/** Leaves the task running with its lock: the lease now lasts until the run's deadline. */
export async function detach(deps: RunDeps, record: ExecutionRecord): Promise<ExecutionRecord> {
  const now = () => deps.clock.now();
  if (record.lockName && record.fence !== undefined) {
    await deps.store.extendLease(record.lockName, record.id, record.fence, detachedLeaseUntil(record, now()));
  }
  return (await deps.store.updateExecution(record.id, [record.status], { detached: true })) ?? record;
}

/**
 * Stops an execution's task for the user at the keyboard, as `runvoy kill` does (the same reason, record
 * fields and audit event), so that whoever finalises the run records it as STOPPED (exit 130).
 */
export async function killExecutionTask(
  deps: Pick<StackCommandContext, 'clients' | 'store' | 'stack' | 'clock'>,
  record: ExecutionRecord,
): Promise<void> {
  if (!record.taskArn) return;
  const { killExecution } = await import('./kill.js');
  await killExecution(deps, record.id, () => deps.clock.now());
}

export interface AttachOptions extends WatchOptions {
  /** Receives the run's log lines, page by page, in order, each once. */
  onLines(lines: LogLine[]): void | Promise<void>;
  onNotice?: (notice: TailNotice) => void;
  tailTiming?: Partial<TailTiming>;
  /** Which lines (`logs --follow --since/--filter/--grep/--tail`); all of them by default. */
  query?: Omit<LogsQuery, 'follow'>;
}

/**
 * Follows an execution: watches its task (watchExecution, the one poll loop) and streams its log at the
 * same time. When the task stops the log is drained once more before this returns, so the summary comes
 * after the last line. Attached (`run`), a log that cannot be read (no permission, say) is a warning, never
 * the end of the run; following (`logs --follow`), the log is the point, so it ends the follow with its
 * error (LOST_CONTACT when AWS is what failed and the task may still run). A run that has stopped already
 * (or has no task) is read to its end without a watch.
 */
export async function attachExecution(
  deps: RunDeps,
  record: ExecutionRecord,
  options: AttachOptions,
): Promise<WatchResult> {
  const { readExecutionLogs, followFailure } = await import('./logs.js');
  const attached = (options.mode ?? 'attached') === 'attached';
  if (!attached && (isTerminal(record.status) || !record.taskArn)) {
    const stoppedLongAgo =
      !record.stoppedAt || deps.clock.now() - Date.parse(record.stoppedAt) > STOPPED_LONG_AGO_MS;
    for await (const page of readExecutionLogs(
      { clients: deps.clients, stack: deps.stack, record },
      { ...options.query, follow: true },
      {
        isStopped: () => true,
        signal: options.detachSignal,
        onNotice: options.onNotice,
        // A run that stopped long ago has nothing left to flush: no grace before the final drain.
        timing: {
          giveUpAfterMs: deps.clients.timeoutMs,
          ...options.tailTiming,
          ...(stoppedLongAgo ? { drainGraceMs: 0 } : {}),
        },
      },
    )) {
      await options.onLines(page);
    }
    return options.detachSignal.aborted ? { kind: 'detached', record } : { kind: 'gone', record };
  }
  let stopped = false;
  let tailError: { error: unknown } | undefined;
  let current = record;
  // Following, a log that fails ends the watch too (see tailError).
  const watchAbort = new AbortController();
  const endWatch = () => watchAbort.abort();
  options.detachSignal.addEventListener('abort', endWatch);
  const tailAbort = new AbortController();
  const abortTail = () => tailAbort.abort();
  options.detachSignal.addEventListener('abort', abortTail);
  let watchEnded = () => {};
  const watchEnd = new Promise<void>((resolve) => (watchEnded = resolve));
  const tailing = (async () => {
    try {
      for await (const page of readExecutionLogs(
        { clients: deps.clients, stack: deps.stack, record },
        { ...options.query, follow: true },
        {
          isStopped: () => stopped,
          signal: tailAbort.signal,
          onNotice: options.onNotice,
          timing: { giveUpAfterMs: deps.clients.timeoutMs, ...options.tailTiming },
        },
      )) {
        await options.onLines(page);
      }
    } catch (error) {
      if (!attached) {
        tailError = { error };
        watchAbort.abort();
        return;
      }
      // When AWS is what failed, the watch is likely to lose it too in a moment, and then its own error
      // says it all: give it that moment before warning about the log alone.
      const kind = awsFailureKind(error);
      if ((kind === 'unresponsive' || kind === 'transient') && !tailAbort.signal.aborted) {
        await settledOrAfter([watchEnd, aborted(tailAbort.signal)], TAIL_WARNING_GRACE_MS);
      }
      if (!tailAbort.signal.aborted) {
        deps.reporter.warn(
          `The log stopped streaming (${(error as Error).message}); read it with \`runvoy logs ${record.id}\`.`,
        );
      }
    }
  })();
  const reporter = {
    ...deps.reporter,
    status: (r: ExecutionRecord) => {
      current = r;
      deps.reporter.status(r);
    },
  };
  try {
    const result = await watchExecution({ ...deps, reporter }, record, {
      ...options,
      detachSignal: watchAbort.signal,
      onLosingContact: abortTail,
    });
    if (result.kind === 'finished' || result.kind === 'gone') stopped = true;
    else tailAbort.abort();
    watchEnded();
    await tailing;
    if (tailError) throw followFailure(tailError.error, current, deps.stack.stackName);
    return result;
  } catch (error) {
    tailAbort.abort();
    watchEnded();
    await tailing;
    if (tailError && error !== tailError.error)
      throw followFailure(tailError.error, current, deps.stack.stackName);
    throw error;
  } finally {
    options.detachSignal.removeEventListener('abort', abortTail);
    options.detachSignal.removeEventListener('abort', endWatch);
  }
}

/** A run stopped longer ago than this has flushed its log: no grace before the final drain. */
const STOPPED_LONG_AGO_MS = 60_000;

/** How long a log that failed on AWS waits for the watch's verdict before warning on its own. */
const TAIL_WARNING_GRACE_MS = 10_000;

/** Waits for the first of `promises`, or `ms`, and leaves no timer behind. */
async function settledOrAfter(promises: Promise<void>[], ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([...promises, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
