import { describe, expect, it } from 'vitest';
import type { RunRequest } from '../../../src/core/run-request.js';
import {
  buildScheduleTarget,
  scheduleGroupName,
  scheduleTaskDefinition,
  targetTags,
  validateScheduleName,
  validateScheduleTagCount,
  validateScheduleTaskRole,
  type ScheduleTargetInput,
} from '../../../src/core/schedule.js';
import { LOCK_SCRIPT, lockContainerEnv } from '../../../src/core/schedule-lock.js';
import { taskDefinitionFamily, type TaskDefSpec } from '../../../src/core/taskdef.js';

const request: RunRequest = {
  image: 'alpine:3.20',
  command: ['echo', "it's"],
  shell: false,
  cpu: 512,
  memory: 1024,
  arch: 'x86_64',
  spot: false,
  env: [{ name: 'A', value: '1' }],
  secrets: [],
  tags: { team: 'data' },
  lockWaitMs: 0,
  detach: true,
};

const input: ScheduleTargetInput = {
  name: 'nightly',
  request,
  callerArn: 'arn:aws:sts::123456789012:assumed-role/Dev/bob,x',
  clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/c',
  taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/runvoy-s-0123456789abcdef:1',
  schedulerRoleArn: 'arn:aws:iam::123456789012:role/runvoy/sched',
  subnets: ['subnet-1', 'subnet-2'],
  securityGroup: 'sg-1',
  assignPublicIp: 'DISABLED',
};

const spec: TaskDefSpec = {
  image: 'alpine:3.20',
  arch: 'arm64',
  executionRoleArn: 'arn:aws:iam::123456789012:role/runvoy/exec',
  taskRoleArn: 'arn:aws:iam::123456789012:role/runvoy/lock',
  logGroup: '/runvoy/s',
  region: 'us-east-1',
  secrets: [],
};

describe('validateScheduleName', () => {
  it.each(['nightly', 'a', 'Backup_2.daily-x', 'x'.repeat(64)])('accepts %s', (name) => {
    expect(validateScheduleName(name)).toBeUndefined();
  });
  it.each([
    ['', /empty/],
    ['x'.repeat(65), /65 characters/],
    ['-x', undefined],
    ['a b', undefined],
    ['a/b', undefined],
    ['é', undefined],
  ])('refuses %j', (name, hint) => {
    const issue = validateScheduleName(name);
    expect(issue).toMatchObject({ field: 'NAME', value: name });
    if (hint) expect(issue?.hint).toMatch(hint);
  });
});

describe('scheduleGroupName', () => {
  it('is runvoy-<stack>, cut with a hash past 64 characters', () => {
    expect(scheduleGroupName('runvoy')).toBe('runvoy-runvoy');
    const long = scheduleGroupName('s'.repeat(100));
    expect(long).toHaveLength(64);
    expect(long).toMatch(/^runvoy-s+-[0-9a-f]{8}$/);
    expect(scheduleGroupName('s'.repeat(101))).not.toBe(long);
  });
});

describe('buildScheduleTarget', () => {
  it("is EventBridge Scheduler's ECS target: cluster, role, task definition, Fargate, network, tags, overrides", () => {
    const target = buildScheduleTarget(input);
    expect(target).toMatchObject({
      Arn: input.clusterArn,
      RoleArn: input.schedulerRoleArn,
      EcsParameters: {
        TaskDefinitionArn: input.taskDefinitionArn,
        TaskCount: 1,
        LaunchType: 'FARGATE',
        PropagateTags: 'TASK_DEFINITION',
        Group: 'runvoy-schedule:nightly',
        NetworkConfiguration: {
          awsvpcConfiguration: {
            Subnets: ['subnet-1', 'subnet-2'],
            SecurityGroups: ['sg-1'],
            AssignPublicIp: 'DISABLED',
          },
        },
      },
    });
    expect(targetTags(target.EcsParameters.Tags)).toEqual({
      team: 'data',
      'runvoy:schedule': 'nightly',
      'runvoy:caller': 'arn:aws:sts::123456789012:assumed-role/Dev/bob_x',
      'runvoy:host': 'schedule:nightly',
    });
    expect(JSON.parse(target.Input)).toEqual({
      cpu: '512',
      memory: '1024',
      containerOverrides: [
        {
          name: 'runner',
          command: ['echo', "it's"],
          environment: [
            { name: 'A', value: '1' },
            { name: 'RUNVOY_SCHEDULE_NAME', value: 'nightly' },
          ],
        },
      ],
    });
  });

  it('runs --shell through sh -c, and keeps the image command when there is none', () => {
    const shell = JSON.parse(
      buildScheduleTarget({ ...input, request: { ...request, shell: true, command: ['echo $HOME'] } }).Input,
    ) as { containerOverrides: Array<{ command?: string[] }> };
    expect(shell.containerOverrides[0]?.command).toEqual(['sh', '-c', 'echo $HOME']);
    const none = JSON.parse(
      buildScheduleTarget({ ...input, request: { ...request, command: [] } }).Input,
    ) as {
      containerOverrides: Array<{ command?: string[] }>;
    };
    expect(none.containerOverrides[0]).not.toHaveProperty('command');
  });

  it('with --lock: lock and timeout tags, the lock file for the runner, and the lock container its environment', () => {
    const locked = buildScheduleTarget({
      ...input,
      request: { ...request, lockName: 'prod/db', timeoutMs: 90_500 },
      lock: { tableName: 'T', lockRoleArn: 'arn:aws:iam::123456789012:role/runvoy/lock' },
    });
    expect(targetTags(locked.EcsParameters.Tags)).toMatchObject({
      'runvoy:lock': 'prod/db',
      'runvoy:timeout': '91',
    });
    const overrides = JSON.parse(locked.Input) as {
      containerOverrides: Array<{ name: string; environment: Array<{ name: string; value: string }> }>;
    };
    expect(overrides.containerOverrides.map((c) => c.name)).toEqual(['runner', 'lock']);
    expect(overrides.containerOverrides[0]?.environment).toContainEqual({
      name: 'RUNVOY_LOCK_FILE',
      value: '/runvoy/lock.env',
    });
    expect(overrides.containerOverrides[1]?.environment).toEqual(
      lockContainerEnv({
        tableName: 'T',
        lockName: 'prod/db',
        leaseSeconds: 91,
        callerArn: input.callerArn,
        scheduleName: 'nightly',
        command: ['echo', "it's"],
      }),
    );
  });
});

describe('lockContainerEnv', () => {
  it('builds the DynamoDB-typed key and values as JSON, whatever the command holds', () => {
    const env = Object.fromEntries(
      lockContainerEnv({
        tableName: 'T',
        lockName: 'db',
        leaseSeconds: 60,
        callerArn: 'arn:x',
        scheduleName: 's',
        command: ['a"b', '$(rm -rf /)', '\\'],
      }).map((e) => [e.name, e.value]),
    );
    expect(JSON.parse(env.RUNVOY_LOCK_KEY ?? '')).toEqual({ pk: { S: 'LOCK#db' }, sk: { S: 'META' } });
    expect(JSON.parse(env.RUNVOY_LOCK_VALUES ?? '')).toMatchObject({
      ':name': { S: 'db' },
      ':arn': { S: 'arn:x' },
      ':host': { S: 'schedule:s' },
      ':command': { L: [{ S: 'a"b' }, { S: '$(rm -rf /)' }, { S: '\\' }] },
    });
    // The script appends to the values object: it must end with exactly one closing brace.
    expect(env.RUNVOY_LOCK_VALUES?.endsWith('}}')).toBe(true);
    expect(env.RUNVOY_LOCK_LEASE_SECONDS).toBe('60');
  });

  it('the script reads its values from the environment only', () => {
    expect(LOCK_SCRIPT).not.toContain('${RUNVOY_LOCK_VALUES}"');
    expect(LOCK_SCRIPT).toContain('attribute_not_exists(pk) OR #state = :free OR leaseExpiresAt <= :now');
  });
});

describe('scheduleTaskDefinition', () => {
  it("without a lock is run's own task definition (same family)", () => {
    const plain = scheduleTaskDefinition(spec, 's', undefined);
    expect(plain.family).toBe(taskDefinitionFamily(spec, 's'));
    expect(plain.input.containerDefinitions).toHaveLength(1);
  });

  it('with a lock adds the lock container that the runner depends on, in a family of its own', () => {
    const locked = scheduleTaskDefinition(spec, 's', { tableName: 'T', lockRoleArn: spec.taskRoleArn });
    expect(locked.family).toMatch(/^runvoy-s-lock-[0-9a-f]{16}$/);
    expect(locked.input).toMatchObject({
      volumes: [{ name: 'runvoy-lock' }],
      taskRoleArn: spec.taskRoleArn,
      runtimePlatform: { cpuArchitecture: 'ARM64' },
    });
    const [lock, runner] = locked.input.containerDefinitions as Array<Record<string, unknown>>;
    expect(lock).toMatchObject({ name: 'lock', essential: false, command: [LOCK_SCRIPT] });
    expect(runner).toMatchObject({
      name: 'runner',
      essential: true,
      dependsOn: [{ containerName: 'lock', condition: 'SUCCESS' }],
    });
    expect(
      scheduleTaskDefinition({ ...spec, image: 'other' }, 's', { tableName: 'T', lockRoleArn: 'r' }).family,
    ).not.toBe(locked.family);
  });
});

describe('validateScheduleTaskRole and validateScheduleTagCount', () => {
  it('accepts roles under /runvoy/ only', () => {
    expect(validateScheduleTaskRole('arn:aws:iam::123456789012:role/runvoy/app')).toBeUndefined();
    expect(validateScheduleTaskRole('arn:aws:iam::123456789012:role/runvoy/team/app')).toBeUndefined();
    expect(validateScheduleTaskRole('arn:aws:iam::123456789012:role/app')).toMatchObject({
      field: '--task-role',
    });
    expect(validateScheduleTaskRole('arn:aws:iam::123456789012:role/runvoyx/app')).toBeDefined();
  });

  it('leaves room for the schedule tags and the propagated spec hash', () => {
    expect(validateScheduleTagCount(46, false, false)).toBeUndefined();
    expect(validateScheduleTagCount(47, false, false)).toMatchObject({ hint: 'Drop 1 of them.' });
    expect(validateScheduleTagCount(44, true, true)).toBeUndefined();
    expect(validateScheduleTagCount(45, true, true)).toBeDefined();
  });
});
