import { createHash } from 'node:crypto';
import type { ExecutionRecord } from './execution.js';
import type { BadItem } from './items.js';
import { runTaskPhaseStart } from './grace.js';
import { EXECUTION_ID_LENGTH, ID_ALPHABET, isExecutionId } from './ids.js';
import type { LockItem } from './lock-protocol.js';
import { executionIdFromStartedBy } from './run-plan.js';
import { isTerminal, type ExecutionStatus } from './status.js';
import { CALLER_TAG, EXECUTION_ID_TAG, HOST_TAG, LOCK_TAG, SCHEDULE_TAG, TIMEOUT_TAG } from './tags.js';
import { taskOutcome, type EcsTask } from './task-result.js';

/** What reconcile reads of a task: the DescribeTasks entry with its startedBy, tags and definition. */
export interface ClusterTask extends EcsTask {
  taskArn: string;
  clusterArn?: string;
  startedBy?: string;
  tags?: Array<{ key?: string; value?: string }>;
  taskDefinitionArn?: string;
  cpu?: string;
  memory?: string;
  group?: string;
  overrides?: {
    cpu?: string;
    memory?: string;
    containerOverrides?: Array<{ name?: string; command?: string[] }>;
    ephemeralStorage?: { sizeInGiB?: number };
  };
}

/** The default grace before a run whose task ECS does not know is marked LOST (src/core/grace.ts). */
export { DEFAULT_LOST_GRACE_MS } from './grace.js';

export type ExecutionAction =
  /** The task stopped: record its outcome (and its task ARN first when the record lacked it). */
  | { kind: 'finalise'; record: ExecutionRecord; task: ClusterTask; attach: boolean }
  /** ECS does not know the task (or none was ever started) and the grace period is over. */
  | { kind: 'lost'; record: ExecutionRecord; reason: string }
  /** The task is alive and further along than the record says (or the record lacked its task ARN). */
  | { kind: 'progress'; record: ExecutionRecord; task: ClusterTask; status: ExecutionStatus; attach: boolean }
  /** `timeoutAt` has passed and the task is still alive: stop it with the timeout reason. */
  | { kind: 'timeout'; record: ExecutionRecord; task: ClusterTask; attach: boolean }
  /** Nothing to do now. */
  | { kind: 'keep'; record: ExecutionRecord; reason: string; alive: boolean };

export interface Adoption {
  /** The execution ID the adopted record gets: from the task's startedBy or tag, else derived from its ARN. */
  executionId: string;
  task: ClusterTask;
}

export interface PlanInput {
  now: number;
  graceMs: number;
  /** Every non-terminal execution (the `active` index). */
  active: ExecutionRecord[];
  /** DescribeTasks answers for the active records' task ARNs. A missing ARN is a task ECS no longer knows. */
  described: ReadonlyMap<string, ClusterTask>;
  /** Every task listed in the cluster (desired status RUNNING and STOPPED), described. */
  clusterTasks: readonly ClusterTask[];
  /** Execution IDs (named by cluster tasks, or derived from them) that have a record, terminal or not. */
  existingIds: ReadonlySet<string>;
  /**
   * When each lock holder took its lock (execution ID -> `acquiredAt`). A run that waited for its lock
   * (`--lock-wait`) wrote its record that long after its `createdAt`: the grace counts from the later one.
   */
  lockAcquiredAt?: ReadonlyMap<string, string>;
  /** Items of the `active` index that do not decode: each is taken out of the index (and kept). */
  malformed?: ReadonlyArray<{ bad: BadItem; item: Record<string, unknown> }>;
  /** Every lock, as read before the plan: the HELD ones not otherwise settled are checked and released. */
  locks?: readonly LockItem[];
}

/**
 * One step of a reconcile. Every action it may take is one of these, listed in the plan before any is
 * carried out; the service carries each out with one switch, and a dry run reports what each would do.
 */
export type ReconcileStep =
  /** A malformed record in the `active` index: take it out of the index, keep it, audit it. */
  | { kind: 'remove-from-active'; bad: BadItem; item: Record<string, unknown> }
  | ExecutionAction
  /** A task with no record: write one (origin `adopted`) from the task and its definition. */
  | ({ kind: 'adopt' } & Adoption)
  /** A HELD lock whose holder the plan does not finish: released if its holder is verified finished. */
  | { kind: 'check-lock'; lock: LockItem };

export interface ReconcilePlan {
  executions: ExecutionAction[];
  adoptions: Adoption[];
  /** Every step, in the order they are carried out (steps of one kind may run side by side). */
  steps: ReconcileStep[];
}

export type ReconcileActionKind =
  'finalise' | 'lost' | 'adopt' | 'progress' | 'timeout' | 'release-lock' | 'remove-from-active';

/** What a step did (or, in a dry run, would do): the rows `reconcile` prints and counts. */
export interface ReconcileRow {
  action: ReconcileActionKind;
  executionId?: string;
  lockName?: string;
  from?: string;
  to?: string;
  detail: string;
}

export interface ReconcileCounts {
  /** Non-terminal executions read from the `active` index. */
  active: number;
  finalised: number;
  lost: number;
  adopted: number;
  progressed: number;
  timeoutsEnforced: number;
  locksReleased: number;
  /** Non-terminal executions left as they were (their task is alive, or within the grace period). */
  unchanged: number;
  /** Malformed records taken out of the `active` index. */
  removedFromActive: number;
}

/** The counts of a reconcile, from its rows: an active execution with no row of its own is unchanged. */
export function countRows(rows: readonly ReconcileRow[], activeIds: readonly string[]): ReconcileCounts {
  const of = (action: ReconcileActionKind) => rows.filter((row) => row.action === action).length;
  const changed = new Set(
    rows
      .filter((row) => ['finalise', 'lost', 'progress', 'timeout'].includes(row.action))
      .map((row) => row.executionId),
  );
  return {
    active: activeIds.length,
    finalised: of('finalise'),
    lost: of('lost'),
    adopted: of('adopt'),
    progressed: of('progress'),
    timeoutsEnforced: of('timeout'),
    locksReleased: of('release-lock'),
    unchanged: activeIds.filter((id) => !changed.has(id)).length,
    removedFromActive: of('remove-from-active'),
  };
}

function tagValue(task: ClusterTask, key: string): string | undefined {
  return task.tags?.find((tag) => tag.key === key)?.value;
}

/** The execution a task belongs to, from `startedBy runvoy/<id>` or the `runvoy:execution-id` tag. */
export function executionIdOfTask(task: ClusterTask): string | undefined {
  const fromStartedBy = executionIdFromStartedBy(task.startedBy);
  if (fromStartedBy && isExecutionId(fromStartedBy)) return fromStartedBy;
  const fromTag = tagValue(task, EXECUTION_ID_TAG);
  return fromTag && isExecutionId(fromTag) ? fromTag : undefined;
}

/**
 * A stable execution ID for a task that names none: the same task always gets the same ID, so adopting
 * it twice writes (conditionally) the same record and the second write does nothing.
 */
export function adoptedExecutionId(taskArn: string): string {
  const digest = createHash('sha256').update(taskArn).digest();
  let id = '';
  for (let i = 0; i < EXECUTION_ID_LENGTH; i++) id += ID_ALPHABET[(digest[i] ?? 0) & 31];
  return id;
}

/** The ID a cluster task is (or would be) recorded under. */
export function candidateIdOf(task: ClusterTask): string {
  return executionIdOfTask(task) ?? adoptedExecutionId(task.taskArn);
}

/**
 * How long ago the run's RunTask phase began (its createdAt, or when it took its lock if that was later):
 * the instant the runner counts its RunTask deadline from (src/core/grace.ts).
 */
function ageMs(record: ExecutionRecord, now: number, acquiredAt: string | undefined): number {
  const start = runTaskPhaseStart(record.createdAt, acquiredAt);
  return Number.isNaN(start) ? Number.POSITIVE_INFINITY : now - start;
}

function decideAlive(
  record: ExecutionRecord,
  task: ClusterTask,
  now: number,
  attach: boolean,
): ExecutionAction {
  const outcome = taskOutcome(task);
  if (outcome.finished) return { kind: 'finalise', record, task, attach };
  if (record.timeoutAt && Date.parse(record.timeoutAt) <= now)
    return { kind: 'timeout', record, task, attach };
  const rank = { PENDING: 0, STARTING: 1, RUNNING: 2 } as Record<string, number>;
  const ahead = (rank[outcome.status] ?? 0) > (rank[record.status] ?? 0);
  if (ahead || attach) {
    const status = ahead ? outcome.status : record.status;
    return { kind: 'progress', record, task, status, attach };
  }
  return { kind: 'keep', record, reason: `task ${task.lastStatus ?? 'unknown'}`, alive: true };
}

/**
 * What reconcile does, decided from what it read (SPEC section 6): finalise stopped tasks, mark LOST
 * what ECS no longer knows after the grace period, move records forward, enforce passed timeouts, and
 * adopt tasks that have no record. Pure: the caller reads, this decides, the caller writes conditionally.
 */
export function planReconcile(input: PlanInput): ReconcilePlan {
  const { now, graceMs } = input;
  const activeIds = new Set(input.active.map((r) => r.id));
  const knownArns = new Set(input.active.flatMap((r) => (r.taskArn ? [r.taskArn] : [])));
  const taskById = new Map<string, ClusterTask>();
  for (const task of input.clusterTasks) {
    const id = executionIdOfTask(task);
    // Prefer the live task when a run somehow has two (e.g. a retried RunTask).
    if (id && (!taskById.has(id) || task.lastStatus !== 'STOPPED')) taskById.set(id, task);
  }

  const executions: ExecutionAction[] = input.active
    .filter((record) => !isTerminal(record.status))
    .map((record): ExecutionAction => {
      const age = ageMs(record, now, input.lockAcquiredAt?.get(record.id));
      if (record.taskArn) {
        const task = input.described.get(record.taskArn);
        if (task) return decideAlive(record, task, now, false);
        if (age < graceMs) {
          return {
            kind: 'keep',
            record,
            reason: 'ECS does not know the task yet; within the grace period',
            alive: false,
          };
        }
        return {
          kind: 'lost',
          record,
          reason: `ECS no longer knows task ${record.taskArn}; its outcome cannot be known`,
        };
      }
      const found = taskById.get(record.id);
      if (found) return decideAlive(record, found, now, true);
      if (age < graceMs) {
        return { kind: 'keep', record, reason: 'no task yet; within the grace period', alive: false };
      }
      return {
        kind: 'lost',
        record,
        reason: 'no task was ever found for this run (its CLI stopped before or during RunTask)',
      };
    });

  const adoptions: Adoption[] = [];
  const adopting = new Set<string>();
  for (const task of input.clusterTasks) {
    if (knownArns.has(task.taskArn)) continue;
    const named = executionIdOfTask(task);
    if (named && activeIds.has(named)) continue;
    const executionId = named ?? adoptedExecutionId(task.taskArn);
    if (input.existingIds.has(executionId) || adopting.has(executionId)) continue;
    adopting.add(executionId);
    adoptions.push({ executionId, task });
  }
  const plan = { executions, adoptions };
  const locks = locksToCheck(input.locks ?? [], finishingIds(plan), aliveIds(plan));
  const steps: ReconcileStep[] = [
    ...(input.malformed ?? []).map(({ bad, item }) => ({ kind: 'remove-from-active' as const, bad, item })),
    ...executions,
    ...adoptions.map((adoption) => ({ kind: 'adopt' as const, ...adoption })),
    ...locks.filter((lock) => lock.holderExecutionId).map((lock) => ({ kind: 'check-lock' as const, lock })),
  ];
  return { ...plan, steps };
}

/**
 * The locks reconcile must check: HELD ones whose holder is not already being finished by the plan, and
 * not known alive (its task was just described running), so that a live holder costs no extra request.
 */
export function locksToCheck(
  locks: readonly LockItem[],
  finishing: ReadonlySet<string>,
  alive: ReadonlySet<string> = new Set(),
): LockItem[] {
  return locks.filter(
    (lock) =>
      lock.state === 'HELD' &&
      (!lock.holderExecutionId ||
        (!finishing.has(lock.holderExecutionId) && !alive.has(lock.holderExecutionId))),
  );
}

/** The execution IDs whose task the plan saw alive (kept as it is, or moved forward). */
export function aliveIds(plan: Pick<ReconcilePlan, 'executions'>): Set<string> {
  return new Set(
    plan.executions
      .filter(
        (a) =>
          a.kind === 'progress' || (a.kind === 'keep' && a.record.taskArn && !a.reason.includes('grace')),
      )
      .map((a) => a.record.id),
  );
}

/**
 * The execution IDs a plan moves to a terminal status and whose locks are released as they finish. A
 * record that names its lock without its fence (a scheduled run: its lock container took the lock) cannot
 * release it itself: its lock is left to the lock check, which frees it once the holder is finished.
 */
export function finishingIds(plan: Pick<ReconcilePlan, 'executions'>): Set<string> {
  return new Set(
    plan.executions
      .filter((a) => a.kind === 'finalise' || a.kind === 'lost')
      .filter((a) => !(a.record.lockName && a.record.fence === undefined))
      .map((a) => a.record.id),
  );
}

/** What the task definition says, as far as an adopted record needs it. */
export interface TaskDefinitionInfo {
  taskDefinitionArn?: string;
  family?: string;
  cpu?: string;
  memory?: string;
  runtimePlatform?: { cpuArchitecture?: string };
  ephemeralStorage?: { sizeInGiB?: number };
  containerDefinitions?: Array<{ name?: string; image?: string; command?: string[]; essential?: boolean }>;
}

function toNumber(...values: Array<string | number | undefined>): number {
  for (const value of values) {
    const n = typeof value === 'number' ? value : Number(value);
    if (value !== undefined && value !== '' && Number.isFinite(n)) return n;
  }
  return 0;
}

function isoOf(value: Date | string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/**
 * What a scheduled task's tags add to its record: the schedule, its lock (released by reconcile's lock
 * check once the task stops: the record has no fence), and its --timeout, which reconcile enforces.
 */
function scheduleFields(
  task: ClusterTask,
  scheduleName: string,
  createdAt: string,
): Pick<ExecutionRecord, 'scheduleName' | 'lockName' | 'timeoutMs' | 'timeoutAt'> {
  const lockName = tagValue(task, LOCK_TAG);
  const seconds = Number(tagValue(task, TIMEOUT_TAG));
  const timeoutMs = Number.isInteger(seconds) && seconds > 0 ? seconds * 1000 : undefined;
  return {
    scheduleName,
    ...(lockName ? { lockName } : {}),
    ...(timeoutMs === undefined
      ? {}
      : { timeoutMs, timeoutAt: new Date(Date.parse(createdAt) + timeoutMs).toISOString() }),
  };
}

/**
 * The record of a task that runvoy did not start (origin `adopted`, or `schedule` for a runvoy schedule's): image, command and size from the
 * task definition and the task's overrides; who from its tags, or `unknown`.
 */
export function adoptedRecord(input: {
  executionId: string;
  task: ClusterTask;
  taskDefinition: TaskDefinitionInfo | undefined;
  region: string;
  now: number;
}): ExecutionRecord {
  const { task, taskDefinition: def } = input;
  const containers = def?.containerDefinitions ?? [];
  const main =
    containers.find((c) => c.name === 'runner') ??
    containers.find((c) => c.essential !== false) ??
    containers[0];
  const override =
    task.overrides?.containerOverrides?.find((c) => c.name === main?.name) ??
    task.overrides?.containerOverrides?.[0];
  const outcome = taskOutcome(task);
  const createdAt = isoOf(task.createdAt) ?? new Date(input.now).toISOString();
  const ephemeral = task.overrides?.ephemeralStorage?.sizeInGiB ?? def?.ephemeralStorage?.sizeInGiB;
  const scheduleName = tagValue(task, SCHEDULE_TAG);
  const record: ExecutionRecord = {
    id: input.executionId,
    status: outcome.finished ? outcome.status : outcome.status === 'RUNNING' ? 'RUNNING' : 'STARTING',
    origin: scheduleName ? 'schedule' : 'adopted',
    ...(scheduleName ? scheduleFields(task, scheduleName, createdAt) : {}),
    callerArn: tagValue(task, CALLER_TAG) ?? 'unknown',
    host: tagValue(task, HOST_TAG) ?? 'unknown',
    command: override?.command ?? main?.command ?? [],
    shell: false,
    image: main?.image ?? 'unknown',
    taskDefinitionFamily: def?.family,
    taskDefinitionArn: task.taskDefinitionArn ?? def?.taskDefinitionArn,
    taskArn: task.taskArn,
    clusterArn: task.clusterArn,
    region: input.region,
    cpu: toNumber(task.overrides?.cpu, task.cpu, def?.cpu),
    memory: toNumber(task.overrides?.memory, task.memory, def?.memory),
    arch: def?.runtimePlatform?.cpuArchitecture === 'ARM64' ? 'arm64' : 'x86_64',
    spot: task.capacityProviderName === 'FARGATE_SPOT',
    capacityProvider: task.capacityProviderName,
    ...(ephemeral && ephemeral > 20 ? { ephemeralStorageGiB: ephemeral } : {}),
    tags: Object.fromEntries(
      (task.tags ?? [])
        .filter(
          (t) => t.key && t.value !== undefined && !t.key.startsWith('aws:') && !t.key.startsWith('runvoy:'),
        )
        .map((t) => [t.key as string, t.value as string]),
    ),
    envNames: [],
    secretNames: [],
    createdAt,
  };
  if (outcome.finished) {
    Object.assign(record, {
      exitCode: outcome.exitCode,
      stopCode: outcome.stopCode,
      stoppedReason: outcome.stoppedReason,
      containerReason: outcome.containerReason,
      stoppedAt: outcome.stoppedAt ?? new Date(input.now).toISOString(),
    });
  }
  if (outcome.startedAt) record.startedAt = outcome.startedAt;
  if (outcome.pullStartedAt) record.pullStartedAt = outcome.pullStartedAt;
  return Object.fromEntries(
    Object.entries(record).filter(([, v]) => v !== undefined),
  ) as unknown as ExecutionRecord;
}
