/**
 * `runvoy destroy` against what an interrupted `init` and live runs leave behind (issue 11 items 11 and
 * 12): a REVIEW_IN_PROGRESS placeholder, running tasks, held locks and --timeout schedules.
 */
import { CloudFormationClient, CreateChangeSetCommand } from '@aws-sdk/client-cloudformation';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateScheduleCommand,
  ListSchedulesCommand,
  SchedulerClient,
  type ScheduleSummary,
} from '@aws-sdk/client-scheduler';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { awsCli, newConfigDir, runCli, type CliResult } from '../support/cli.js';
import { emulatorState } from '../support/emulator-state.js';
import { keepTasksRunning, motoUrl, resetMoto, sdkConfig } from '../support/moto.js';
import { startProxy, type RunningProxy } from '../support/proxy.js';
import { startInTerminal } from '../support/terminal.js';

const IMAGE = 'public.ecr.aws/docker/library/alpine:3.20';

let configDir: string;
const proxies: RunningProxy[] = [];

beforeEach(async () => {
  await resetMoto();
  configDir = newConfigDir();
});
afterEach(async () => {
  for (const proxy of proxies.splice(0)) await proxy.close();
});

const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, { configDir, env });

function stacks(): Array<{ StackName: string; StackStatus: string }> {
  return (
    awsCli(['cloudformation', 'describe-stacks']) as {
      Stacks: Array<{ StackName: string; StackStatus: string }>;
    }
  ).Stacks;
}

async function schedules(): Promise<ScheduleSummary[]> {
  const scheduler = new SchedulerClient(sdkConfig());
  try {
    return (await scheduler.send(new ListSchedulesCommand({}))).Schedules ?? [];
  } finally {
    scheduler.destroy();
  }
}

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

async function detachedRun(...extra: string[]): Promise<string> {
  const result = await cli(['run', '--detach', '--image', IMAGE, ...extra, '--', 'sleep', '600']);
  expect(result.exitCode, result.stderr).toBe(0);
  return result.stdout.trim();
}

/** A proxy that records the body of each ECS StopTask the CLI sends. */
async function stopTaskRecorder(): Promise<{ url: string; stops: Array<{ task: string; reason: string }> }> {
  const stops: Array<{ task: string; reason: string }> = [];
  const proxy = await startProxy(motoUrl(), (request, actions) => {
    if (request.operation === 'StopTask') stops.push(JSON.parse(request.body.toString()));
    actions.forward();
  });
  proxies.push(proxy);
  return { url: proxy.url, stops };
}

function json(result: CliResult): Record<string, unknown> {
  try {
    return JSON.parse(result.stdout) as Record<string, unknown>;
  } catch {
    throw new Error(`not JSON (exit ${result.exitCode}):\n${result.stdout}\n${result.stderr}`);
  }
}

describe('`runvoy destroy` after an interrupted `init`', () => {
  it('deletes a stack left in REVIEW_IN_PROGRESS (a CREATE change set never executed), exit 0', async () => {
    const cfn = new CloudFormationClient(sdkConfig());
    try {
      await cfn.send(
        new CreateChangeSetCommand({
          StackName: 'runvoy',
          ChangeSetName: 'runvoy-1',
          ChangeSetType: 'CREATE',
          TemplateBody: JSON.stringify({ Resources: { Queue: { Type: 'AWS::SQS::Queue' } } }),
        }),
      );
    } finally {
      cfn.destroy();
    }
    expect(stacks().map((s) => s.StackStatus)).toEqual(['REVIEW_IN_PROGRESS']);

    const destroy = await cli(['destroy', '--yes']);
    expect(destroy.exitCode, destroy.stderr).toBe(0);
    expect(destroy.stderr).toContain('REVIEW_IN_PROGRESS');
    expect(destroy.stdout).toContain('Stack "runvoy" deleted from us-east-1.');
    expect(stacks()).toEqual([]);
  });
});

describe('`runvoy destroy` in a terminal', () => {
  it('Ctrl-C at "Type the stack name" deletes nothing and exits 130', async () => {
    expect((await cli(['init', '--yes', '--vpc', 'default'])).exitCode).toBe(0);
    const terminal = startInTerminal(['destroy'], { configDir });
    try {
      await terminal.waitFor(/Type "runvoy" to confirm:/);
      terminal.keys('run', 'C-c');
      const screen = await terminal.waitFor(/EXIT=\d+/);
      expect(screen).toContain('Interrupted: nothing was deleted.');
      expect(screen).toContain('EXIT=130');
      expect(screen).not.toContain('unexpected error');
    } finally {
      terminal.close();
    }
    expect(stacks().map((s) => s.StackStatus)).toEqual([expect.stringMatching(/_COMPLETE$/)]);
  });
});

describe('`runvoy destroy` with live runs', () => {
  beforeEach(async () => {
    const init = await cli(['init', '--yes', '--vpc', 'default']);
    expect(init.exitCode, init.stderr).toBe(0);
    await keepTasksRunning();
  });

  it('refuses (exit 1) while a task runs and a lock is held, listing them and how to proceed; nothing is deleted', async () => {
    const locked = await detachedRun('--lock', 'deploy', '--timeout', '1h');
    const unlocked = await detachedRun();
    const before = await emulatorState();

    const destroy = await cli(['destroy', '--yes']);
    expect(destroy.exitCode, destroy.stderr).toBe(1);
    expect(destroy.stderr).toContain('Error: Stack "runvoy" is in use: 2 tasks running, 1 lock held.');
    expect(destroy.stderr).toContain(locked);
    expect(destroy.stderr).toContain(unlocked);
    expect(destroy.stderr).toContain(`lock deploy: held by execution ${locked}`);
    expect(destroy.stderr).toContain(`runvoy kill ${locked}`);
    expect(destroy.stderr).toContain('runvoy locks release NAME');
    expect(destroy.stderr).toContain('runvoy destroy --force');

    const refused = await cli(['destroy', '--yes', '--json']);
    expect(refused.exitCode).toBe(1);
    const document = json(refused) as {
      ok: boolean;
      error: {
        code: string;
        exitCode: number;
        tasks: Array<{ executionId?: string; taskArn: string }>;
        locks: Array<{ name: string; holderExecutionId?: string }>;
        executions: Array<{ id: string; status: string }>;
        schedules: Array<{ name: string }>;
      };
    };
    expect(document.ok).toBe(false);
    expect(document.error.code).toBe('STACK_IN_USE');
    expect(document.error.exitCode).toBe(1);
    expect(document.error.tasks.map((t) => t.executionId).sort()).toEqual([locked, unlocked].sort());
    expect(document.error.locks).toMatchObject([{ name: 'deploy', holderExecutionId: locked }]);
    expect(document.error.executions.map((e) => e.id).sort()).toEqual([locked, unlocked].sort());
    expect(document.error.schedules).toEqual([expect.objectContaining({ name: `runvoy-timeout-${locked}` })]);

    // Nothing changed: the stack, its tasks, the lock, the table and the schedule are all still there.
    expect(stacks().map((s) => s.StackStatus)).toEqual([expect.stringMatching(/_COMPLETE$/)]);
    const after = await emulatorState();
    expect(after.tasks.map((t) => t.lastStatus)).toEqual(before.tasks.map((t) => t.lastStatus));
    expect(after.tasks.every((t) => t.lastStatus === 'RUNNING')).toBe(true);
    expect(after.locks).toEqual(before.locks);
    expect(await tableExists(after.outputs.TableName ?? '')).toBe(true);
    expect((await schedules()).map((s) => s.Name)).toEqual([`runvoy-timeout-${locked}`]);
  });

  it('--force stops the tasks with a reason, deletes the schedules, then the stack and the table', async () => {
    const locked = await detachedRun('--lock', 'deploy', '--timeout', '1h');
    await detachedRun();
    const { outputs, tasks } = await emulatorState();
    const recorder = await stopTaskRecorder();

    const destroy = await cli(['destroy', '--yes', '--force'], { AWS_ENDPOINT_URL: recorder.url });
    expect(destroy.exitCode, destroy.stderr).toBe(0);
    expect(recorder.stops.map((s) => s.task).sort()).toEqual(tasks.map((t) => t.taskArn).sort());
    for (const stop of recorder.stops)
      expect(stop.reason).toMatch(/^runvoy: killed by .* \(runvoy destroy --force\)$/);
    expect(destroy.stderr).toContain('Stopping 2 tasks');
    expect(destroy.stderr).toContain(`Deleting schedule runvoy-timeout-${locked}`);
    expect(destroy.stdout).toContain('Stack "runvoy" deleted from us-east-1.');
    expect(stacks()).toEqual([]);
    expect(await schedules()).toEqual([]);
    expect(await tableExists(outputs.TableName ?? '')).toBe(false);
  });

  it('--force --retain-data keeps the table, with the stopped runs finalised and their lock free', async () => {
    const locked = await detachedRun('--lock', 'deploy', '--timeout', '1h');
    const { outputs } = await emulatorState();

    const destroy = await cli(['destroy', '--yes', '--force', '--retain-data']);
    expect(destroy.exitCode, destroy.stderr).toBe(0);
    expect(stacks()).toEqual([]);
    expect(await schedules()).toEqual([]);
    expect(await tableExists(outputs.TableName ?? '')).toBe(true);
    const doc = awsCli([
      'dynamodb',
      'get-item',
      '--table-name',
      outputs.TableName ?? '',
      '--key',
      JSON.stringify({ pk: { S: `EXEC#${locked}` }, sk: { S: 'META' } }),
    ]) as { Item: { status: { S: string } } };
    expect(doc.Item.status.S).toBe('STOPPED');
    const lock = awsCli([
      'dynamodb',
      'get-item',
      '--table-name',
      outputs.TableName ?? '',
      '--key',
      JSON.stringify({ pk: { S: 'LOCK#deploy' }, sk: { S: 'META' } }),
    ]) as { Item: { state: { S: string } } };
    expect(lock.Item.state.S).toBe('FREE');
  });

  it("deletes this stack's leftover --timeout schedules, and keeps other stacks' ones and any other schedule", async () => {
    const { SchedulerRoleArn, ClusterName } = (await emulatorState()).outputs;
    const scheduler = new SchedulerClient(sdkConfig());
    const schedule = (name: string, roleArn: string) =>
      scheduler.send(
        new CreateScheduleCommand({
          Name: name,
          ScheduleExpression: 'at(2099-01-01T00:00:00)',
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: {
            Arn: 'arn:aws:scheduler:::aws-sdk:ecs:stopTask',
            RoleArn: roleArn,
            Input: JSON.stringify({
              Cluster: ClusterName,
              Task: 'arn:aws:ecs:us-east-1:123456789012:task/x/y',
            }),
          },
        }),
      );
    try {
      await schedule('runvoy-timeout-aaaaaaaaaaaa', SchedulerRoleArn ?? '');
      await schedule(
        'runvoy-timeout-bbbbbbbbbbbb',
        'arn:aws:iam::123456789012:role/other-stack-SchedulerRole',
      );
      await schedule('nightly-backup', SchedulerRoleArn ?? '');
    } finally {
      scheduler.destroy();
    }

    const destroy = await cli(['destroy', '--yes']);
    expect(destroy.exitCode, destroy.stderr).toBe(0);
    expect(destroy.stderr).toContain('Deleting schedule runvoy-timeout-aaaaaaaaaaaa');
    expect((await schedules()).map((s) => s.Name).sort()).toEqual([
      'nightly-backup',
      'runvoy-timeout-bbbbbbbbbbbb',
    ]);
    expect(stacks()).toEqual([]);
  });
});
