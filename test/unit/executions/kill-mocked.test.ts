/**
 * What the emulator cannot show: on AWS, StopTask leaves the task in DEACTIVATING/STOPPING for a while
 * (moto stops it at once), so `kill` must record who killed it and leave the final status to whoever
 * sees the task STOPPED. Responses are shaped like AWS's.
 */
import {
  DescribeTasksCommand,
  ECSClient,
  InvalidParameterException,
  StopTaskCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { executionRecord } from '../../support/records.js';
import { AwsClients } from '../../../src/aws/clients.js';
import { Store } from '../../../src/aws/store.js';
import { executionItem } from '../../../src/core/execution.js';
import { killExecution } from '../../../src/services/kill.js';
import type { StackCommandContext } from '../../../src/context.js';

const ecs = mockClient(ECSClient);
const dynamo = mockClient(DynamoDBDocumentClient);
let clients: AwsClients;
let ctx: Pick<StackCommandContext, 'clients' | 'store' | 'stack'>;

const CALLER = 'arn:aws:sts::123456789012:assumed-role/Ops/erin';
const CLUSTER_ARN = 'arn:aws:ecs:eu-west-1:123456789012:cluster/runvoy-Cluster-ABC';
const TASK_ARN =
  'arn:aws:ecs:eu-west-1:123456789012:task/runvoy-Cluster-ABC/8f2a6c3e1b9d4e7fa0c5b2d1e3f4a5b6';

const record = executionRecord({
  id: '7k2m9x4qbd0e',
  status: 'RUNNING',
  callerArn: 'arn:aws:sts::123456789012:assumed-role/Dev/alice',
  host: 'laptop',
  command: ['sleep', '600'],
  image: 'alpine:3.20',
  taskArn: TASK_ARN,
  clusterArn: CLUSTER_ARN,
  region: 'eu-west-1',
  createdAt: '2024-06-15T12:00:00.000Z',
});

function awsTask(overrides: Partial<Task>): Task {
  return {
    taskArn: TASK_ARN,
    clusterArn: CLUSTER_ARN,
    lastStatus: 'RUNNING',
    desiredStatus: 'RUNNING',
    launchType: 'FARGATE',
    createdAt: new Date('2024-06-15T12:00:01.000Z'),
    pullStartedAt: new Date('2024-06-15T12:00:05.000Z'),
    startedAt: new Date('2024-06-15T12:00:11.000Z'),
    startedBy: `runvoy/${record.id}`,
    containers: [{ name: 'runner', lastStatus: 'RUNNING' }],
    ...overrides,
  };
}

beforeEach(async () => {
  ecs.reset();
  dynamo.reset();
  clients = new AwsClients({ region: 'eu-west-1' });
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }));
  ctx = {
    clients,
    store: new Store(doc, 'runvoy-table'),
    stack: {
      identity: { account: '123456789012', arn: CALLER, userId: 'AROAEXAMPLE:erin' },
      region: 'eu-west-1',
      stackName: 'runvoy',
      outputs: {
        clusterName: 'runvoy-Cluster-ABC',
        logGroupName: '/runvoy/runvoy',
      } as StackCommandContext['stack']['outputs'],
    },
  };
});
afterEach(() => clients.destroy());

describe('kill before ECS confirms the stop', () => {
  it('sends StopTask with the killer in the reason, records killedBy and killedAt, and leaves the status RUNNING', async () => {
    dynamo.on(GetCommand).resolves({ Item: executionItem(record) });
    dynamo.on(UpdateCommand).callsFake((input: { ExpressionAttributeValues: Record<string, unknown> }) => ({
      Attributes: executionItem({
        ...record,
        killedBy: CALLER,
        killedAt: String(
          Object.values(input.ExpressionAttributeValues).find((v) => String(v).startsWith('2024-')),
        ),
      }),
    }));
    dynamo.on(PutCommand).resolves({});
    ecs
      .on(DescribeTasksCommand)
      .resolvesOnce({ tasks: [awsTask({})], failures: [] })
      .resolvesOnce({ tasks: [awsTask({})], failures: [] })
      .resolves({
        tasks: [
          awsTask({
            lastStatus: 'DEACTIVATING',
            desiredStatus: 'STOPPED',
            stopCode: 'UserInitiated',
            stoppedReason: `runvoy: killed by ${CALLER}`,
            stoppingAt: new Date('2024-06-15T12:05:00.000Z'),
          }),
        ],
        failures: [],
      });
    ecs.on(StopTaskCommand).resolves({ task: awsTask({ desiredStatus: 'STOPPED' }) });

    const result = await killExecution(ctx, record.id, () => Date.parse('2024-06-15T12:05:00.000Z'));

    expect(result).toMatchObject({ outcome: 'stopped', confirmed: false });
    expect(ecs.commandCalls(StopTaskCommand)[0]?.args[0].input).toEqual({
      cluster: CLUSTER_ARN,
      task: TASK_ARN,
      reason: `runvoy: killed by ${CALLER}`,
    });
    const update = dynamo.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(update?.ConditionExpression).toContain('#status IN');
    expect(Object.values(update?.ExpressionAttributeValues ?? {})).toEqual(
      expect.arrayContaining([CALLER, '2024-06-15T12:05:00.000Z', 'PENDING', 'STARTING', 'RUNNING']),
    );
    expect(update?.UpdateExpression).not.toContain('activePk');
    const audit = dynamo.commandCalls(PutCommand)[0]?.args[0].input.Item;
    expect(audit).toMatchObject({
      action: 'kill',
      actorArn: CALLER,
      executionId: record.id,
      kindPk: 'AUDIT',
    });
  });
});

describe('kill of a task ECS no longer knows (AWS answers DescribeTasks with a MISSING failure)', () => {
  function forgotten(): void {
    ecs.on(DescribeTasksCommand).resolves({ tasks: [], failures: [{ arn: TASK_ARN, reason: 'MISSING' }] });
    // What StopTask would answer; kill must not send it.
    ecs.on(StopTaskCommand).rejects(
      new InvalidParameterException({
        message: 'The referenced task was not found.',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    dynamo.on(PutCommand).resolves({});
  }

  it('stops nothing, records no kill and leaves a young record for reconcile', async () => {
    forgotten();
    dynamo.on(GetCommand).resolves({ Item: executionItem(record) });
    const now = Date.parse(record.createdAt) + 5 * 60_000;

    const result = await killExecution(ctx, record.id, () => now);

    expect(result).toMatchObject({
      outcome: 'task-unknown',
      confirmed: false,
      unknownTaskArn: TASK_ARN,
      recordStatus: 'RUNNING',
      lostAfter: '2024-06-15T12:10:00.000Z',
    });
    expect(result.markedLost).toBeUndefined();
    expect(ecs.commandCalls(StopTaskCommand)).toEqual([]);
    expect(dynamo.commandCalls(PutCommand)).toEqual([]);
    expect(dynamo.commandCalls(UpdateCommand)).toEqual([]);
  });

  it('marks a record past the grace period LOST, conditioned on the status it read, and frees its lock', async () => {
    forgotten();
    const held = { ...record, lockName: 'deploy', fence: 4 };
    dynamo.on(GetCommand).resolves({ Item: executionItem(held) });
    dynamo
      .on(UpdateCommand)
      .resolvesOnce({ Attributes: executionItem({ ...held, status: 'LOST' }) })
      .resolves({});
    const now = Date.parse(record.createdAt) + 2 * 60 * 60_000;

    const result = await killExecution(ctx, record.id, () => now);

    expect(result).toMatchObject({
      outcome: 'task-unknown',
      confirmed: true,
      markedLost: true,
      lockReleased: true,
    });
    expect(result.execution.status).toBe('LOST');
    expect(ecs.commandCalls(StopTaskCommand)).toEqual([]);
    expect(dynamo.commandCalls(PutCommand)).toEqual([]);
    const [lost, release] = dynamo.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    expect(lost?.ConditionExpression).toContain('#status IN (:from0)');
    expect(lost?.ExpressionAttributeValues).toMatchObject({ ':from0': 'RUNNING' });
    expect(Object.values(lost?.ExpressionAttributeValues ?? {})).toContain('LOST');
    expect(lost?.ExpressionAttributeValues).not.toHaveProperty(':from1');
    expect(release?.Key).toMatchObject({ pk: 'LOCK#deploy' });
  });
});
