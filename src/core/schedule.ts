import { createHash } from 'node:crypto';
import type { ValidationIssue } from './errors.js';
import { CALLER_TAG, HOST_TAG, LOCK_TAG, SCHEDULE_TAG, TIMEOUT_TAG } from './tags.js';
import type { RunRequest } from './run-request.js';
import { buildContainerOverrides, type TaskOverrides } from './run-plan.js';
import {
  LOCK_CONTAINER_NAME,
  LOCK_DIR,
  LOCK_FILE,
  LOCK_IMAGE,
  LOCK_SCRIPT,
  LOCK_VOLUME,
  lockContainerEnv,
} from './schedule-lock.js';
import { tagValue } from './tags.js';
import {
  buildTaskDefinition,
  canonicalJson,
  taskDefinitionFamily,
  type TaskDefSpec,
  type TaskDefinitionInput,
} from './taskdef.js';

export { SCHEDULE_TAG, TIMEOUT_TAG };

/*
 * Schedule names (EventBridge Scheduler API Reference, CreateSchedule: Name): 1 to 64 characters of
 * [0-9a-zA-Z-_.]. runvoy also wants a letter or digit first, so that a name never reads like a flag.
 */
export const SCHEDULE_NAME_SYNTAX =
  '1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit (for example nightly-backup)';

export function validateScheduleName(name: string, field = 'NAME'): ValidationIssue | undefined {
  if (/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) return undefined;
  const hint =
    name.length > 64
      ? `It is ${name.length} characters long.`
      : name === ''
        ? 'The name is empty.'
        : undefined;
  return { field, value: name, allowed: SCHEDULE_NAME_SYNTAX, ...(hint ? { hint } : {}) };
}

const GROUP_NAME_MAX = 64;

/**
 * The stack's schedule group, `runvoy-<stack>`: every schedule of the stack lives there, so that listing
 * and `destroy` find them by group, and an IAM policy can be scoped to it. A stack name too long for the
 * group's 64 characters is cut and given a hash of the whole name.
 */
export function scheduleGroupName(stackName: string): string {
  const whole = `runvoy-${stackName}`;
  if (whole.length <= GROUP_NAME_MAX) return whole;
  const hash = createHash('sha256').update(stackName).digest('hex').slice(0, 8);
  return `${whole.slice(0, GROUP_NAME_MAX - hash.length - 1)}-${hash}`;
}

export interface ScheduleLock {
  tableName: string;
  /** The stack's role that may write lock items, the task role of a locked schedule by default. */
  lockRoleArn: string;
}

export interface ScheduleTaskDefinition {
  family: string;
  input: TaskDefinitionInput | ScheduleTaskDefinitionInput;
}

/** A task definition with the lock container (see schedule-lock.ts). */
export interface ScheduleTaskDefinitionInput extends Omit<TaskDefinitionInput, 'containerDefinitions'> {
  volumes: Array<{ name: string }>;
  containerDefinitions: Array<Record<string, unknown>>;
}

/**
 * The task definition a schedule runs. Without --lock it is the one `run` uses for the same spec (same
 * family). With --lock it adds the `lock` container, started first, which the `runner` container depends
 * on (condition SUCCESS), and a volume where the lock container leaves the fence.
 */
export function scheduleTaskDefinition(
  spec: TaskDefSpec,
  stackName: string,
  lock: ScheduleLock | undefined,
): ScheduleTaskDefinition {
  const plainFamily = taskDefinitionFamily(spec, stackName);
  if (!lock) return { family: plainFamily, input: buildTaskDefinition(spec, plainFamily) };
  const hash = createHash('sha256')
    .update(canonicalJson({ spec, lock: { image: LOCK_IMAGE, script: LOCK_SCRIPT } }))
    .digest('hex')
    .slice(0, 16);
  const family = plainFamily.replace(/-[0-9a-f]{16}$/, `-lock-${hash}`);
  const base = buildTaskDefinition(spec, family);
  const [runner] = base.containerDefinitions;
  const mount = { sourceVolume: LOCK_VOLUME, containerPath: LOCK_DIR };
  const logOptions = runner.logConfiguration.options;
  return {
    family,
    input: {
      ...base,
      volumes: [{ name: LOCK_VOLUME }],
      containerDefinitions: [
        {
          name: LOCK_CONTAINER_NAME,
          image: LOCK_IMAGE,
          essential: false,
          memoryReservation: 64,
          entryPoint: ['/bin/bash', '-c'],
          command: [LOCK_SCRIPT],
          mountPoints: [mount],
          logConfiguration: { logDriver: 'awslogs', options: logOptions },
        },
        {
          ...runner,
          dependsOn: [{ containerName: LOCK_CONTAINER_NAME, condition: 'SUCCESS' }],
          mountPoints: [{ ...mount, readOnly: true }],
        },
      ],
    },
  };
}

export interface ScheduleTargetInput {
  name: string;
  request: RunRequest;
  callerArn: string;
  clusterArn: string;
  taskDefinitionArn: string;
  schedulerRoleArn: string;
  subnets: string[];
  securityGroup: string;
  assignPublicIp: 'ENABLED' | 'DISABLED';
  lock?: ScheduleLock;
}

/** EventBridge Scheduler's ECS target (Target in CreateSchedule), mirroring the API shape. */
export interface ScheduleTarget {
  Arn: string;
  RoleArn: string;
  Input: string;
  RetryPolicy: { MaximumRetryAttempts: number; MaximumEventAgeInSeconds: number };
  EcsParameters: {
    TaskDefinitionArn: string;
    TaskCount: 1;
    LaunchType: 'FARGATE';
    NetworkConfiguration: {
      awsvpcConfiguration: {
        Subnets: string[];
        SecurityGroups: string[];
        AssignPublicIp: 'ENABLED' | 'DISABLED';
      };
    };
    PropagateTags: 'TASK_DEFINITION';
    EnableECSManagedTags: true;
    Group: string;
    Tags: Array<Record<string, string>>;
  };
}

/** The tags every scheduled task carries: reconcile adopts it as an execution of origin `schedule`. */
export function scheduleTaskTags(input: ScheduleTargetInput): Record<string, string> {
  return {
    ...input.request.tags,
    [SCHEDULE_TAG]: input.name,
    [CALLER_TAG]: tagValue(input.callerArn),
    [HOST_TAG]: tagValue(`schedule:${input.name}`),
    ...(input.request.lockName ? { [LOCK_TAG]: input.request.lockName } : {}),
    ...(input.request.timeoutMs === undefined
      ? {}
      : { [TIMEOUT_TAG]: String(Math.ceil(input.request.timeoutMs / 1000)) }),
  };
}

/** How many tags a schedule adds to its tasks (for the 50-tag limit). */
export function scheduleTagCount(withLock: boolean, withTimeout: boolean): number {
  return 3 + (withLock ? 1 : 0) + (withTimeout ? 1 : 0);
}

/**
 * The RunTask overrides of every run of the schedule (the target's Input). There is no per-run execution ID
 * to put in them: the container gets RUNVOY_SCHEDULE_NAME, and with a lock the lock container's file.
 */
export function scheduleOverrides(input: ScheduleTargetInput): TaskOverrides {
  const { request } = input;
  const overrides = buildContainerOverrides({
    command: request.command,
    shell: request.shell,
    env: request.env,
    executionId: '',
    cpu: request.cpu,
    memory: request.memory,
  });
  const runner = overrides.containerOverrides[0];
  if (!runner) throw new Error('buildContainerOverrides gave no container');
  runner.environment = [
    ...request.env,
    { name: 'RUNVOY_SCHEDULE_NAME', value: input.name },
    ...(request.lockName
      ? [
          { name: 'RUNVOY_LOCK_NAME', value: request.lockName },
          { name: 'RUNVOY_LOCK_FILE', value: LOCK_FILE },
        ]
      : []),
  ];
  if (!request.lockName || !input.lock) return overrides;
  const leaseSeconds = Math.ceil((request.timeoutMs ?? 0) / 1000);
  return {
    ...overrides,
    containerOverrides: [
      runner,
      {
        name: LOCK_CONTAINER_NAME,
        environment: lockContainerEnv({
          tableName: input.lock.tableName,
          lockName: request.lockName,
          leaseSeconds,
          callerArn: input.callerArn,
          scheduleName: input.name,
          command: request.command,
        }),
      },
    ],
  };
}

export function buildScheduleTarget(input: ScheduleTargetInput): ScheduleTarget {
  const tags = scheduleTaskTags(input);
  return {
    Arn: input.clusterArn,
    RoleArn: input.schedulerRoleArn,
    Input: JSON.stringify(scheduleOverrides(input)),
    // A run that could not start (throttling, capacity) is retried for an hour, then dropped.
    RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 },
    EcsParameters: {
      TaskDefinitionArn: input.taskDefinitionArn,
      TaskCount: 1,
      LaunchType: 'FARGATE',
      NetworkConfiguration: {
        awsvpcConfiguration: {
          Subnets: input.subnets,
          SecurityGroups: [input.securityGroup],
          AssignPublicIp: input.assignPublicIp,
        },
      },
      PropagateTags: 'TASK_DEFINITION',
      EnableECSManagedTags: true,
      Group: `runvoy-schedule:${input.name}`,
      Tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
    },
  };
}

/** The task tags of a schedule's target (EcsParameters.Tags, one {key, value} map per tag). */
export function targetTags(tags: Array<Record<string, string>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const tag of tags ?? []) if (tag.key !== undefined) out[tag.key] = tag.value ?? '';
  return out;
}

/**
 * A schedule's --task-role must be under the path /runvoy/: the stack's scheduler role may pass only roles
 * there to ECS (iam:PassRole is never granted on "*"), so a role elsewhere would make every run fail.
 */
export function validateScheduleTaskRole(arn: string, field = '--task-role'): ValidationIssue | undefined {
  if (/^arn:[a-z-]+:iam::\d{12}:role\/runvoy\/([\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/.test(arn)) return undefined;
  return {
    field,
    value: arn,
    allowed: 'an IAM role ARN under the path /runvoy/ (arn:aws:iam::ACCOUNT:role/runvoy/NAME)',
    hint: "The stack's scheduler role may pass only roles under /runvoy/ to ECS. Create the role with --path /runvoy/.",
  };
}

/** The user's --tag values and a schedule's own tags (plus runvoy:spec-hash, propagated) fit in 50. */
export function validateScheduleTagCount(
  userTags: number,
  withLock: boolean,
  withTimeout: boolean,
): ValidationIssue | undefined {
  const own = scheduleTagCount(withLock, withTimeout) + 1;
  const room = 50 - own;
  if (userTags <= room) return undefined;
  return {
    field: '--tag',
    value: `${userTags} tags`,
    allowed: `at most ${room} distinct tag keys: ECS allows 50 tags per task, and a scheduled task carries ${own} of runvoy's`,
    hint: `Drop ${userTags - room} of them.`,
  };
}
