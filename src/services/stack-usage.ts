import type { AwsClients } from '../aws/clients.js';
import { listTimeoutSchedules } from '../aws/schedules.js';
import { Store } from '../aws/store.js';
import { describeTasks, runningTasks } from '../aws/tasks.js';
import type { ExecutionRecord } from '../core/execution.js';
import { executionIdOfTask, type ClusterTask } from '../core/reconcile-plan.js';
import { isHeld, type LiveTask, type StackUsage } from '../core/stack-usage.js';

/** The stack's outputs that say where to look (raw CloudFormation outputs: a failed stack may lack some). */
export interface UsageTargets {
  ClusterName?: string;
  TableName?: string;
  SchedulerRoleArn?: string;
}

/**
 * What runs in the stack now (SPEC: `destroy` shows what is live): tasks in its cluster, held locks and
 * unfinished executions in its table, and its --timeout schedules. A cluster or table that no longer
 * exists holds nothing.
 */
export async function findStackUsage(
  clients: AwsClients,
  targets: UsageTargets,
  now = Date.now(),
): Promise<StackUsage> {
  const { ClusterName: cluster, TableName: table, SchedulerRoleArn: roleArn } = targets;
  const [executions, locks] = table
    ? await Promise.all([
        gone(
          async () =>
            (await new Store(await clients.documents(), table).activeExecutions({ newestFirst: false }))
              .items,
          [] as ExecutionRecord[],
        ),
        gone(async () => new Store(await clients.documents(), table).listLocks(), []),
      ])
    : [[], []];
  const tasks = cluster ? await liveTasks(clients, cluster, executions) : [];
  const schedules = roleArn ? await listTimeoutSchedules(clients, roleArn) : [];
  return {
    tasks,
    locks: locks
      .filter((lock) => isHeld(lock, now))
      .map((lock) => ({
        name: lock.name,
        holderExecutionId: lock.holderExecutionId,
        holderArn: lock.holderArn,
        acquiredAt: lock.acquiredAt,
        leaseExpiresAt: isoOrUndefined(lock.leaseExpiresAt),
      })),
    executions: executions.map((e) => ({
      id: e.id,
      status: e.status,
      taskArn: e.taskArn,
      lockName: e.lockName,
      callerArn: e.callerArn,
      createdAt: e.createdAt,
    })),
    schedules,
  };
}

/** Tasks ECS lists as running, and those of unfinished executions (ListTasks may lag a new task). */
async function liveTasks(
  clients: AwsClients,
  cluster: string,
  executions: ExecutionRecord[],
): Promise<LiveTask[]> {
  const listed = await gone(() => runningTasks(clients, cluster), [] as string[]);
  const arns = new Set([...listed, ...executions.flatMap((e) => (e.taskArn ? [e.taskArn] : []))]);
  if (arns.size === 0) return [];
  const tasks = await gone(() => describeTasks(clients, cluster, [...arns]), []);
  return tasks
    .filter((task) => task.desiredStatus !== 'STOPPED' && task.lastStatus !== 'STOPPED')
    .map((task) => ({
      taskArn: task.taskArn ?? '',
      executionId: executionIdOfTask({ ...task, taskArn: task.taskArn ?? '' } as ClusterTask),
      lastStatus: task.lastStatus ?? 'UNKNOWN',
    }));
}

/** The answer when the cluster or table is already gone (a stack that failed or was half deleted). */
async function gone<T>(read: () => Promise<T>, empty: T): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (['ClusterNotFoundException', 'ResourceNotFoundException'].includes((error as Error).name))
      return empty;
    throw error;
  }
}

function isoOrUndefined(epochMs: number | undefined): string | undefined {
  if (epochMs === undefined) return undefined;
  const date = new Date(epochMs);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
