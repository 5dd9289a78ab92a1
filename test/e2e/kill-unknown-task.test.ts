/**
 * Issue 11 item 4: `kill` of a run whose task ECS no longer knows (stopped tasks stay visible for about an
 * hour) stops nothing, records no kill, and says so: what the record says, and that reconcile marks it LOST
 * (or does it now, once the grace period has passed).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { executionItem } from '../../src/core/execution.js';
import { startAwsProxy } from '../support/aws-proxy.js';
import { newConfigDir, runCli, type CliResult, jsonResult } from '../support/cli.js';
import { disagreements, emulatorState } from '../support/emulator-state.js';
import { motoUrl, resetMoto, sdkConfig, TEST_ACCOUNT } from '../support/moto.js';
import { executionRecord } from '../support/records.js';

const IMAGE = 'public.ecr.aws/docker/library/alpine:3.20';
const CALLER = `arn:aws:sts::${TEST_ACCOUNT}:user/moto`;
const op = (operation: string) => operation.split('.').pop() ?? operation;

let configDir: string;
let clusterName: string;

/** A RUNNING record holding lock `name`, whose task ARN is in the stack's cluster but unknown to ECS. */
async function seedForgottenRun(id: string, lockName: string, ageMs: number): Promise<string> {
  const { outputs } = await emulatorState();
  const taskArn = `arn:aws:ecs:us-east-1:${TEST_ACCOUNT}:task/${clusterName}/0123456789abcdef0123456789abcdef`;
  const createdAt = new Date(Date.now() - ageMs).toISOString();
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient(sdkConfig()));
  try {
    const record = executionRecord({
      id,
      status: 'RUNNING',
      callerArn: CALLER,
      host: 'laptop',
      command: ['sleep', '600'],
      image: IMAGE,
      createdAt,
      taskArn,
      clusterArn: outputs.ClusterArn,
      lockName,
      fence: 1,
    });
    await doc.send(new PutCommand({ TableName: outputs.TableName, Item: executionItem(record) }));
    await doc.send(
      new PutCommand({
        TableName: outputs.TableName,
        Item: {
          pk: `LOCK#${lockName}`,
          sk: 'META',
          kindPk: 'LOCK',
          kindSk: lockName,
          name: lockName,
          state: 'HELD',
          holderExecutionId: id,
          holderArn: CALLER,
          holderHost: 'laptop',
          command: ['sleep', '600'],
          acquiredAt: createdAt,
          leaseExpiresAt: Date.now() + 14 * 86_400_000,
          fence: 1,
          version: 'seeded',
        },
      }),
    );
  } finally {
    doc.destroy();
  }
  return taskArn;
}

async function killThroughProxy(args: string[]): Promise<{ result: CliResult; operations: string[] }> {
  const proxy = await startAwsProxy(motoUrl());
  try {
    const result = await runCli(['kill', ...args], { configDir, env: { AWS_ENDPOINT_URL: proxy.url } });
    return { result, operations: proxy.requests.map((r) => op(r.operation)) };
  } finally {
    await proxy.close();
  }
}

async function killEvents(): Promise<unknown[]> {
  const audit = await runCli(['audit', '--json'], { configDir });
  expect(audit.exitCode, audit.stderr).toBe(0);
  return jsonResult<{ events: Array<{ action: string }> }>(audit.stdout).events.filter(
    (e) => e.action === 'kill',
  );
}

describe('kill of a task ECS no longer knows', () => {
  beforeEach(async () => {
    await resetMoto();
    configDir = newConfigDir();
    const init = await runCli(['init', '--yes', '--vpc', 'default'], { configDir });
    expect(init.exitCode, init.stderr).toBe(0);
    clusterName = (await emulatorState()).outputs.ClusterName ?? '';
  });

  it('a young run: stops nothing, audits no kill, says what the record says and that reconcile will mark it LOST; exit 0', async () => {
    const taskArn = await seedForgottenRun('dddd00000001', 'young', 60_000);
    const { result, operations } = await killThroughProxy(['dddd00000001']);

    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).not.toMatch(/Stopped/);
    expect(result.stdout).toContain('ECS no longer knows');
    expect(result.stdout).toContain(taskArn);
    expect(result.stdout).toContain('RUNNING');
    expect(result.stdout).toContain('runvoy reconcile');
    expect(result.stdout).toMatch(/LOST/);
    expect(operations).not.toContain('StopTask');
    expect(operations).not.toContain('PutItem');
    expect(operations).not.toContain('UpdateItem');
    expect(await killEvents()).toEqual([]);
    const state = await emulatorState();
    expect(state.executions.find((e) => e.id === 'dddd00000001')).toMatchObject({ status: 'RUNNING' });
    expect(state.executions[0]?.killedBy).toBeUndefined();

    const asJson = await runCli(['kill', 'dddd00000001', '--json'], { configDir });
    expect(asJson.exitCode, asJson.stderr).toBe(0);
    expect(jsonResult(asJson.stdout)).toMatchObject({
      outcome: 'task-unknown',
      confirmed: false,
      execution: { id: 'dddd00000001', status: 'RUNNING' },
    });
  });

  it('a run past the grace period: marks it LOST now and frees its lock, stops nothing, audits no kill; exit 0', async () => {
    await seedForgottenRun('dddd00000002', 'old', 2 * 60 * 60_000);
    const { result, operations } = await killThroughProxy(['dddd00000002']);

    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).not.toMatch(/Stopped/);
    expect(result.stdout).toContain('ECS no longer knows');
    expect(result.stdout).toMatch(/marked (it )?LOST/);
    expect(result.stdout).toMatch(/lock "old" (was )?(freed|released)/);
    expect(operations).not.toContain('StopTask');
    expect(operations).not.toContain('PutItem');
    expect(await killEvents()).toEqual([]);

    const state = await emulatorState();
    expect(state.executions.find((e) => e.id === 'dddd00000002')).toMatchObject({ status: 'LOST' });
    expect(state.executions[0]?.killedBy).toBeUndefined();
    expect(state.locks.find((l) => l.name === 'old')).toMatchObject({ state: 'FREE', fence: 1 });
    expect(disagreements(state)).toEqual([]);
  });
});
