/**
 * `runvoy run` end to end: the built CLI against the emulator (issue 4, "Must show"). Every stack is made
 * with `init --vpc default`: moto's RunTask fails in the template's own VPC (no DNS hostnames).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient, ListTaskDefinitionsCommand } from '@aws-sdk/client-ecs';
import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAwsProxy, type AwsProxy } from '../support/aws-proxy.js';
import {
  awsCli,
  cliCommand,
  cliEnv,
  type CliResult,
  newConfigDir,
  runCli,
  jsonResult,
  streamResult,
} from '../support/cli.js';
import { stackOutputs, stopTask } from '../support/emulator-state.js';
import {
  keepTasksRunning,
  motoUrl,
  resetMoto,
  sdkConfig,
  stopTasksAtOnce,
  TEST_ACCOUNT,
} from '../support/moto.js';

const IMAGE = 'public.ecr.aws/docker/library/alpine:3.20';
const CALLER = `arn:aws:sts::${TEST_ACCOUNT}:user/moto`;
/** Operations that write something: none may be sent by bad input or a dry run. */
const WRITES = [
  'TransactWriteItems',
  'PutItem',
  'UpdateItem',
  'RunTask',
  'RegisterTaskDefinition',
  'CreateSchedule',
  'StopTask',
];

interface Record_ {
  id: string;
  status: string;
  taskArn?: string;
  fence?: number;
  lockName?: string;
  timeoutAt?: string;
  timeoutScheduleName?: string;
  createdAt: string;
  command: string[];
}

interface Lock_ {
  state: string;
  fence: number;
  holderExecutionId?: string;
  holderArn?: string;
  version: string;
}

const op = (operation: string) => operation.split('.').pop() ?? operation;

function documents(): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient(sdkConfig()));
}

async function getItem<T>(pk: string): Promise<T | undefined> {
  const doc = documents();
  try {
    const { TableName } = await stackOutputs();
    const out = await doc.send(new GetCommand({ TableName, Key: { pk, sk: 'META' }, ConsistentRead: true }));
    return out.Item as T | undefined;
  } finally {
    doc.destroy();
  }
}

const execution = (id: string) => getItem<Record_>(`EXEC#${id}`);
const lockItem = (name: string) => getItem<Lock_>(`LOCK#${name}`);

/** Every execution record, newest first (GSI byKind, kindPk = EXEC): no Scan. */
async function executions(): Promise<Record_[]> {
  const doc = documents();
  try {
    const { TableName } = await stackOutputs();
    const out = await doc.send(
      new QueryCommand({
        TableName,
        IndexName: 'byKind',
        KeyConditionExpression: 'kindPk = :k',
        ExpressionAttributeValues: { ':k': 'EXEC' },
        ScanIndexForward: false,
      }),
    );
    return (out.Items ?? []) as Record_[];
  } finally {
    doc.destroy();
  }
}

async function taskDefinitionCount(): Promise<number> {
  const ecs = new ECSClient(sdkConfig());
  try {
    return (await ecs.send(new ListTaskDefinitionsCommand({}))).taskDefinitionArns?.length ?? 0;
  } finally {
    ecs.destroy();
  }
}

/** The result of the last `{"type":"result",...}` line of `run --json` NDJSON. */
function resultOf(stdout: string): { execution: Record_; exitCode?: number; detached: boolean } {
  return streamResult<{ execution: Record_; exitCode?: number; detached: boolean }>(stdout);
}

/** Waits (polling the table) until an execution record has a task; no assertion on how long it takes. */
async function waitForTask(): Promise<Record_> {
  for (let i = 0; i < 300; i++) {
    const found = (await executions()).find((r) => r.taskArn);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('no execution got a task');
}

/** The CLI as a child process that the test can signal, with its output so far. */
function spawnCli(args: string[], configDir: string) {
  const child = spawn(...cliCommand([...args]), {
    env: cliEnv(configDir),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (c: Buffer) => (out.stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out.stderr += c.toString()));
  const done = new Promise<CliResult>((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ ...out, exitCode: code ?? (signal ? 128 : -1) });
    });
  });
  return { child, out, done };
}

let configDir: string;

async function init(dir: string): Promise<void> {
  const result = await runCli(['init', '--yes', '--vpc', 'default'], { configDir: dir });
  expect(result.exitCode, result.stderr).toBe(0);
}

describe('runvoy run against the emulator', () => {
  beforeEach(async () => {
    await resetMoto();
    configDir = newConfigDir();
    await init(configDir);
    await stopTasksAtOnce();
  });

  it('runs `echo hello` behind --lock deploy: exit 0, record SUCCEEDED, lock free, command, startedBy and tags on the task', async () => {
    const result = await runCli(['run', '--image', IMAGE, '--lock', 'deploy', '--', 'echo', 'hello'], {
      configDir,
    });
    expect(result.exitCode, result.stderr).toBe(0);

    const records = await executions();
    expect(records).toHaveLength(1);
    const id = records[0]?.id ?? '';
    const record = await execution(id);
    expect(record).toMatchObject({
      status: 'SUCCEEDED',
      lockName: 'deploy',
      fence: 1,
      command: ['echo', 'hello'],
    });
    expect(result.stderr).toContain(id);
    expect(await lockItem('deploy')).toMatchObject({ state: 'FREE', fence: 1 });

    const { ClusterName } = await stackOutputs();
    const described = awsCli([
      'ecs',
      'describe-tasks',
      '--cluster',
      ClusterName ?? '',
      '--tasks',
      record?.taskArn ?? '',
      '--include',
      'TAGS',
    ]) as {
      tasks: Array<{
        startedBy: string;
        overrides: { containerOverrides: Array<{ name: string; command: string[] }> };
        tags: Array<{ key: string; value: string }>;
      }>;
    };
    const task = described.tasks[0];
    expect(task?.overrides.containerOverrides[0]).toMatchObject({
      name: 'runner',
      command: ['echo', 'hello'],
    });
    expect(task?.startedBy).toBe(`runvoy/${id}`);
    expect(task?.tags).toEqual(
      expect.arrayContaining([
        { key: 'runvoy:execution-id', value: id },
        { key: 'runvoy:lock', value: 'deploy' },
        { key: 'runvoy:caller', value: CALLER },
      ]),
    );
  });

  it('works from a config dir that did not run init (outputs looked up, not cached)', async () => {
    const result = await runCli(['run', '--json', '--image', IMAGE, '--', 'echo', 'hello'], {
      configDir: newConfigDir(),
    });
    expect(result.exitCode, result.stderr).toBe(0);
    const { execution: record } = resultOf(result.stdout);
    expect((await execution(record.id))?.status).toBe('SUCCEEDED');
  });

  it('registers no new task-definition revision on a second run of the same image, and looks nothing up', async () => {
    const cold = await runCli(['run', '--json', '--image', IMAGE, '--', 'echo', 'one'], { configDir });
    expect(cold.exitCode, cold.stderr).toBe(0);
    expect(cold.stdout).toContain('"type":"task-definition"');
    const revisions = await taskDefinitionCount();
    expect(revisions).toBe(1);

    const proxy = await startAwsProxy(motoUrl());
    try {
      const warm = await runCli(['run', '--json', '--image', IMAGE, '--', 'echo', 'two'], {
        configDir,
        env: { AWS_ENDPOINT_URL: proxy.url },
      });
      expect(warm.exitCode, warm.stderr).toBe(0);
      expect(resultOf(warm.stdout).execution.status).toBe('SUCCEEDED');
      expect(warm.stdout).not.toContain('"type":"task-definition"');
      const ops = proxy.requests.map((r) => op(r.operation));
      expect(ops.filter((o) => o === 'RunTask')).toHaveLength(1);
      expect(ops).not.toContain('RegisterTaskDefinition');
      expect(ops).not.toContain('DescribeTaskDefinition');
      expect(ops).not.toContain('ListTaskDefinitions');
    } finally {
      await proxy.close();
    }
    expect(await taskDefinitionCount()).toBe(revisions);
  });

  it('refuses a held lock with exit 3 naming the holder; locks status shows it; once its task stops, the next run takes it with the fence +1', async () => {
    await keepTasksRunning();
    const a = await runCli(['run', '--detach', '--image', IMAGE, '--lock', 'deploy', '--', 'sleep', '600'], {
      configDir,
    });
    expect(a.exitCode, a.stderr).toBe(0);
    const aId = a.stdout.trim();
    expect(aId).toMatch(/^[0-9a-z]{12}$/);

    const b = await runCli(['run', '--image', IMAGE, '--lock', 'deploy', '--', 'echo', 'B'], { configDir });
    expect(b.exitCode).toBe(3);
    expect(b.stderr).toContain(aId);
    expect(b.stderr).toContain(CALLER);
    expect(b.stderr).toContain('sleep 600');
    expect(b.stderr).toContain('runvoy locks release deploy --force');

    const status = await runCli(['locks', 'status', 'deploy', '--json'], { configDir });
    expect(status.exitCode, status.stderr).toBe(0);
    const shown = jsonResult<
      Lock_ & {
        holderFinished: boolean;
        holder: { taskArn: string };
      }
    >(status.stdout);
    expect(shown).toMatchObject({
      name: 'deploy',
      state: 'HELD',
      holderExecutionId: aId,
      holderArn: CALLER,
      fence: 1,
      holderFinished: false,
    });

    await stopTask(shown.holder.taskArn, 'stopped by the test');
    await stopTasksAtOnce();
    const again = await runCli(['run', '--json', '--image', IMAGE, '--lock', 'deploy', '--', 'echo', 'B'], {
      configDir,
    });
    expect(again.exitCode, again.stderr).toBe(0);
    const bRecord = resultOf(again.stdout).execution;
    expect(bRecord.fence).toBe(shown.fence + 1);
    expect(again.stdout).toContain(`"takeoverFrom":"${aId}"`);
    expect(await lockItem('deploy')).toMatchObject({ state: 'FREE', fence: shown.fence + 1 });
  });

  it('lets exactly one of 20 racing processes take the lock; the other 19 exit 3', async () => {
    await keepTasksRunning();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        runCli(['run', '--detach', '--image', IMAGE, '--lock', 'race', '--', 'echo', String(i)], {
          configDir,
        }),
      ),
    );
    const winners = results.filter((r) => r.exitCode === 0);
    const losers = results.filter((r) => r.exitCode === 3);
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(19);
    const winnerId = winners[0]?.stdout.trim() ?? '';
    for (const loser of losers) expect(loser.stderr).toContain(winnerId);
    expect(await lockItem('race')).toMatchObject({ state: 'HELD', holderExecutionId: winnerId, fence: 1 });
    // The losers wrote nothing: the record and the lock go in one transaction.
    expect((await executions()).map((r) => r.id)).toEqual([winnerId]);
  });

  it('--dry-run prints the plan and writes nothing; with --json the plan parses', async () => {
    const proxy = await startAwsProxy(motoUrl());
    try {
      const args = [
        'run',
        '--dry-run',
        '--image',
        IMAGE,
        '--lock',
        'deploy',
        '--cpu',
        '1024',
        '--memory',
        '2048',
        '--arch',
        'arm64',
        '--',
        'echo',
        'hi',
      ];
      const text = await runCli(args, { configDir, env: { AWS_ENDPOINT_URL: proxy.url } });
      expect(text.exitCode, text.stderr).toBe(0);
      const json = await runCli([...args.slice(0, 2), '--json', ...args.slice(2)], {
        configDir,
        env: { AWS_ENDPOINT_URL: proxy.url },
      });
      expect(json.exitCode, json.stderr).toBe(0);
      const plan = streamResult<{
        dryRun: boolean;
        taskDefinitionFamily: string;
        cpu: number;
        memory: number;
        arch: string;
        spot: boolean;
        lock: string;
        network: { subnets: string[]; securityGroup: string; assignPublicIp: string };
        estimate: { perHour: { amount: number } };
      }>(json.stdout);
      expect(plan).toMatchObject({
        dryRun: true,
        cpu: 1024,
        memory: 2048,
        arch: 'arm64',
        spot: false,
        lock: 'deploy',
      });
      expect(plan.taskDefinitionFamily).toMatch(/^runvoy-runvoy-[0-9a-f]{16}$/);
      expect(plan.estimate.perHour.amount).toBeGreaterThan(0);
      const outputs = await stackOutputs();
      expect(plan.network).toEqual({
        subnets: outputs.SubnetIds?.split(','),
        securityGroup: outputs.SecurityGroupId,
        assignPublicIp: outputs.AssignPublicIp,
      });

      // The human plan shows the same facts.
      expect(text.stdout).toContain(plan.taskDefinitionFamily);
      expect(text.stdout).toContain('1024 CPU units, 2048 MiB, arm64');
      expect(text.stdout).toContain(`security group ${outputs.SecurityGroupId}`);
      expect(text.stdout).toMatch(/lock\s+deploy/);
      expect(text.stdout).toContain(`$${plan.estimate.perHour.amount.toFixed(4)} per hour`);

      const ops = proxy.requests.map((r) => op(r.operation));
      expect(ops.filter((o) => WRITES.includes(o))).toEqual([]);
    } finally {
      await proxy.close();
    }
    expect(await executions()).toEqual([]);
    expect(await lockItem('deploy')).toBeUndefined();
    expect(await taskDefinitionCount()).toBe(0);
  });

  // Issue 11 item 7: without `--`, `-la` of `ls -la` was read as `--lock a`.
  it('`run --image alpine ls -la` runs `ls -la`: runvoy flags stop at the first argument that is not one', async () => {
    const proxy = await startAwsProxy(motoUrl());
    try {
      const env = { AWS_ENDPOINT_URL: proxy.url };
      const json = await runCli(['run', '--image', IMAGE, '--dry-run', '--json', 'ls', '-la'], {
        configDir,
        env,
      });
      expect(json.exitCode, json.stderr).toBe(0);
      const plan = streamResult<{
        command: string[];
        containerCommand: string[];
        lock?: string;
      }>(json.stdout);
      expect(plan.command).toEqual(['ls', '-la']);
      expect(plan.containerCommand).toEqual(['ls', '-la']);
      expect(plan.lock).toBeUndefined();

      // The same with short flags in every form, and flags of runvoy's inside the command left alone.
      const short = await runCli(['run', `-i${IMAGE}`, '--dry-run', '--json', 'grep', '-i', 'x', '--json'], {
        configDir,
        env,
      });
      expect(short.exitCode, short.stderr).toBe(0);
      expect(streamResult(short.stdout)).toMatchObject({
        image: IMAGE,
        command: ['grep', '-i', 'x', '--json'],
      });

      const text = await runCli(['run', '-i', IMAGE, '--dry-run', 'ls', '-la'], { configDir, env });
      expect(text.exitCode, text.stderr).toBe(0);
      expect(text.stdout).toContain('command          ["ls","-la"]');
      expect(text.stdout).toMatch(/lock\s+\(none\)/);
      expect(proxy.requests.map((r) => op(r.operation)).filter((o) => WRITES.includes(o))).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  // Issue 11 item 8: `--shell -- grep 'foo bar' f` showed one command and ran `sh -c "grep foo bar f"`.
  it('--shell keeps the quoting of several arguments, and shows exactly what runs everywhere', async () => {
    await keepTasksRunning();
    const plan = await runCli(
      ['run', '--image', IMAGE, '--shell', '--dry-run', '--json', '--', 'grep', 'foo bar', 'f'],
      { configDir },
    );
    expect(plan.exitCode, plan.stderr).toBe(0);
    expect(streamResult(plan.stdout)).toMatchObject({ containerCommand: ['sh', '-c', "grep 'foo bar' f"] });
    const script = await runCli(
      ['run', '--image', IMAGE, '--shell', '--dry-run', '--json', '--', 'echo $HOSTNAME && uname -a'],
      { configDir },
    );
    expect(streamResult(script.stdout)).toMatchObject({
      containerCommand: ['sh', '-c', 'echo $HOSTNAME && uname -a'],
    });

    const started = await runCli(
      ['run', '--image', IMAGE, '--shell', '--detach', '--', 'grep', 'foo bar', 'f'],
      {
        configDir,
      },
    );
    expect(started.exitCode, started.stderr).toBe(0);
    const id = started.stdout.trim();
    const shown = "sh -c 'grep '\\''foo bar'\\'' f'";
    expect(started.stderr).toContain(`started: ${IMAGE} ${shown}`);
    const record = await execution(id);
    const { ClusterName } = await stackOutputs();
    const described = awsCli([
      'ecs',
      'describe-tasks',
      '--cluster',
      ClusterName ?? '',
      '--tasks',
      record?.taskArn ?? '',
    ]) as {
      tasks: Array<{ overrides: { containerOverrides: Array<{ command: string[] }> } }>;
    };
    expect(described.tasks[0]?.overrides.containerOverrides[0]?.command).toEqual([
      'sh',
      '-c',
      "grep 'foo bar' f",
    ]);

    const status = await runCli(['status', id], { configDir });
    expect(status.exitCode, status.stderr).toBe(0);
    expect(status.stdout).toContain(shown);
    const list = await runCli(['list'], { configDir });
    expect(list.stdout).toContain("sh -c 'grep '\\''foo bar'");
  });

  it('--detach prints the execution ID on stdout and how to follow or stop it on stderr, and exits 0', async () => {
    await keepTasksRunning();
    const result = await runCli(['run', '--detach', '--image', IMAGE, '--', 'sleep', '600'], { configDir });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^[0-9a-z]{12}\n$/);
    const id = result.stdout.trim();
    expect(result.stderr).toContain(`runvoy logs ${id} --follow`);
    expect(result.stderr).toContain(`runvoy kill ${id}`);
    const record = await execution(id);
    expect(['STARTING', 'RUNNING']).toContain(record?.status);
    expect(record?.taskArn).toMatch(/^arn:aws:ecs:us-east-1:123456789012:task\//);
  });

  it('--timeout 2m --detach creates a one-time schedule runvoy-timeout-<id> that stops the task', async () => {
    await keepTasksRunning();
    const result = await runCli(
      ['run', '--detach', '--timeout', '2m', '--image', IMAGE, '--', 'sleep', '600'],
      {
        configDir,
      },
    );
    expect(result.exitCode, result.stderr).toBe(0);
    const id = result.stdout.trim();
    const record = await execution(id);
    expect(record?.timeoutScheduleName).toBe(`runvoy-timeout-${id}`);
    expect(Date.parse(record?.timeoutAt ?? '') - Date.parse(record?.createdAt ?? '')).toBe(120_000);

    const scheduler = new SchedulerClient(sdkConfig());
    try {
      const schedule = await scheduler.send(new GetScheduleCommand({ Name: `runvoy-timeout-${id}` }));
      expect(schedule.ScheduleExpression).toBe(`at(${record?.timeoutAt?.slice(0, 19)})`);
      expect(schedule.ActionAfterCompletion).toBe('DELETE');
      expect(schedule.Target?.Arn).toBe('arn:aws:scheduler:::aws-sdk:ecs:stopTask');
      expect(schedule.Target?.RoleArn).toBe((await stackOutputs()).SchedulerRoleArn);
      const input = JSON.parse(schedule.Target?.Input ?? '{}') as { Task?: string; Cluster?: string };
      expect(input.Task).toBe(record?.taskArn);
      expect(input.Cluster).toBe((await stackOutputs()).ClusterName);
    } finally {
      scheduler.destroy();
    }
  });

  it('exits 130 with the record STOPPED when the task of an attached run is killed mid-run', async () => {
    await keepTasksRunning();
    const running = runCli(['run', '--json', '--image', IMAGE, '--lock', 'deploy', '--', 'sleep', '600'], {
      configDir,
    });
    const record = await waitForTask();
    // As `runvoy kill` does from another terminal. moto sets no stopCode (AWS would say UserInitiated), so
    // the mapping relies on runvoy's own stop reason here.
    await stopTask(record.taskArn ?? '', 'runvoy: killed by arn:aws:sts::123456789012:user/someone-else');
    const result = await running;
    expect(result.exitCode, result.stderr).toBe(130);
    expect(resultOf(result.stdout).execution.status).toBe('STOPPED');
    expect((await execution(record.id))?.status).toBe('STOPPED');
    expect(await lockItem('deploy')).toMatchObject({ state: 'FREE' });
  });

  it('on Ctrl-C, exits 130 and leaves the task running with its lock', async () => {
    await keepTasksRunning();
    const cli = spawnCli(['run', '--image', IMAGE, '--lock', 'deploy', '--', 'sleep', '600'], configDir);
    const record = await waitForTask();
    cli.child.kill('SIGINT');
    const result = await cli.done;
    expect(result.exitCode).toBe(130);
    expect(['STARTING', 'RUNNING']).toContain((await execution(record.id))?.status);
    expect(await lockItem('deploy')).toMatchObject({ state: 'HELD', holderExecutionId: record.id });
  });

  // BUG: one Ctrl-C is handled as two. `conf` -> `atomically` -> `when-exit` hooks process.once('SIGINT') at
  // import time and, after its callbacks, re-sends SIGINT to the process (process.kill(pid, 'SIGINT')).
  // src/commands/run.ts `onSigint` (the SIGINT handler around watchExecution) takes that second signal as
  // "Ctrl-C twice" and calls process.exit(130) at once: detach() is cut off (the lease may stay at the
  // 2-minute attached lease, the record is not marked detached) and the "runvoy logs ID --follow" /
  // "runvoy kill ID" lines are never printed.
  it('on Ctrl-C, detaches: says how to follow or stop it and marks the record detached', async () => {
    await keepTasksRunning();
    const cli = spawnCli(['run', '--image', IMAGE, '--lock', 'deploy', '--', 'sleep', '600'], configDir);
    const record = await waitForTask();
    cli.child.kill('SIGINT');
    const result = await cli.done;
    expect(result.exitCode).toBe(130);
    expect(result.stderr).toContain(`runvoy logs ${record.id} --follow`);
    expect(result.stderr).toContain(`runvoy kill ${record.id}`);
    expect(await execution(record.id)).toMatchObject({ detached: true });
  });
});

describe('runvoy run with bad input', () => {
  let proxy: AwsProxy;
  let dir: string;
  beforeEach(async () => {
    proxy = await startAwsProxy(motoUrl());
    dir = newConfigDir();
  });
  afterEach(async () => proxy.close());

  const badEnvFile = join(mkdtempSync(join(tmpdir(), 'runvoy-envfile-')), 'bad.env');
  writeFileSync(badEnvFile, 'GOOD=1\n1X=y\n');
  const bigEnvFile = join(mkdtempSync(join(tmpdir(), 'runvoy-envfile-')), 'big.env');
  writeFileSync(bigEnvFile, `NOTE=${'日'.repeat(3000)}\n`);
  const tagFlags = (n: number) => Array.from({ length: n }, (_, i) => ['--tag', `k${i}=v`]).flat();

  const cases: Array<[string, string[], string]> = [
    ['an image reference with a space', ['--image', 'Bad Image'], '--image'],
    ['cpu 300', ['--image', IMAGE, '--cpu', '300'], '--cpu'],
    ['memory 512 for cpu 1024', ['--image', IMAGE, '--cpu', '1024', '--memory', '512'], '--memory'],
    ['arch sparc', ['--image', IMAGE, '--arch', 'sparc'], '--arch'],
    ['an env name starting with a digit', ['--image', IMAGE, '--env', '1X=y'], '--env'],
    ['an env file with a bad line', ['--image', IMAGE, '--env-file', badEnvFile], '--env-file'],
    ['a secret that is no reference', ['--image', IMAGE, '--secret', 'FOO=notaref'], '--secret'],
    ['a reserved tag key', ['--image', IMAGE, '--tag', 'aws:x=y'], '--tag'],
    ['timeout 5x', ['--image', IMAGE, '--timeout', '5x'], '--timeout'],
    ['a lock name with //', ['--image', IMAGE, '--lock', 'bad//name'], '--lock'],
    ['--lock-wait without --lock', ['--image', IMAGE, '--lock-wait', '10m'], '--lock-wait'],
    ['10 GiB of ephemeral storage', ['--image', IMAGE, '--ephemeral-storage', '10'], '--ephemeral-storage'],
    ['a task role that is not an ARN', ['--image', IMAGE, '--task-role', 'notanarn'], '--task-role'],
    ['overrides over 8192 characters', ['--image', IMAGE, '--', 'x'.repeat(9000)], '8192'],
    // Issue 11 item 6: every AWS limit the request can break is checked before any request.
    ['60 tags', ['--image', IMAGE, ...tagFlags(60)], '--tag: "60 tags"'],
    ['47 tags with a lock', ['--image', IMAGE, '--lock', 'l', ...tagFlags(47)], 'at most 46'],
    ['a tag key of 129 characters', ['--image', IMAGE, '--tag', `${'k'.repeat(129)}=v`], '--tag'],
    ['a tag value of 257 characters', ['--image', IMAGE, '--tag', `k=${'v'.repeat(257)}`], '--tag'],
    ['a tag value starting with aws:', ['--image', IMAGE, '--tag', 'k=AWS:x'], 'aws: are reserved'],
    ['a tag with a comma', ['--image', IMAGE, '--tag', 'k=a,b'], '--tag'],
    [
      'a multi-byte env value over 8192 bytes (under 8192 characters)',
      ['--image', IMAGE, '--env', `NOTE=${'é'.repeat(5000)}`],
      'bytes of RunTask overrides',
    ],
    ['a multi-byte env file over 8192 bytes', ['--image', IMAGE, '--env-file', bigEnvFile], 'NOTE ('],
    ['a boolean flag given a value', ['--image', IMAGE, '--detach=yes'], '"yes" is not a runvoy flag'],
    ['an unknown flag', ['--imag', IMAGE], '--imag'],
  ];

  it.each(cases)('%s: exit 2, names it, sends nothing', async (_label, args, named) => {
    const command = args.includes('--') ? [] : ['--', 'echo', 'hi'];
    const result = await runCli(['run', ...args, ...command], {
      configDir: dir,
      env: { AWS_ENDPOINT_URL: proxy.url },
    });
    expect(result.exitCode, result.stderr).toBe(2);
    expect(result.stderr).toContain(named);
    expect(result.stderr).toContain('Nothing was sent to AWS');
    expect(proxy.requests).toEqual([]);
  });

  // Without a local image, the team policy may hold one (docs/configuration.md): runvoy looks it up, and
  // only reads to do so.
  it('no image at all: exit 2, names --image and where a default can be set, writes and starts nothing', async () => {
    const result = await runCli(['run', '--', 'echo', 'hi'], {
      configDir: dir,
      env: { AWS_ENDPOINT_URL: proxy.url },
    });
    expect(result.exitCode, result.stderr).toBe(2);
    expect(result.stderr).toContain('--image: no image was given');
    expect(result.stderr).toContain('runvoy config set image IMAGE');
    expect(result.stderr).toContain('runvoy policy set image IMAGE');
    const reads = ['sts:GetCallerIdentity', 'cloudformation:DescribeStacks', 'dynamodb:GetItem'];
    expect(proxy.requests.filter((r) => !reads.includes(r.iamAction))).toEqual([]);
  });

  // Node 20 reads a `--env-file PATH` after the script name as its own option (nodejs/node#54232) unless a
  // `--` comes first, as in bin/run.js's shebang and runCli; test/e2e/invocation.test.ts covers each
  // documented way of starting runvoy.
  it('a missing env file: exit 2, names --env-file, sends nothing', async () => {
    const result = await runCli(
      ['run', '--image', IMAGE, '--env-file', 'missing/badfile', '--', 'echo', 'hi'],
      {
        configDir: dir,
        env: { AWS_ENDPOINT_URL: proxy.url },
      },
    );
    expect(proxy.requests).toEqual([]);
    expect(result.exitCode, result.stderr).toBe(2);
    expect(result.stderr).toContain('--env-file');
  });

  // Issue 11 item 10: `--secret A=hunter2` echoed the plaintext in its error.
  const secretCases: Array<[string, string[]]> = [
    ['a value instead of a reference', ['--secret', 'DB_PASSWORD=hunter2']],
    ['no "="', ['--secret', 'hunter2']],
    ['a bad name', ['--secret', '1DB=hunter2']],
    ['a reserved name', ['--secret', 'RUNVOY_DB=hunter2']],
    ['a name twice', ['--secret', 'DB=/prod/hunter2', '--secret', 'DB=/prod/hunter2']],
    ['a name also in --env', ['--secret', 'DB=/prod/hunter2', '--env', 'DB=1']],
    ['with another bad value', ['--secret', 'A=hunter2', '--lock', 'bad//name']],
    ['as --secret=VALUE', ['--secret=A=hunter2']],
  ];
  const modes: Array<[string, string[]]> = [
    ['text', []],
    ['--json', ['--json']],
    ['--debug', ['--debug']],
    ['--dry-run', ['--dry-run']],
  ];
  it.each(
    secretCases.flatMap(([label, args]) => modes.map(([mode, flags]) => [label, mode, args, flags] as const)),
  )(
    '--secret with %s (%s): exit 2, names --secret, never shows the value, sends nothing',
    async (_label, _mode, args, flags) => {
      const result = await runCli(['run', ...flags, '--image', IMAGE, ...args, '--', 'echo', 'hi'], {
        configDir: dir,
        env: { AWS_ENDPOINT_URL: proxy.url },
      });
      expect(result.exitCode, result.stderr).toBe(2);
      expect(result.stdout + result.stderr).toContain('--secret');
      expect(result.stdout + result.stderr).not.toContain('hunter2');
      expect(proxy.requests).toEqual([]);
    },
  );
});
