import type { Task } from '@aws-sdk/client-ecs';
import { hostname } from 'node:os';
import type { AwsClients } from '../aws/clients.js';
import { createTimeoutSchedule, TIMEOUT_STOP_REASON } from '../aws/schedules.js';
import type { AuditEvent, Store } from '../aws/store.js';
import { describeTask, runTask, stopTask, RUN_TASK_WORST_CASE_MS, type RunTaskResult } from '../aws/tasks.js';
import type { ExecutionRecord } from '../core/execution.js';
import { newExecutionId } from '../core/ids.js';
import type { LockItem } from '../core/lock-protocol.js';
import type { RunRequest } from '../core/run-request.js';
import { buildContainerOverrides, startedByFor } from '../core/run-plan.js';
import { previousStatusesOf } from '../core/status.js';
import { runvoyTaskTags } from '../core/tags.js';
import { taskOutcome } from '../core/task-result.js';
import { buildTaskDefinition, taskDefinitionFamily, type TaskDefSpec } from '../core/taskdef.js';
import { dropUndefined, finaliseExecution, type Finalised } from './finalise.js';
import { afterRunTaskFailed, recordStartedTask, type StartContext } from './start-outcome.js';
import { ATTACHED_LEASE_MS, DETACHED_LEASE_MS, HEARTBEAT_MS, createWithLock } from './lock-service.js';
import type { StackContext } from './stack-context.js';
import type { LogLine } from '../aws/logs.js';
import type { TailNotice, TailTiming } from './tail.js';

export interface RunReporter {
  waitingForLock(lock: LockItem, remainingMs: number): void;
  lockAcquired(name: string, fence: number, takeover: LockItem | undefined): void;
  registered(family: string): void;
  spotFellBack(reason: string): void;
  started(record: ExecutionRecord): void;
  status(record: ExecutionRecord): void;
  warn(message: string): void;
}

export interface RunDeps {
  clients: AwsClients;
  store: Store;
  stack: StackContext;
  reporter: RunReporter;
  now?: () => number;
}

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
 */
export async function startExecution(deps: RunDeps, request: RunRequest): Promise<ExecutionRecord> {
  const { clients, store, stack, reporter } = deps;
  const now = deps.now ?? Date.now;
  const spec = taskDefSpecFor(request, stack);
  const family = taskDefinitionFamily(spec, stack.stackName);
  const createdAt = new Date(now());
  const timeoutAt =
    request.timeoutMs === undefined ? undefined : new Date(createdAt.getTime() + request.timeoutMs);
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
    const acquired = await createWithLock(
      { clients, store, cluster: stack.outputs.clusterName, stackName: stack.stackName, now },
      record,
      request.lockName,
      {
        waitMs: request.lockWaitMs,
        // Until its task is recorded, the lease is all that protects a holder: it lasts at least as long as
        // RunTask can take, so that nobody takes the lock over while the task is being started.
        leaseUntil: (t) =>
          Math.max(request.detach ? deadline(t) : t + ATTACHED_LEASE_MS, t + RUN_TASK_WORST_CASE_MS),
        onWait: (lock, remaining) => reporter.waitingForLock(lock, remaining),
        audit,
      },
    );
    record = acquired.record;
    reporter.lockAcquired(request.lockName, record.fence ?? 0, acquired.takeover);
  } else {
    await store.createExecution(record, undefined, audit);
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
  const startCtx: StartContext = {
    clients,
    store,
    cluster: stack.outputs.clusterName,
    stackName: stack.stackName,
    warn: reporter.warn,
  };
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
  /** Set when the user asks to detach (Ctrl-C). */
  detachSignal: AbortSignal;
  pollMs?: (attempt: number) => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export type WatchResult =
  { kind: 'finished'; finalised: Finalised } | { kind: 'detached'; record: ExecutionRecord };

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
 * Follows an attached run until its task stops: renews the lock lease, enforces --timeout, records status
 * changes, then finalises. Detaching keeps the task and its lock, with the lease extended to the deadline.
 */
export async function watchExecution(
  deps: RunDeps,
  initial: ExecutionRecord,
  options: WatchOptions,
): Promise<WatchResult> {
  const { clients, store, stack, reporter } = deps;
  const now = deps.now ?? Date.now;
  const poll = options.pollMs ?? defaultPoll;
  const sleep = options.sleep ?? abortableSleep;
  let record = initial;
  let timedOut = false;
  let lastHeartbeat = now();
  const cluster = record.clusterArn ?? stack.outputs.clusterName;
  const taskArn = record.taskArn;
  if (!taskArn) throw new Error(`execution ${record.id} has no task to watch`);

  for (let attempt = 0; ; attempt++) {
    if (options.detachSignal.aborted) return { kind: 'detached', record: await detach(deps, record) };
    const task: Task | undefined = await describeTask(clients, cluster, taskArn);
    if (!task) {
      reporter.warn(`ECS no longer knows task ${taskArn}; \`runvoy reconcile\` will mark the run LOST.`);
      return { kind: 'detached', record };
    }
    if (task.lastStatus === 'STOPPED') {
      const finalised = await finaliseExecution({ clients, store, warn: reporter.warn }, record, task, {
        timedOut,
      });
      return { kind: 'finished', finalised };
    }
    const outcome = taskOutcome(task);
    if (outcome.status !== record.status && (outcome.status === 'RUNNING' || outcome.status === 'STARTING')) {
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
    if (!timedOut && record.timeoutAt && now() >= Date.parse(record.timeoutAt)) {
      timedOut = true;
      reporter.warn(`--timeout reached: stopping the task.`);
      await stopTask(clients, cluster, taskArn, TIMEOUT_STOP_REASON);
    }
    if (record.lockName && record.fence !== undefined && now() - lastHeartbeat >= HEARTBEAT_MS) {
      lastHeartbeat = now();
      const kept = await store.extendLease(
        record.lockName,
        record.id,
        record.fence,
        now() + ATTACHED_LEASE_MS,
      );
      if (!kept)
        reporter.warn(
          `The lock "${record.lockName}" is no longer held by this run (it was released by force).`,
        );
    }
    await sleep(poll(attempt), options.detachSignal);
  }
}

/** Leaves the task running with its lock: the lease now lasts until the run's deadline. */
export async function detach(deps: RunDeps, record: ExecutionRecord): Promise<ExecutionRecord> {
  const now = deps.now ?? Date.now;
  if (record.lockName && record.fence !== undefined) {
    const until = record.timeoutAt ? Date.parse(record.timeoutAt) : now() + DETACHED_LEASE_MS;
    await deps.store.extendLease(record.lockName, record.id, record.fence, until);
  }
  return (await deps.store.updateExecution(record.id, [record.status], { detached: true })) ?? record;
}

/**
 * Stops an execution's task for the user at the keyboard, as `runvoy kill` does (the same reason, record
 * fields and audit event), so that whoever finalises the run records it as STOPPED (exit 130).
 */
export async function killExecutionTask(
  deps: { clients: AwsClients; store: Store; stack: StackContext; now?: () => number },
  record: ExecutionRecord,
): Promise<void> {
  if (!record.taskArn) return;
  const { killExecution } = await import('./kill.js');
  const doc = await deps.clients.documents();
  await killExecution(
    { clients: deps.clients, store: deps.store, stack: deps.stack, doc },
    record.id,
    deps.now,
  );
}

export interface AttachOptions extends WatchOptions {
  /** Receives the run's log lines, page by page, in order, each once. */
  onLines(lines: LogLine[]): void | Promise<void>;
  onNotice?: (notice: TailNotice) => void;
  tailTiming?: Partial<TailTiming>;
}

/**
 * An attached run: watches the task (watchExecution) and streams its log at the same time. When the task
 * stops the log is drained once more before this returns, so the summary comes after the last line.
 * A log that cannot be read (no permission, say) is a warning, never the end of the run.
 */
export async function attachExecution(
  deps: RunDeps,
  record: ExecutionRecord,
  options: AttachOptions,
): Promise<WatchResult> {
  const { readExecutionLogs } = await import('./logs.js');
  let stopped = false;
  const tailAbort = new AbortController();
  const abortTail = () => tailAbort.abort();
  options.detachSignal.addEventListener('abort', abortTail);
  const tailing = (async () => {
    try {
      for await (const page of readExecutionLogs(
        { clients: deps.clients, stack: deps.stack, record },
        { follow: true },
        {
          isStopped: () => stopped,
          signal: tailAbort.signal,
          onNotice: options.onNotice,
          timing: options.tailTiming,
        },
      )) {
        await options.onLines(page);
      }
    } catch (error) {
      if (!tailAbort.signal.aborted) {
        deps.reporter.warn(
          `The log stopped streaming (${(error as Error).message}); read it with \`runvoy logs ${record.id}\`.`,
        );
      }
    }
  })();
  try {
    const result = await watchExecution(deps, record, options);
    if (result.kind === 'finished') stopped = true;
    else tailAbort.abort();
    await tailing;
    return result;
  } catch (error) {
    tailAbort.abort();
    await tailing;
    throw error;
  } finally {
    options.detachSignal.removeEventListener('abort', abortTail);
  }
}
