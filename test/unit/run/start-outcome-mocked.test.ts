/**
 * What the emulator cannot produce around the record update after RunTask: a record that cannot be read
 * back once the conditional update failed, and a StopTask that AWS refuses for a task that started after
 * its run was marked LOST. Responses are shaped like AWS's.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  AccessDeniedException,
  DescribeTasksCommand,
  ECSClient,
  StopTaskCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsClients } from '../../../src/aws/clients.js';
import { Store } from '../../../src/aws/store.js';
import { RunvoyError } from '../../../src/core/errors.js';
import { executionItem } from '../../../src/core/execution.js';
import type { StackOutputs } from '../../../src/core/stack-outputs.js';
import { recordStartedTask, type StartContext } from '../../../src/services/start-outcome.js';
import { executionRecord } from '../../support/records.js';

const ecs = mockClient(ECSClient);
const dynamo = mockClient(DynamoDBDocumentClient);
let clients: AwsClients;
let ctx: StartContext;
const warnings: string[] = [];

const CLUSTER = 'runvoy-Cluster-ABC';
const TASK_ARN = `arn:aws:ecs:eu-west-1:123456789012:task/${CLUSTER}/8f2a6c3e1b9d4e7fa0c5b2d1e3f4a5b6`;
const record = executionRecord({
  id: '7k2m9x4qbd0e',
  status: 'PENDING',
  callerArn: 'arn:aws:sts::123456789012:assumed-role/Dev/alice',
  host: 'laptop',
  command: ['terraform', 'apply'],
  image: 'hashicorp/terraform:1.9',
  createdAt: '2024-06-15T12:00:00.000Z',
  lockName: 'deploy',
  fence: 3,
});
const task: Task = { taskArn: TASK_ARN, lastStatus: 'PROVISIONING', desiredStatus: 'RUNNING' };
const patch = { status: 'STARTING' as const, taskArn: TASK_ARN };

function conditionFailed(): Error {
  return Object.assign(new Error('The conditional request failed'), {
    name: 'ConditionalCheckFailedException',
    $metadata: { httpStatusCode: 400 },
  });
}

beforeEach(() => {
  ecs.reset();
  dynamo.reset();
  warnings.length = 0;
  clients = new AwsClients({ region: 'eu-west-1' });
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }));
  ctx = {
    clients,
    store: new Store(doc, 'runvoy-table'),
    stack: {
      identity: { account: '123456789012', arn: record.callerArn, userId: 'AROAEXAMPLE:alice' },
      region: 'eu-west-1',
      stackName: 'ops',
      outputs: { clusterName: CLUSTER, tableName: 'runvoy-table' } as StackOutputs,
    },
    warn: (m) => warnings.push(m),
  };
});
afterEach(() => clients.destroy());

async function failure(): Promise<RunvoyError> {
  const error = await recordStartedTask(ctx, record, task, patch).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RunvoyError);
  return error as RunvoyError;
}

describe('recordStartedTask', () => {
  it('when the update lost its condition and the record cannot be read: names the task, says how to stop it, no rerun', async () => {
    dynamo.on(UpdateCommand).rejects(conditionFailed());
    dynamo.on(GetCommand).rejects(
      Object.assign(new Error('Rate exceeded'), {
        name: 'ProvisionedThroughputExceededException',
        $metadata: { httpStatusCode: 400, attempts: 5 },
      }),
    );
    const error = await failure();
    expect(error.code).toBe('RECORD_UNREADABLE');
    expect(error.what).toContain(record.id);
    expect(error.what).toContain(TASK_ARN);
    expect(error.fix).toContain(`runvoy status ${record.id} --stack ops`);
    expect(error.fix).toContain(`aws ecs stop-task --cluster ${CLUSTER} --task ${TASK_ARN}`);
    expect(error.fix).not.toMatch(/run (it|the command) again/i);
    expect(error.data).toMatchObject({
      executionId: record.id,
      taskArn: TASK_ARN,
      state: { recordWritten: true, recordStatus: 'unknown', taskStarted: true, lockHeld: 'unknown' },
    });
    expect(ecs.commandCalls(StopTaskCommand)).toEqual([]);
  });

  it('when the run was marked LOST and AWS refuses the StopTask: says the task could not be stopped and how to stop it', async () => {
    const lost = { ...record, status: 'LOST' as const, stoppedReason: 'no task was ever found for this run' };
    dynamo
      .on(UpdateCommand)
      .rejectsOnce(conditionFailed())
      .resolves({ Attributes: executionItem(lost) });
    dynamo
      .on(GetCommand)
      .resolvesOnce({ Item: executionItem(lost) })
      .resolves({
        Item: {
          pk: 'LOCK#deploy',
          sk: 'META',
          name: 'deploy',
          state: 'HELD',
          holderExecutionId: 'zzzz00000009',
          fence: 4,
          version: 'v',
        },
      });
    ecs.on(DescribeTasksCommand).resolves({ tasks: [{ ...task, lastStatus: 'RUNNING' }], failures: [] });
    ecs.on(StopTaskCommand).rejects(
      new AccessDeniedException({
        message: 'User is not authorized to perform: ecs:StopTask',
        $metadata: { httpStatusCode: 400 },
      }),
    );

    const error = await failure();
    expect(error.code).toBe('STARTED_AFTER_LOST');
    expect(error.what).toContain('marked LOST while its task was starting');
    expect(error.what).toContain('could not stop');
    expect(error.why).toContain('now held by execution zzzz00000009 (fence 4)');
    expect(error.fix).toContain(`aws ecs stop-task --cluster ${CLUSTER} --task ${TASK_ARN}`);
    expect(error.data).toMatchObject({
      executionId: record.id,
      state: { recordStatus: 'LOST', taskStarted: true, taskStopped: false, lockHeld: false },
    });
    // The task's ARN is noted on the LOST record, conditioned on LOST.
    const note = dynamo.commandCalls(UpdateCommand)[1]?.args[0].input;
    expect(note?.ExpressionAttributeValues).toMatchObject({ ':from0': 'LOST' });
    expect(Object.values(note?.ExpressionAttributeValues ?? {})).toContain(TASK_ARN);
  });
});
