/**
 * `runvoy schedule` end to end (issue 14, item 3): the built CLI against the emulator, stacks made with
 * `init --vpc default`. moto stores schedules but never fires them, so a run is started by hand with the
 * parameters of the schedule's target, as EventBridge Scheduler would start it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { adoptedExecutionId } from '../../src/core/reconcile-plan.js';
import { LOCK_SCRIPT } from '../../src/core/schedule-lock.js';
import { awsCli, type CliResult, isolatedEnv, newConfigDir, runCli, jsonResult } from '../support/cli.js';
import { emulatorState, stopTask } from '../support/emulator-state.js';
import { keepTasksRunning, motoUrl, resetMoto, sdkConfig } from '../support/moto.js';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { putLines } from '../support/log-writer.js';
import { startAwsProxy } from '../support/aws-proxy.js';
import { actionsOf } from '../../src/core/permissions.js';

const IMAGE = 'public.ecr.aws/docker/library/alpine:3.20';
const GROUP = 'runvoy-runvoy';

interface Schedule {
  Name: string;
  GroupName: string;
  State: string;
  ScheduleExpression: string;
  ScheduleExpressionTimezone: string;
  Target: {
    Arn: string;
    RoleArn: string;
    Input: string;
    EcsParameters: {
      TaskDefinitionArn: string;
      LaunchType: string;
      TaskCount: number;
      PropagateTags: string;
      Group: string;
      NetworkConfiguration: {
        awsvpcConfiguration: { Subnets: string[]; SecurityGroups: string[]; AssignPublicIp: string };
      };
      Tags: Array<{ key: string; value: string }>;
    };
  };
}

interface ScheduleView {
  name: string;
  state: string;
  cron: string;
  expression: string;
  timezone: string;
  nextRuns: string[];
  command: string[];
  lock?: string;
}

let configDir: string;
const cli = (args: string[], env?: Record<string, string>) => runCli(args, { configDir, env });

function json<T>(result: CliResult): T {
  expect(result.exitCode, result.stderr).toBe(0);
  return jsonResult<T>(result.stdout);
}

function getSchedule(name: string): Schedule {
  return awsCli(['scheduler', 'get-schedule', '--group-name', GROUP, '--name', name]) as Schedule;
}

/** `aws ecs run-task` with exactly what the schedule's target says: what EventBridge Scheduler sends. */
function runTaskAsScheduler(schedule: Schedule): string {
  const ecs = schedule.Target.EcsParameters;
  const network = ecs.NetworkConfiguration.awsvpcConfiguration;
  const out = awsCli([
    'ecs',
    'run-task',
    '--cluster',
    schedule.Target.Arn,
    '--task-definition',
    ecs.TaskDefinitionArn,
    '--launch-type',
    ecs.LaunchType,
    '--count',
    String(ecs.TaskCount),
    '--group',
    ecs.Group,
    '--propagate-tags',
    ecs.PropagateTags,
    '--network-configuration',
    JSON.stringify({
      awsvpcConfiguration: {
        subnets: network.Subnets,
        securityGroups: network.SecurityGroups,
        assignPublicIp: network.AssignPublicIp,
      },
    }),
    '--overrides',
    schedule.Target.Input,
    '--tags',
    JSON.stringify(ecs.Tags),
  ]) as { tasks: Array<{ taskArn: string }> };
  const arn = out.tasks[0]?.taskArn;
  if (!arn) throw new Error('run-task started no task');
  return arn;
}

describe('schedules against the emulator', () => {
  beforeEach(async () => {
    await resetMoto();
    configDir = newConfigDir();
    const init = await runCli(['init', '--yes', '--vpc', 'default'], { configDir });
    expect(init.exitCode, init.stderr).toBe(0);
    await keepTasksRunning();
  });

  it('schedule create makes an ECS target with the stack role and runvoy tags; a task started with it is listed after reconcile, origin schedule', async () => {
    const created = json<{ schedule: ScheduleView }>(
      await cli([
        'schedule',
        'create',
        'nightly',
        '--cron',
        '0 3 * * *',
        '--timezone',
        'Europe/Paris',
        '--image',
        IMAGE,
        '--cpu',
        '512',
        '--memory',
        '2048',
        '--env',
        'MODE=full',
        '--tag',
        'team=data',
        '--json',
        '--',
        'backup',
        '--all',
      ]),
    ).schedule;
    expect(created).toMatchObject({
      name: 'nightly',
      state: 'ENABLED',
      cron: '0 3 * * *',
      expression: 'cron(0 3 * * ? *)',
      timezone: 'Europe/Paris',
      command: ['backup', '--all'],
    });
    expect(created.nextRuns).toHaveLength(3);
    // 03:00 in Paris is 01:00 or 02:00 UTC.
    for (const at of created.nextRuns) expect(at).toMatch(/T0[12]:00:00\.000Z$/);

    const { outputs } = await emulatorState();
    const schedule = getSchedule('nightly');
    expect(schedule.ScheduleExpression).toBe('cron(0 3 * * ? *)');
    expect(schedule.ScheduleExpressionTimezone).toBe('Europe/Paris');
    expect(schedule.Target.Arn).toBe(outputs.ClusterArn);
    expect(schedule.Target.RoleArn).toBe(outputs.SchedulerRoleArn);
    expect(schedule.Target.EcsParameters).toMatchObject({
      LaunchType: 'FARGATE',
      TaskCount: 1,
      PropagateTags: 'TASK_DEFINITION',
      NetworkConfiguration: {
        awsvpcConfiguration: {
          Subnets: outputs.SubnetIds?.split(','),
          SecurityGroups: [outputs.SecurityGroupId],
          AssignPublicIp: 'ENABLED',
        },
      },
    });
    expect(schedule.Target.EcsParameters.TaskDefinitionArn).toMatch(
      /:task-definition\/runvoy-runvoy-[0-9a-f]{16}:1$/,
    );
    const tags = Object.fromEntries(schedule.Target.EcsParameters.Tags.map((t) => [t.key, t.value]));
    expect(tags).toEqual({
      team: 'data',
      'runvoy:schedule': 'nightly',
      'runvoy:caller': 'arn:aws:sts::123456789012:user/moto',
      'runvoy:host': 'schedule:nightly',
    });
    const overrides = JSON.parse(schedule.Target.Input) as {
      cpu: string;
      memory: string;
      containerOverrides: Array<{
        name: string;
        command: string[];
        environment: Array<{ name: string; value: string }>;
      }>;
    };
    expect(overrides).toEqual({
      cpu: '512',
      memory: '2048',
      containerOverrides: [
        {
          name: 'runner',
          command: ['backup', '--all'],
          environment: [
            { name: 'MODE', value: 'full' },
            { name: 'RUNVOY_SCHEDULE_NAME', value: 'nightly' },
          ],
        },
      ],
    });

    const taskArn = runTaskAsScheduler(schedule);
    const reconciled = json<{ counts: Record<string, number> }>(await cli(['reconcile', '--json']));
    expect(reconciled.counts).toMatchObject({ adopted: 1 });
    const listed = json<{ executions: Array<Record<string, unknown>> }>(await cli(['list', '--json']));
    expect(listed.executions).toHaveLength(1);
    const id = adoptedExecutionId(taskArn);
    expect(listed.executions[0]).toMatchObject({
      id,
      origin: 'schedule',
      scheduleName: 'nightly',
      taskArn,
      image: IMAGE,
      command: ['backup', '--all'],
      cpu: 512,
      memory: 2048,
      callerArn: 'arn:aws:sts::123456789012:user/moto',
      tags: { team: 'data' },
    });
    const table = await cli(['list']);
    expect(table.exitCode, table.stderr).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`${id}\\s+RUNNING\\s+schedule:nightly\\s`));
    const status = await cli(['status', id]);
    expect(status.stdout).toMatch(/origin\s+schedule:nightly/);
    const taskId = taskArn.split('/').pop() ?? '';
    expect(json<{ logStream: string }>(await cli(['status', id, '--json'])).logStream).toBe(
      `runvoy/runner/${taskId}`,
    );
    // The run logs where every runvoy run does: `logs` reads it like any other.
    const logs = new CloudWatchLogsClient(sdkConfig());
    try {
      await putLines(logs, outputs.LogGroupName ?? '', `runvoy/runner/${taskId}`, ['backup done']);
    } finally {
      logs.destroy();
    }
    const printed = await cli(['logs', id]);
    expect(printed.exitCode, printed.stderr).toBe(0);
    expect(printed.stdout).toBe('backup done\n');
    await stopTask(taskArn);
    const cost = json<{ execution?: { id: string }; cost?: unknown }>(await cli(['cost', id, '--json']));
    expect(JSON.stringify(cost)).toContain(id);

    const listedSchedules = json<{ schedules: ScheduleView[] }>(await cli(['schedule', 'list', '--json']));
    expect(listedSchedules.schedules.map((s) => [s.name, s.state, s.nextRuns.length])).toEqual([
      ['nightly', 'ENABLED', 3],
    ]);
    const scheduleTable = await cli(['schedule', 'list']);
    expect(scheduleTable.stdout).toMatch(/nightly\s+ENABLED\s+0 3 \* \* \*\s+Europe\/Paris\s+20\d\d-/);
  });

  it('pause and resume change the state (and say when there is nothing to do); delete removes it', async () => {
    await cli(['schedule', 'create', 'hourly', '--cron', '@hourly', '--image', IMAGE, '--', 'true']);
    const paused = json<{ schedule: ScheduleView; changed: boolean }>(
      await cli(['schedule', 'pause', 'hourly', '--json']),
    );
    expect(paused).toMatchObject({ changed: true, schedule: { state: 'DISABLED', nextRuns: [] } });
    expect(getSchedule('hourly').State).toBe('DISABLED');
    const again = await cli(['schedule', 'pause', 'hourly']);
    expect(again.exitCode).toBe(0);
    expect(again.stderr).toContain('already paused: nothing to do');
    const resumed = json<{ schedule: ScheduleView; changed: boolean }>(
      await cli(['schedule', 'resume', 'hourly', '--json']),
    );
    expect(resumed).toMatchObject({ changed: true, schedule: { state: 'ENABLED' } });
    expect(resumed.schedule.nextRuns).toHaveLength(3);
    expect(getSchedule('hourly')).toMatchObject({
      State: 'ENABLED',
      ScheduleExpression: 'cron(0 * * * ? *)',
    });

    const duplicate = await cli(['schedule', 'create', 'hourly', '--cron', '@daily', '--image', IMAGE]);
    expect(duplicate.exitCode).toBe(1);
    expect(duplicate.stderr).toContain('A schedule named "hourly" already exists');

    expect(json<{ deleted: boolean }>(await cli(['schedule', 'delete', 'hourly', '--json']))).toEqual({
      name: 'hourly',
      deleted: true,
    });
    const gone = await cli(['schedule', 'delete', 'hourly']);
    expect(gone.exitCode).toBe(1);
    expect(gone.stderr).toContain('There is no schedule "hourly"');
    expect(json<{ schedules: unknown[] }>(await cli(['schedule', 'list', '--json'])).schedules).toEqual([]);
  });

  it('refuses bad input with exit 2 before any AWS request', async () => {
    // An endpoint that refuses connections: a request would fail with exit 1, not 2.
    const offline = { AWS_ENDPOINT_URL: 'http://127.0.0.1:9' };
    const cases: Array<[string[], RegExp]> = [
      [
        ['schedule', 'create', 'x', '--cron', '0 3 * *', '--image', IMAGE],
        /--cron: "0 3 \* \*" is not valid.*4 fields/,
      ],
      [
        ['schedule', 'create', 'x', '--cron', '0 0 1 * 1', '--image', IMAGE],
        /Both day of month and day of week/,
      ],
      [['schedule', 'create', 'x', '--cron', '61 * * * *', '--image', IMAGE], /minute field "61"/],
      [
        ['schedule', 'create', 'bad name', '--cron', '@daily', '--image', IMAGE],
        /NAME: "bad name" is not valid/,
      ],
      [
        ['schedule', 'create', 'x', '--cron', '@daily', '--timezone', 'Mars/Base', '--image', IMAGE],
        /--timezone/,
      ],
      [
        ['schedule', 'create', 'x', '--cron', '@daily', '--image', IMAGE, '--lock', 'db'],
        /--lock on a schedule needs --timeout/,
      ],
      [
        [
          'schedule',
          'create',
          'x',
          '--cron',
          '@daily',
          '--image',
          IMAGE,
          '--task-role',
          'arn:aws:iam::123456789012:role/app',
        ],
        /under the path \/runvoy\//,
      ],
      [
        ['schedule', 'create', 'x', '--cron', '@daily', '--image', IMAGE, '--cpu', '512', '--memory', '512'],
        /--memory/,
      ],
      [['schedule', 'pause', 'a/b'], /NAME: "a\/b" is not valid/],
    ];
    for (const [args, message] of cases) {
      const result = await cli(args, offline);
      expect(result.exitCode, `${args.join(' ')}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toMatch(message);
    }
  });

  it('a schedule with --lock runs a lock container first: the runner depends on its success, with the lock role', async () => {
    const created = json<{ schedule: ScheduleView }>(
      await cli([
        'schedule',
        'create',
        'migrate',
        '--cron',
        '*/30 * * * *',
        '--image',
        IMAGE,
        '--lock',
        'db',
        '--timeout',
        '30m',
        '--json',
        '--',
        'migrate',
      ]),
    ).schedule;
    expect(created).toMatchObject({ lock: 'db', expression: 'cron(0,30 * * * ? *)' });
    // The command goes in the overrides twice with a lock (the runner's, and the lock item's): too long for
    // ECS's 8192 characters, refused before anything is created.
    const long = await cli([
      'schedule',
      'create',
      'long',
      '--cron',
      '@daily',
      '--image',
      IMAGE,
      '--lock',
      'db',
      '--timeout',
      '5m',
      '--',
      'echo',
      'x'.repeat(5000),
    ]);
    expect(long.exitCode, long.stderr).toBe(2);
    expect(long.stderr).toMatch(/overrides would be \d+ characters; ECS allows 8192/);
    const { outputs } = await emulatorState();
    const schedule = getSchedule('migrate');
    const tags = Object.fromEntries(schedule.Target.EcsParameters.Tags.map((t) => [t.key, t.value]));
    expect(tags).toMatchObject({
      'runvoy:lock': 'db',
      'runvoy:timeout': '1800',
      'runvoy:schedule': 'migrate',
    });
    const definition = (
      awsCli([
        'ecs',
        'describe-task-definition',
        '--task-definition',
        schedule.Target.EcsParameters.TaskDefinitionArn,
      ]) as {
        taskDefinition: {
          family: string;
          taskRoleArn: string;
          volumes: Array<{ name: string }>;
          containerDefinitions: Array<{
            name: string;
            essential: boolean;
            image: string;
            entryPoint?: string[];
            command?: string[];
            dependsOn?: Array<{ containerName: string; condition: string }>;
            mountPoints?: Array<{ sourceVolume: string; containerPath: string; readOnly?: boolean }>;
          }>;
        };
      }
    ).taskDefinition;
    expect(definition.family).toMatch(/^runvoy-runvoy-lock-[0-9a-f]{16}$/);
    expect(definition.taskRoleArn).toBe(outputs.ScheduleLockRoleArn);
    expect(definition.volumes.map((v) => v.name)).toEqual(['runvoy-lock']);
    const [lock, runner] = definition.containerDefinitions;
    expect(lock).toMatchObject({
      name: 'lock',
      essential: false,
      entryPoint: ['/bin/bash', '-c'],
      command: [LOCK_SCRIPT],
      mountPoints: [{ sourceVolume: 'runvoy-lock', containerPath: '/runvoy' }],
    });
    expect(lock?.image).toMatch(/^public\.ecr\.aws\/aws-cli\/aws-cli:2\./);
    expect(runner).toMatchObject({
      name: 'runner',
      essential: true,
      image: IMAGE,
      dependsOn: [{ containerName: 'lock', condition: 'SUCCESS' }],
      mountPoints: [{ sourceVolume: 'runvoy-lock', containerPath: '/runvoy', readOnly: true }],
    });
    const input = JSON.parse(schedule.Target.Input) as {
      containerOverrides: Array<{ name: string; environment: Array<{ name: string; value: string }> }>;
    };
    const lockEnv = Object.fromEntries(
      (input.containerOverrides.find((c) => c.name === 'lock')?.environment ?? []).map((e) => [
        e.name,
        e.value,
      ]),
    );
    expect(lockEnv).toMatchObject({
      RUNVOY_TABLE: outputs.TableName,
      RUNVOY_LOCK_NAME: 'db',
      RUNVOY_LOCK_LEASE_SECONDS: '1800',
      RUNVOY_LOCK_KEY: JSON.stringify({ pk: { S: 'LOCK#db' }, sk: { S: 'META' } }),
    });
  });

  it("the lock container's script, run on this host against the emulator: takes a free lock, refuses a held one, and takes it again once reconcile frees it", async () => {
    await cli([
      'schedule',
      'create',
      'migrate',
      '--cron',
      '@hourly',
      '--image',
      IMAGE,
      '--lock',
      'db',
      '--timeout',
      '30m',
      '--',
      'migrate',
    ]);
    const schedule = getSchedule('migrate');
    const input = JSON.parse(schedule.Target.Input) as {
      containerOverrides: Array<{ name: string; environment: Array<{ name: string; value: string }> }>;
    };
    const lockEnv = Object.fromEntries(
      (input.containerOverrides.find((c) => c.name === 'lock')?.environment ?? []).map((e) => [
        e.name,
        e.value,
      ]),
    );
    const first = runTaskAsScheduler(schedule);
    const second = runTaskAsScheduler(schedule);

    const firstRun = await runLockScript(lockEnv, first);
    expect(firstRun.status, firstRun.stderr).toBe(0);
    expect(firstRun.stderr).toContain(
      `took the lock db (fence 1) for execution ${adoptedExecutionId(first)}`,
    );
    expect(firstRun.lockFile).toBe(
      `RUNVOY_EXECUTION_ID=${adoptedExecutionId(first)}\nRUNVOY_LOCK_NAME=db\nRUNVOY_LOCK_FENCE=1\n`,
    );
    const held = (await emulatorState()).locks.find((l) => l.name === 'db');
    expect(held).toMatchObject({
      state: 'HELD',
      fence: 1,
      holderExecutionId: adoptedExecutionId(first),
      holderArn: 'arn:aws:sts::123456789012:user/moto',
      holderHost: 'schedule:migrate',
      command: ['migrate'],
    });

    const refused = await runLockScript(lockEnv, second);
    expect(refused.status).toBe(3);
    expect(refused.stderr).toContain(`the lock db is held (holder, who, since: ${adoptedExecutionId(first)}`);
    expect(refused.lockFile).toBeUndefined();
    // runvoy run sees the same lock held, exit 3.
    const run = await cli(['run', '--detach', '--image', IMAGE, '--lock', 'db', '--', 'true']);
    expect(run.exitCode).toBe(3);
    expect(run.stderr).toContain(`held by execution ${adoptedExecutionId(first)}`);

    // The first run is still running: reconcile adopts both tasks and keeps the lock.
    json(await cli(['reconcile', '--json']));
    expect((await emulatorState()).locks.find((l) => l.name === 'db')).toMatchObject({
      state: 'HELD',
      fence: 1,
    });
    // Once its task stops, reconcile finalises it and frees the lock; the next taker gets fence 2.
    await stopTask(first);
    json(await cli(['reconcile', '--json']));
    expect((await emulatorState()).locks.find((l) => l.name === 'db')).toMatchObject({
      state: 'FREE',
      fence: 1,
    });
    const retried = await runLockScript(lockEnv, second);
    expect(retried.status, retried.stderr).toBe(0);
    expect((await emulatorState()).locks.find((l) => l.name === 'db')).toMatchObject({
      state: 'HELD',
      fence: 2,
      holderExecutionId: adoptedExecutionId(second),
    });
  });

  it('the lock script takes over a lock whose lease has expired, and nothing else', async () => {
    await cli([
      'schedule',
      'create',
      'job',
      '--cron',
      '@hourly',
      '--image',
      IMAGE,
      '--lock',
      'l',
      '--timeout',
      '5m',
    ]);
    const input = JSON.parse(getSchedule('job').Target.Input) as {
      containerOverrides: Array<{ name: string; environment: Array<{ name: string; value: string }> }>;
    };
    const lockEnv = Object.fromEntries(
      (input.containerOverrides.find((c) => c.name === 'lock')?.environment ?? []).map((e) => [
        e.name,
        e.value,
      ]),
    );
    const arn = (n: number) => `arn:aws:ecs:us-east-1:123456789012:task/runvoy-cluster/${'0'.repeat(31)}${n}`;
    const expired = await runLockScript({ ...lockEnv, RUNVOY_LOCK_LEASE_SECONDS: '0' }, arn(1));
    expect(expired.status, expired.stderr).toBe(0);
    const takeover = await runLockScript(lockEnv, arn(2));
    expect(takeover.status, takeover.stderr).toBe(0);
    expect((await emulatorState()).locks.find((l) => l.name === 'l')).toMatchObject({
      fence: 2,
      holderExecutionId: adoptedExecutionId(arn(2)),
    });
    const refused = await runLockScript(lockEnv, arn(3));
    expect(refused.status).toBe(3);
  });

  it('every AWS request of the schedule commands is listed in src/core/permissions.ts', async () => {
    const proxy = await startAwsProxy(motoUrl());
    try {
      const cases: Array<[string, string[]]> = [
        [
          'schedule:create',
          ['schedule', 'create', 'p', '--cron', '@daily', '--image', IMAGE, '--lock', 'x', '--timeout', '5m'],
        ],
        ['schedule:create', ['schedule', 'create', 'q', '--cron', '@daily', '--image', IMAGE]],
        ['schedule:list', ['schedule', 'list']],
        ['schedule:pause', ['schedule', 'pause', 'p']],
        ['schedule:resume', ['schedule', 'resume', 'p']],
        ['schedule:pause', ['schedule', 'pause', 'missing']],
        ['schedule:delete', ['schedule', 'delete', 'p']],
        ['schedule:delete', ['schedule', 'delete', 'missing']],
        ['destroy', ['destroy', '--yes']],
      ];
      for (const [commandId, args] of cases) {
        const from = proxy.requests.length;
        const result = await cli(args, { AWS_ENDPOINT_URL: proxy.url });
        expect(result.exitCode, `${args.join(' ')}: ${result.stderr}`).toBe(args.includes('missing') ? 1 : 0);
        const sent = [...new Set(proxy.requests.slice(from).map((r) => r.iamAction))];
        expect(sent.length, args.join(' ')).toBeGreaterThan(0);
        const listed = actionsOf(commandId);
        expect(
          sent.filter((a) => !listed.has(a as never)),
          `${args.join(' ')} sent actions not listed for ${commandId}`,
        ).toEqual([]);
      }
    } finally {
      await proxy.close();
    }
  });

  it('destroy deletes the schedules and their group', async () => {
    await cli(['schedule', 'create', 'a', '--cron', '@daily', '--image', IMAGE]);
    await cli(['schedule', 'create', 'b', '--cron', '@weekly', '--image', IMAGE]);
    const destroyed = json<{ deletedSchedules: string[] }>(await cli(['destroy', '--yes', '--json']));
    expect(destroyed.deletedSchedules.sort()).toEqual([`${GROUP}/a`, `${GROUP}/b`]);
    const groups = awsCli(['scheduler', 'list-schedule-groups']) as {
      ScheduleGroups: Array<{ Name: string }>;
    };
    expect(groups.ScheduleGroups.map((g) => g.Name)).not.toContain(GROUP);
  });
});

/**
 * Runs LOCK_SCRIPT with bash and the AWS CLI on this host, as the lock container would: its environment
 * from the schedule, the task's ARN served by a stand-in for ECS's task metadata endpoint.
 */
async function runLockScript(
  lockEnv: Record<string, string>,
  taskArn: string,
): Promise<{ status: number | null; stderr: string; lockFile?: string }> {
  const server = await metadataServer(taskArn);
  const dir = mkdtempSync(join(tmpdir(), 'runvoy-lock-'));
  const script = join(dir, 'lock.sh');
  writeFileSync(script, LOCK_SCRIPT);
  try {
    const port = (server.address() as AddressInfo).port;
    // Not spawnSync: the metadata server answers on this same thread.
    const result = await new Promise<{ status: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn('bash', [script], {
        env: {
          ...isolatedEnv(),
          ...lockEnv,
          ECS_CONTAINER_METADATA_URI_V4: `http://127.0.0.1:${port}/v4`,
          RUNVOY_LOCK_DIR: dir,
        },
      });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('error', reject);
      child.on('close', (status) => resolve({ status, stderr }));
    });
    let lockFile: string | undefined;
    try {
      lockFile = readFileSync(join(dir, 'lock.env'), 'utf8');
    } catch {
      lockFile = undefined;
    }
    return { status: result.status, stderr: result.stderr, lockFile };
  } finally {
    server.close();
  }
}

function metadataServer(taskArn: string): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url === '/v4/task') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ Cluster: 'runvoy', TaskARN: taskArn, Family: 'runvoy-runvoy-lock' }));
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
