import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  StopTaskCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import { DynamoDBDocumentClient, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { sdkConfig } from './moto.js';

export interface ExecutionRow {
  id: string;
  status: string;
  origin: string;
  taskArn?: string;
  lockName?: string;
  fence?: number;
  callerArn: string;
  image: string;
  command: string[];
  killedBy?: string;
  killedAt?: string;
  createdAt: string;
  timeoutAt?: string;
}

export interface LockRow {
  name: string;
  state: string;
  fence: number;
  holderExecutionId?: string;
}

export interface EmulatorState {
  outputs: Record<string, string>;
  executions: ExecutionRow[];
  locks: LockRow[];
  tasks: Task[];
}

const TERMINAL = ['SUCCEEDED', 'FAILED', 'STOPPED', 'TIMED_OUT', 'LOST'];

/** The stack's outputs by key, as DescribeStacks gives them. */
export async function stackOutputs(stackName = 'runvoy'): Promise<Record<string, string>> {
  const cfn = new CloudFormationClient(sdkConfig());
  try {
    const out = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    return Object.fromEntries(
      (out.Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']),
    );
  } finally {
    cfn.destroy();
  }
}

/** Stops a task in the stack's cluster, as someone at the console would. */
export async function stopTask(taskArn: string, reason = 'stopped by the test'): Promise<void> {
  const ecs = new ECSClient(sdkConfig());
  try {
    const { ClusterName } = await stackOutputs();
    await ecs.send(new StopTaskCommand({ cluster: ClusterName, task: taskArn, reason }));
  } finally {
    ecs.destroy();
  }
}

/** Everything runvoy keeps and runs, read straight from the emulator (indexed Queries, no Scan). */
export async function emulatorState(stackName = 'runvoy'): Promise<EmulatorState> {
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient(sdkConfig()));
  const ecs = new ECSClient(sdkConfig());
  try {
    const outputs = await stackOutputs(stackName);
    const query = async (kind: string) => {
      const items: Record<string, unknown>[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const out = await doc.send(
          new QueryCommand({
            TableName: outputs.TableName,
            IndexName: 'byKind',
            KeyConditionExpression: 'kindPk = :k',
            ExpressionAttributeValues: { ':k': kind },
            ScanIndexForward: false,
            ExclusiveStartKey: start,
          }),
        );
        items.push(...(out.Items ?? []));
        start = out.LastEvaluatedKey;
      } while (start);
      return items;
    };
    const arns: string[] = [];
    for (const desiredStatus of ['RUNNING', 'STOPPED'] as const) {
      const out = await ecs.send(new ListTasksCommand({ cluster: outputs.ClusterName, desiredStatus }));
      arns.push(...(out.taskArns ?? []));
    }
    const tasks: Task[] = [];
    for (let i = 0; i < arns.length; i += 100) {
      const out = await ecs.send(
        new DescribeTasksCommand({
          cluster: outputs.ClusterName,
          tasks: arns.slice(i, i + 100),
          include: ['TAGS'],
        }),
      );
      tasks.push(...(out.tasks ?? []));
    }
    return {
      outputs,
      executions: (await query('EXEC')) as unknown as ExecutionRow[],
      locks: (await query('LOCK')) as unknown as LockRow[],
      tasks,
    };
  } finally {
    doc.destroy();
    ecs.destroy();
  }
}

/**
 * What "agreement" means after a crash (SPEC section 9): no lock held by a finished (or missing)
 * execution, no task without a record, no record left non-terminal whose task is stopped or unknown.
 * Returns the disagreements found, empty when the state is consistent.
 */
export function disagreements(state: EmulatorState): string[] {
  const problems: string[] = [];
  const byId = new Map(state.executions.map((e) => [e.id, e]));
  const taskByArn = new Map(state.tasks.map((t) => [t.taskArn ?? '', t]));
  for (const lock of state.locks) {
    if (lock.state !== 'HELD') continue;
    const holder = lock.holderExecutionId ? byId.get(lock.holderExecutionId) : undefined;
    if (!holder)
      problems.push(`lock ${lock.name} is held by ${lock.holderExecutionId ?? '?'}, which has no record`);
    else if (TERMINAL.includes(holder.status)) {
      problems.push(`lock ${lock.name} is held by ${holder.id}, which is ${holder.status}`);
    }
  }
  const recordedArns = new Set(state.executions.flatMap((e) => (e.taskArn ? [e.taskArn] : [])));
  for (const task of state.tasks) {
    if (!recordedArns.has(task.taskArn ?? '')) problems.push(`task ${task.taskArn} has no record`);
  }
  for (const e of state.executions) {
    if (TERMINAL.includes(e.status)) continue;
    const task = e.taskArn ? taskByArn.get(e.taskArn) : undefined;
    if (!task) problems.push(`execution ${e.id} is ${e.status} but has no task in ECS`);
    else if (task.lastStatus === 'STOPPED')
      problems.push(`execution ${e.id} is ${e.status} but its task stopped`);
  }
  return problems;
}

/**
 * Moves an execution's `createdAt` (and, when it holds a lock, the lock's `acquiredAt`) `ms` into the past:
 * the state a clock shows once that much time has gone by, for the grace periods that are measured from
 * them (reconcile's LOST grace). Nothing else changes.
 */
export async function backdate(executionId: string, ms: number, stackName = 'runvoy'): Promise<void> {
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient(sdkConfig()));
  try {
    const { TableName } = await stackOutputs(stackName);
    const out = await doc.send(
      new UpdateCommand({
        TableName,
        Key: { pk: `EXEC#${executionId}`, sk: 'META' },
        UpdateExpression: 'SET createdAt = :at',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':at': new Date(Date.now() - ms).toISOString() },
        ReturnValues: 'ALL_NEW',
      }),
    );
    const lockName = out.Attributes?.lockName as string | undefined;
    if (!lockName) return;
    await doc
      .send(
        new UpdateCommand({
          TableName,
          Key: { pk: `LOCK#${lockName}`, sk: 'META' },
          UpdateExpression: 'SET acquiredAt = :at',
          ConditionExpression: 'holderExecutionId = :id',
          ExpressionAttributeValues: { ':at': new Date(Date.now() - ms).toISOString(), ':id': executionId },
        }),
      )
      .catch((error: Error) => {
        if (error.name !== 'ConditionalCheckFailedException') throw error;
      });
  } finally {
    doc.destroy();
  }
}
