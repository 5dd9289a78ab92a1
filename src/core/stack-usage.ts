/** What is live in a runvoy stack before `runvoy destroy` deletes it, and the refusal that lists it. */
import { RunvoyError } from './errors.js';

export interface LiveTask {
  taskArn: string;
  /** The runvoy execution that started it; undefined for a task started outside runvoy. */
  executionId?: string;
  lastStatus: string;
}

export interface HeldLock {
  name: string;
  holderExecutionId?: string;
  holderArn?: string;
  acquiredAt?: string;
  /** ISO 8601. */
  leaseExpiresAt?: string;
}

export interface OpenExecution {
  id: string;
  status: string;
  taskArn?: string;
  lockName?: string;
  callerArn?: string;
  createdAt?: string;
}

export interface RunvoySchedule {
  name: string;
  state?: string;
  expression?: string;
  taskArn?: string;
}

export interface StackUsage {
  /** Tasks in the stack's cluster that ECS still runs (desired status RUNNING). */
  tasks: LiveTask[];
  /** Locks held under an unexpired lease. */
  locks: HeldLock[];
  /** Executions not yet in a terminal status (the `active` index). */
  executions: OpenExecution[];
  /** The stack's --timeout schedules; `destroy` always deletes them. */
  schedules: RunvoySchedule[];
}

export const NO_USAGE: StackUsage = { tasks: [], locks: [], executions: [], schedules: [] };

/** Running tasks and held locks make `destroy` refuse without --force. */
export function blocksDestroy(usage: StackUsage): boolean {
  return usage.tasks.length > 0 || usage.locks.length > 0;
}

/** A lock counts as held while its state is HELD and its lease has not expired (anyone may take it then). */
export function isHeld(lock: { state?: string; leaseExpiresAt?: number }, now: number): boolean {
  return lock.state === 'HELD' && (lock.leaseExpiresAt === undefined || lock.leaseExpiresAt > now);
}

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** One line per live thing, with the command that deals with it. */
export function usageLines(usage: StackUsage, stackFlag = ''): string[] {
  const runningIds = new Set(usage.tasks.map((t) => t.executionId).filter(Boolean));
  const lines: string[] = [];
  for (const task of usage.tasks) {
    lines.push(
      task.executionId
        ? `task ${task.taskArn} (${task.lastStatus}): execution ${task.executionId}; stop it with \`runvoy kill ${task.executionId}${stackFlag}\``
        : `task ${task.taskArn} (${task.lastStatus}): not started by runvoy; stop it in the ECS console`,
    );
  }
  for (const lock of usage.locks) {
    const holder = lock.holderExecutionId ? `execution ${lock.holderExecutionId}` : 'no execution';
    const by = lock.holderArn ? ` (${lock.holderArn})` : '';
    const since = lock.acquiredAt ? ` since ${lock.acquiredAt}` : '';
    const how =
      lock.holderExecutionId && runningIds.has(lock.holderExecutionId)
        ? 'freed when that run stops'
        : `free it with \`runvoy locks release ${lock.name}${stackFlag}\``;
    lines.push(`lock ${lock.name}: held by ${holder}${by}${since}; ${how}`);
  }
  const untracked = usage.executions.filter((e) => !runningIds.has(e.id));
  for (const execution of untracked) {
    lines.push(
      `execution ${execution.id} is ${execution.status} with no running task; \`runvoy reconcile${stackFlag}\` finalises it`,
    );
  }
  return lines;
}

/** The refusal: what is live, and how to proceed. Exit 1: a runtime refusal, nothing was changed. */
export function stackInUse(stackName: string, usage: StackUsage): RunvoyError {
  const flag = stackName === 'runvoy' ? '' : ` --stack ${stackName}`;
  const counts = [
    plural(usage.tasks.length, 'task running', 'tasks running'),
    plural(usage.locks.length, 'lock held', 'locks held'),
  ];
  const schedules =
    usage.schedules.length > 0
      ? [
          `  ${plural(usage.schedules.length, '--timeout schedule', '--timeout schedules')} would be deleted with it: ${usage.schedules.map((s) => s.name).join(', ')}`,
        ]
      : [];
  return new RunvoyError({
    what: `Stack "${stackName}" is in use: ${counts.join(', ')}. Nothing was deleted.`,
    why: [
      'Deleting it would stop these runs without recording how they ended, and free their locks under them:',
      ...usageLines(usage, flag).map((line) => `  ${line}`),
      ...schedules,
    ].join('\n'),
    fix: [
      `Stop each run with \`runvoy kill ID${flag}\` (its lock is freed when it stops) and free a lock left behind with \`runvoy locks release NAME${flag}\`;`,
      `or stop every task and delete anyway with \`runvoy destroy --force${flag}\`.`,
    ].join('\n'),
    code: 'STACK_IN_USE',
    data: { ...usage },
  });
}
