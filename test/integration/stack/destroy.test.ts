import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunvoyError } from '../../../src/core/errors.js';
import type { StackEventSummary } from '../../../src/core/change-set.js';
import { destroyStack, type DestroyResult } from '../../../src/services/destroy.js';
import { requireStack } from '../../../src/services/stack-context.js';
import { sdkConfig, TEST_ACCOUNT, TEST_REGION } from '../../support/moto.js';
import { deploy, openSession, parametersOf, stackInEmulator, type StackSession } from './helpers.js';

let session: StackSession;
beforeEach(async () => {
  session = await openSession();
});
afterEach(async () => {
  await session.close();
});

async function tableExists(name: string): Promise<boolean> {
  const dynamo = new DynamoDBClient(sdkConfig());
  try {
    await dynamo.send(new DescribeTableCommand({ TableName: name }));
    return true;
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return false;
    throw error;
  } finally {
    dynamo.destroy();
  }
}

async function destroy(
  options: { retainData?: boolean; answer?: boolean; stackName?: string } = {},
): Promise<{ result: DestroyResult; steps: string[]; events: StackEventSummary[]; asked: unknown[] }> {
  const steps: string[] = [];
  const events: StackEventSummary[] = [];
  const asked: unknown[] = [];
  const result = await destroyStack({
    clients: session.clients,
    cache: session.cache,
    stackName: options.stackName ?? 'runvoy',
    retainData: options.retainData ?? false,
    confirm: async (context) => {
      asked.push(context);
      return options.answer ?? true;
    },
    onEvent: (event) => events.push(event),
    onStep: (step) => steps.push(step),
  });
  return { result, steps, events, asked };
}

async function rejection(promise: Promise<unknown>): Promise<RunvoyError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RunvoyError);
  return error as RunvoyError;
}

// The stacks below use --vpc default: moto 5.2.1 cannot delete the stack's own VPC (see the it.fails
// test at the end), which is unrelated to what these tests check.
describe('destroyStack against the emulator', () => {
  it('deletes the stack and its table, and reports nothing kept', async () => {
    const { result: deployed } = await deploy(session, { vpc: 'default' });
    const table = deployed.outputs?.tableName ?? '';
    expect(await tableExists(table)).toBe(true);

    const { result, steps, events, asked } = await destroy();
    expect(result).toEqual({
      stackName: 'runvoy',
      region: TEST_REGION,
      account: TEST_ACCOUNT,
      action: 'deleted',
      kept: [],
      stoppedTasks: [],
      deletedSchedules: [],
    });
    expect(asked).toEqual([
      {
        account: TEST_ACCOUNT,
        region: TEST_REGION,
        stackStatus: expect.stringMatching(/_COMPLETE$/),
        usage: { tasks: [], locks: [], executions: [], schedules: [] },
      },
    ]);
    expect(steps).toContain('Deleting stack "runvoy"...');
    expect(events.map((e) => e.status)).toContain('DELETE_COMPLETE');
    expect(await stackInEmulator()).toBeUndefined();
    expect(await tableExists(table)).toBe(false);
  });

  it('forgets the cached outputs, so the next command says the stack is missing (exit 4)', async () => {
    await deploy(session, { vpc: 'default' });
    await requireStack(session.clients, 'runvoy', { cache: session.cache });
    await destroy();
    const error = await rejection(requireStack(session.clients, 'runvoy', { cache: session.cache }));
    expect(error.exitCode).toBe(4);
  });

  it('--retain-data marks the table to be kept, deletes the stack, and reports the table kept', async () => {
    const { result: deployed } = await deploy(session, { vpc: 'default' });
    const table = deployed.outputs?.tableName ?? '';
    const { result, steps } = await destroy({ retainData: true });
    expect(steps[0]).toBe('Marking the table to be kept (RetainData=true)...');
    expect(session.count('UpdateStack')).toBeGreaterThanOrEqual(1);
    expect(result.action).toBe('deleted');
    expect(result.kept).toEqual([{ resource: 'Table', type: 'AWS::DynamoDB::Table', name: table }]);
    expect(await stackInEmulator()).toBeUndefined();
    expect(await tableExists(table)).toBe(true);
  });

  it('keeps the table of a stack made with --retain-data, without another update', async () => {
    const { result: deployed } = await deploy(session, { vpc: 'default', retainData: true });
    expect(parametersOf(await stackInEmulator()).RetainData).toBe('true');
    const table = deployed.outputs?.tableName ?? '';
    session.proxy.requests.length = 0;
    const { result, steps } = await destroy();
    expect(steps).toEqual(['Deleting stack "runvoy"...']);
    expect(session.operations()).not.toContain('UpdateStack');
    expect(result.kept).toEqual([{ resource: 'Table', type: 'AWS::DynamoDB::Table', name: table }]);
    expect(await tableExists(table)).toBe(true);
  });

  it('a "no" at the confirmation deletes nothing', async () => {
    const { result: deployed } = await deploy(session, { vpc: 'default' });
    session.proxy.requests.length = 0;
    const { result } = await destroy({ answer: false });
    expect(result).toMatchObject({ action: 'cancelled', kept: [] });
    expect(session.operations()).not.toContain('DeleteStack');
    expect((await stackInEmulator())?.StackStatus).toMatch(/_COMPLETE$/);
    expect(await tableExists(deployed.outputs?.tableName ?? '')).toBe(true);
  });

  it('a stack that does not exist is exit 4, saying to run runvoy init, before any question', async () => {
    let asked = false;
    const error = await rejection(
      destroyStack({
        clients: session.clients,
        cache: session.cache,
        stackName: 'runvoy',
        retainData: false,
        confirm: async () => {
          asked = true;
          return true;
        },
        onEvent: () => undefined,
        onStep: () => undefined,
      }),
    );
    expect(error.exitCode).toBe(4);
    expect(error.code).toBe('STACK_NOT_FOUND');
    expect(error.fix).toContain('runvoy init');
    expect(asked).toBe(false);
    expect(session.operations()).not.toContain('DeleteStack');
  });

  // BUG (blocks the "Must show": `runvoy destroy --yes` exits 0 and the stack is gone): a stack
  // made by a plain `runvoy init` (NetworkMode=new) cannot be deleted on moto 5.2.1. moto has no
  // CloudFormation delete for AWS::EC2::InternetGateway, VPCGatewayAttachment, RouteTable or Route, so
  // the VPC still has the attached gateway, and DeleteStack answers
  // "DependencyViolation: The vpc vpc-... has dependencies and cannot be deleted" (moto drops the stack
  // record anyway). destroyStack (src/services/destroy.ts, deleteStack) lets that error out: exit 1.
  // The network resources are left behind in the emulator, and on a retained stack the table too.
  it('deletes a stack with its own VPC (plain `runvoy init`)', async () => {
    await deploy(session);
    const { result } = await destroy();
    expect(result.action).toBe('deleted');
    expect(await stackInEmulator()).toBeUndefined();
  });
});
