import {
  ClientException,
  ECSClient,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  type RunTaskCommandInput,
  type RunTaskCommandOutput,
  type Task,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsClients } from '../../../src/aws/clients.js';
import { isMissingTaskDefinition, runTask, type RunTaskInput } from '../../../src/aws/tasks.js';
import { RunvoyError } from '../../../src/core/errors.js';
import { RUN_TASK_PHASE_LIMIT_MS } from '../../../src/core/grace.js';
import { buildContainerOverrides } from '../../../src/core/run-plan.js';
import { buildTaskDefinition, type TaskDefSpec } from '../../../src/core/taskdef.js';

const ecs = mockClient(ECSClient);
let clients: AwsClients;

beforeEach(() => {
  ecs.reset();
  clients = new AwsClients({ region: 'us-east-1' });
});
afterEach(() => clients.destroy());

const ID = '7k2m9x4qbd0e';
const CLUSTER = 'runvoy-Cluster-ABC';
const FAMILY = 'runvoy-runvoy-0123456789abcdef';
const SPOT_NO_CAPACITY =
  'Capacity is unavailable at this time. Please try again later or in a different availability zone';

const spec: TaskDefSpec = {
  image: 'public.ecr.aws/docker/library/alpine:3.20',
  arch: 'x86_64',
  executionRoleArn: 'arn:aws:iam::123456789012:role/runvoy/exec',
  taskRoleArn: 'arn:aws:iam::123456789012:role/runvoy/task',
  logGroup: '/runvoy/runvoy',
  region: 'us-east-1',
  secrets: [],
};

let registerCalls = 0;

function input(overrides: Partial<RunTaskInput> = {}): RunTaskInput {
  registerCalls = 0;
  return {
    cluster: CLUSTER,
    family: FAMILY,
    overrides: buildContainerOverrides({
      command: ['echo', 'hello'],
      shell: false,
      env: [],
      executionId: ID,
      cpu: 256,
      memory: 512,
    }),
    startedBy: `runvoy/${ID}`,
    clientToken: ID,
    tags: { 'runvoy:execution-id': ID },
    subnets: ['subnet-0abc1234'],
    securityGroups: ['sg-0abc1234'],
    assignPublicIp: 'ENABLED',
    spot: false,
    register: async () => {
      registerCalls += 1;
      return buildTaskDefinition(spec, FAMILY);
    },
    deadline: { at: Date.now() + RUN_TASK_PHASE_LIMIT_MS, limitMs: RUN_TASK_PHASE_LIMIT_MS },
    ...overrides,
  };
}

/** A RunTask answer with one task, shaped like AWS's (PROVISIONING at first). */
function started(capacityProviderName?: string): RunTaskCommandOutput {
  const task: Task = {
    taskArn: `arn:aws:ecs:us-east-1:123456789012:task/${CLUSTER}/0123456789abcdef0123456789abcdef`,
    clusterArn: `arn:aws:ecs:us-east-1:123456789012:cluster/${CLUSTER}`,
    taskDefinitionArn: `arn:aws:ecs:us-east-1:123456789012:task-definition/${FAMILY}:1`,
    lastStatus: 'PROVISIONING',
    desiredStatus: 'RUNNING',
    startedBy: `runvoy/${ID}`,
    ...(capacityProviderName ? { capacityProviderName } : { launchType: 'FARGATE' }),
  };
  return { tasks: [task], failures: [], $metadata: { httpStatusCode: 200 } };
}

/** RunTask's answer when it started nothing: `failures[]` with a reason, as AWS sends it. */
function failed(reason: string, detail?: string): RunTaskCommandOutput {
  return {
    tasks: [],
    failures: [
      { arn: `arn:aws:ecs:us-east-1:123456789012:cluster/${CLUSTER}`, reason, ...(detail ? { detail } : {}) },
    ],
    $metadata: { httpStatusCode: 200 },
  };
}

function missingFamily(): ClientException {
  return new ClientException({ message: 'TaskDefinition not found.', $metadata: { httpStatusCode: 400 } });
}

function runTaskInputs(): RunTaskCommandInput[] {
  return ecs.commandCalls(RunTaskCommand).map((call) => call.args[0].input);
}

describe('runTask', () => {
  it('is one RunTask call on a warm run, with the execution ID as client token and the network, tags and overrides', async () => {
    ecs.on(RunTaskCommand).resolves(started());
    const result = await runTask(clients, input());
    expect(result).toMatchObject({ capacityProvider: 'FARGATE', registered: false, spotFellBack: false });
    expect(ecs.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0);
    expect(runTaskInputs()).toEqual([
      expect.objectContaining({
        cluster: CLUSTER,
        taskDefinition: FAMILY,
        count: 1,
        launchType: 'FARGATE',
        clientToken: ID,
        startedBy: `runvoy/${ID}`,
        networkConfiguration: {
          awsvpcConfiguration: {
            subnets: ['subnet-0abc1234'],
            securityGroups: ['sg-0abc1234'],
            assignPublicIp: 'ENABLED',
          },
        },
        tags: [{ key: 'runvoy:execution-id', value: ID }],
        overrides: expect.objectContaining({
          cpu: '256',
          memory: '512',
          containerOverrides: [expect.objectContaining({ name: 'runner', command: ['echo', 'hello'] })],
        }),
      }),
    ]);
    expect(runTaskInputs()[0]?.capacityProviderStrategy).toBeUndefined();
    expect(registerCalls).toBe(0);
  });

  it('registers the task definition when RunTask says the family does not exist, then runs it again once', async () => {
    ecs.on(RunTaskCommand).rejectsOnce(missingFamily()).resolves(started());
    ecs.on(RegisterTaskDefinitionCommand).resolves({
      taskDefinition: { taskDefinitionArn: `arn:aws:ecs:us-east-1:123456789012:task-definition/${FAMILY}:1` },
      $metadata: {},
    });
    const result = await runTask(clients, input());
    expect(result.registered).toBe(true);
    expect(registerCalls).toBe(1);
    const registered = ecs.commandCalls(RegisterTaskDefinitionCommand);
    expect(registered).toHaveLength(1);
    expect(registered[0]?.args[0].input).toEqual(buildTaskDefinition(spec, FAMILY));
    const calls = runTaskInputs();
    expect(calls).toHaveLength(2);
    // The retry is the same request: same client token, so it stays idempotent.
    expect(calls[1]).toEqual(calls[0]);
  });

  it('does not loop when the family is still missing after registering', async () => {
    ecs.on(RunTaskCommand).rejects(missingFamily());
    ecs.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: {}, $metadata: {} });
    await expect(runTask(clients, input())).rejects.toThrow('TaskDefinition not found.');
    expect(runTaskInputs()).toHaveLength(2);
    expect(ecs.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(1);
  });

  it('does not register on other client errors', async () => {
    ecs
      .on(RunTaskCommand)
      .rejects(new ClientException({ message: 'Cluster not found.', $metadata: { httpStatusCode: 400 } }));
    await expect(runTask(clients, input())).rejects.toThrow('Cluster not found.');
    expect(ecs.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0);
    expect(registerCalls).toBe(0);
  });

  it('with --spot, runs on FARGATE_SPOT with the execution ID as client token', async () => {
    ecs.on(RunTaskCommand).resolves(started('FARGATE_SPOT'));
    const result = await runTask(clients, input({ spot: true }));
    expect(result).toMatchObject({ capacityProvider: 'FARGATE_SPOT', spotFellBack: false });
    const [call] = runTaskInputs();
    expect(call?.capacityProviderStrategy).toEqual([{ capacityProvider: 'FARGATE_SPOT', weight: 1 }]);
    expect(call?.launchType).toBeUndefined();
    expect(call?.clientToken).toBe(ID);
  });

  it('falls back to on-demand FARGATE, with client token <id>-ondemand, when Spot has no capacity', async () => {
    ecs
      .on(RunTaskCommand, { capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }] })
      .resolves(failed(SPOT_NO_CAPACITY))
      .on(RunTaskCommand, { launchType: 'FARGATE' })
      .resolves(started());
    const result = await runTask(clients, input({ spot: true }));
    expect(result).toMatchObject({ capacityProvider: 'FARGATE', spotFellBack: true, registered: false });
    expect(result.spotFailure).toContain('Capacity is unavailable');
    const calls = runTaskInputs();
    expect(calls).toHaveLength(2);
    expect(calls[0]).toMatchObject({ clientToken: ID });
    expect(calls[1]).toMatchObject({ launchType: 'FARGATE', clientToken: `${ID}-ondemand` });
    expect(calls[1]?.capacityProviderStrategy).toBeUndefined();
    // Everything else is the same request.
    const { clientToken: _a, capacityProviderStrategy: _b, ...spotRest } = calls[0] ?? {};
    const { clientToken: _c, launchType: _d, ...onDemandRest } = calls[1] ?? {};
    expect(onDemandRest).toEqual(spotRest);
  });

  it('registers once, then falls back, on a cold Spot run', async () => {
    ecs
      .on(RunTaskCommand, { capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }] })
      .rejectsOnce(missingFamily())
      .resolves(failed(SPOT_NO_CAPACITY))
      .on(RunTaskCommand, { launchType: 'FARGATE' })
      .resolves(started());
    ecs.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: {}, $metadata: {} });
    const result = await runTask(clients, input({ spot: true }));
    expect(result).toMatchObject({ capacityProvider: 'FARGATE', spotFellBack: true, registered: true });
    expect(ecs.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(1);
    expect(runTaskInputs().map((c) => c.clientToken)).toEqual([ID, ID, `${ID}-ondemand`]);
  });

  it('does not fall back for a Spot failure that is not about capacity', async () => {
    ecs.on(RunTaskCommand).resolves(failed('RESOURCE:ENI', 'No ENI available in subnet-0abc1234'));
    const error = await runTask(clients, input({ spot: true })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunvoyError);
    expect((error as RunvoyError).code).toBe('RUN_TASK_FAILED');
    expect((error as RunvoyError).why).toBe('RESOURCE:ENI: No ENI available in subnet-0abc1234');
    expect(runTaskInputs()).toHaveLength(1);
  });

  it('turns a failures[] answer into a RunvoyError that gives ECS’s reason', async () => {
    ecs.on(RunTaskCommand).resolves(failed('MISSING'));
    const error = await runTask(clients, input()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunvoyError);
    expect(error).toMatchObject({ code: 'RUN_TASK_FAILED', why: 'MISSING', exitCode: 1 });
    expect((error as RunvoyError).what).toBe('ECS did not start the task.');
  });

  it('turns a capacity failure without --spot into a RunvoyError, with no fallback', async () => {
    ecs.on(RunTaskCommand).resolves(failed(SPOT_NO_CAPACITY));
    const error = await runTask(clients, input()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunvoyError);
    expect((error as RunvoyError).why).toBe(SPOT_NO_CAPACITY);
    expect(runTaskInputs()).toHaveLength(1);
  });

  it('reports an answer with neither tasks nor failures', async () => {
    ecs.on(RunTaskCommand).resolves({ tasks: [], failures: [], $metadata: {} });
    const error = await runTask(clients, input()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'RUN_TASK_FAILED', why: 'no task and no reason' });
  });

  it('when on-demand fails too after a Spot fallback, reports the on-demand failure', async () => {
    ecs
      .on(RunTaskCommand, { capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }] })
      .resolves(failed(SPOT_NO_CAPACITY))
      .on(RunTaskCommand, { launchType: 'FARGATE' })
      .resolves(failed('RESOURCE:ENI'));
    const error = await runTask(clients, input({ spot: true })).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'RUN_TASK_FAILED', why: 'RESOURCE:ENI' });
    expect(runTaskInputs()).toHaveLength(2);
  });
});

describe('isMissingTaskDefinition', () => {
  it.each([
    ['ClientException', 'TaskDefinition not found.'],
    ['ClientException', 'Unable to describe task definition.'],
    ['InvalidParameterException', 'TaskDefinition is inactive'],
  ])('recognises %s: %s', (name, message) => {
    expect(isMissingTaskDefinition(Object.assign(new Error(message), { name }))).toBe(true);
  });

  it.each([
    ['ClientException', 'Cluster not found.'],
    ['AccessDeniedException', 'not authorized to perform ecs:RunTask on task definition'],
    ['InvalidParameterException', 'No Container Instances were found in your cluster.'],
  ])('does not take %s: %s for a missing family', (name, message) => {
    expect(isMissingTaskDefinition(Object.assign(new Error(message), { name }))).toBe(false);
  });
});
