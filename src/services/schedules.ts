import type { AwsClients } from '../aws/clients.js';
import {
  createUserSchedule,
  deleteUserSchedule,
  ensureScheduleGroup,
  getUserSchedule,
  listUserSchedules,
  setUserScheduleState,
  taskDefinitionArnFor,
  type UserSchedule,
} from '../aws/user-schedules.js';
import { nextFireTimes, type CronSchedule } from '../core/cron.js';
import { RunvoyError, UsageError } from '../core/errors.js';
import type { RunRequest } from '../core/run-request.js';
import {
  buildScheduleTarget,
  scheduleGroupName,
  scheduleTaskDefinition,
  targetTags,
} from '../core/schedule.js';
import { LOCK_CONTAINER_NAME } from '../core/schedule-lock.js';
import { RUNNER_CONTAINER_NAME } from '../core/container.js';
import { taskDefSpecFor } from './run.js';
import type { StackContext } from './stack-context.js';

export interface ScheduleDeps {
  clients: AwsClients;
  stack: StackContext;
  now?: () => number;
}

/** One schedule as `schedule list` and `schedule create` show it. */
export interface ScheduleView {
  name: string;
  group: string;
  state: string;
  /** The crontab expression it was created with. */
  cron?: string;
  expression: string;
  timezone: string;
  /** The next fire times (ISO), none while paused. */
  nextRuns: string[];
  image?: string;
  command: string[];
  lock?: string;
  tags: Record<string, string>;
  taskDefinitionArn?: string;
  roleArn?: string;
}

const NEXT_RUNS = 3;
/** RunTask's limit on the overrides document. */
const OVERRIDES_MAX = 8192;

/** `runvoy: cron=0 3 * * *; image=IMG` (at most 512 characters): what list shows without more requests. */
function description(cron: string, image: string): string {
  return `runvoy: cron=${cron}; image=${image}`.slice(0, 512);
}

function fromDescription(text: string | undefined, key: 'cron' | 'image'): string | undefined {
  return new RegExp(`(?:^runvoy: |; )${key}=([^;]*)`).exec(text ?? '')?.[1];
}

function scheduleMissing(name: string, stack: StackContext, names?: string[]): RunvoyError {
  const flag = stack.stackName === 'runvoy' ? '' : ` --stack ${stack.stackName}`;
  return new RunvoyError({
    what: `There is no schedule "${name}" in the stack ${stack.stackName} (${stack.region}).`,
    why: names?.length ? `Its schedules are: ${names.join(', ')}.` : undefined,
    fix: `See them with \`runvoy schedule list${flag}\`.`,
    code: 'SCHEDULE_NOT_FOUND',
    data: { schedule: name },
  });
}

export interface CreateScheduleInput {
  name: string;
  cron: CronSchedule;
  timezone: string;
  request: RunRequest;
}

/**
 * Registers (or finds) the schedule's task definition and creates the schedule in the stack's group, with
 * the ECS target: the cluster, the task definition, Fargate, the stack's network, the task's tags and the
 * container overrides, run with the stack's scheduler role.
 */
export async function createSchedule(deps: ScheduleDeps, input: CreateScheduleInput): Promise<ScheduleView> {
  const { clients, stack } = deps;
  const { request } = input;
  const lockRoleArn = stack.outputs.scheduleLockRoleArn;
  if (!lockRoleArn) {
    const flag = stack.stackName === 'runvoy' ? '' : ` --stack ${stack.stackName}`;
    throw new RunvoyError({
      what: `The stack ${stack.stackName} was made before schedules: its scheduler role cannot start tasks.`,
      why: 'Schedules need the stack to grant EventBridge Scheduler ecs:RunTask on runvoy task definitions (ScheduleLockRoleArn is missing from its outputs).',
      fix: `Update the stack with \`runvoy init${flag}\`, then create the schedule again.`,
      code: 'STACK_OUTDATED',
    });
  }
  const lock = request.lockName ? { tableName: stack.outputs.tableName, lockRoleArn } : undefined;
  const spec = {
    ...taskDefSpecFor(request, stack),
    ...(lock && !request.taskRoleArn ? { taskRoleArn: lock.lockRoleArn } : {}),
  };
  const definition = scheduleTaskDefinition(spec, stack.stackName, lock);
  const targetOf = (taskDefinitionArn: string) =>
    buildScheduleTarget({
      name: input.name,
      request,
      callerArn: stack.identity.arn,
      clusterArn: stack.outputs.clusterArn,
      taskDefinitionArn,
      schedulerRoleArn: stack.outputs.schedulerRoleArn,
      subnets: stack.outputs.subnetIds,
      securityGroup: stack.outputs.securityGroupId,
      assignPublicIp: stack.outputs.assignPublicIp,
      lock,
    });
  const inputLength = targetOf('').Input.length;
  if (inputLength > OVERRIDES_MAX) {
    throw new UsageError({
      what: `The run's overrides would be ${inputLength} characters; ECS allows ${OVERRIDES_MAX}.`,
      why: 'The command, the environment and (with --lock) the lock container settings go in the overrides of every run.',
      fix: 'Shorten the command or the environment (or move values into an image or --env-file of fewer variables). Nothing was created.',
    });
  }
  const { arn } = await taskDefinitionArnFor(clients, definition.input);
  const group = scheduleGroupName(stack.stackName);
  await ensureScheduleGroup(clients, group, stack.stackName);
  const target = targetOf(arn);
  const created = await createUserSchedule(clients, {
    group,
    name: input.name,
    expression: input.cron.expression,
    timezone: input.timezone,
    description: description(input.cron.cron, request.image),
    target,
  });
  if (!created) {
    const flag = stack.stackName === 'runvoy' ? '' : ` --stack ${stack.stackName}`;
    throw new RunvoyError({
      what: `A schedule named "${input.name}" already exists in the stack ${stack.stackName}.`,
      why: 'Schedule names are unique in a stack; runvoy does not replace a schedule silently.',
      fix: `Pick another name, or delete it first: \`runvoy schedule delete ${input.name}${flag}\`.`,
      code: 'SCHEDULE_EXISTS',
      data: { schedule: input.name },
    });
  }
  const schedule = await getUserSchedule(clients, group, input.name);
  if (!schedule) throw scheduleMissing(input.name, stack);
  return scheduleView(schedule, deps);
}

export function scheduleView(schedule: UserSchedule, deps: Pick<ScheduleDeps, 'now'>): ScheduleView {
  const now = deps.now ?? Date.now;
  const expression = schedule.ScheduleExpression ?? '';
  const timezone = schedule.ScheduleExpressionTimezone ?? 'UTC';
  const state = schedule.State ?? 'ENABLED';
  let nextRuns: string[] = [];
  if (state === 'ENABLED' && expression.startsWith('cron(')) {
    try {
      nextRuns = nextFireTimes({ cron: '', expression }, timezone, NEXT_RUNS, new Date(now())).map((d) =>
        d.toISOString(),
      );
    } catch {
      nextRuns = [];
    }
  }
  const overrides = parseInput(schedule.Target?.Input);
  const runner = overrides.containerOverrides?.find((c) => c.name === RUNNER_CONTAINER_NAME);
  const lockEnv = overrides.containerOverrides
    ?.find((c) => c.name === LOCK_CONTAINER_NAME)
    ?.environment?.find((e) => e.name === 'RUNVOY_LOCK_NAME')?.value;
  const tags = targetTags(schedule.Target?.EcsParameters?.Tags);
  const cron = fromDescription(schedule.Description, 'cron');
  const image = fromDescription(schedule.Description, 'image');
  return {
    name: schedule.Name ?? '',
    group: schedule.GroupName ?? '',
    state,
    ...(cron ? { cron } : {}),
    expression,
    timezone,
    nextRuns,
    ...(image ? { image } : {}),
    command: runner?.command ?? [],
    ...(lockEnv ? { lock: lockEnv } : {}),
    tags,
    ...(schedule.Target?.EcsParameters?.TaskDefinitionArn
      ? { taskDefinitionArn: schedule.Target.EcsParameters.TaskDefinitionArn }
      : {}),
    ...(schedule.Target?.RoleArn ? { roleArn: schedule.Target.RoleArn } : {}),
  };
}

interface Overrides {
  containerOverrides?: Array<{
    name?: string;
    command?: string[];
    environment?: Array<{ name: string; value: string }>;
  }>;
}

function parseInput(input: string | undefined): Overrides {
  try {
    const parsed = JSON.parse(input ?? '{}') as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as Overrides) : {};
  } catch {
    return {};
  }
}

export async function listSchedules(deps: ScheduleDeps): Promise<ScheduleView[]> {
  const group = scheduleGroupName(deps.stack.stackName);
  return (await listUserSchedules(deps.clients, group)).map((s) => scheduleView(s, deps));
}

export async function deleteSchedule(
  deps: ScheduleDeps,
  name: string,
): Promise<{ name: string; deleted: true }> {
  const group = scheduleGroupName(deps.stack.stackName);
  if (await deleteUserSchedule(deps.clients, group, name)) return { name, deleted: true };
  throw scheduleMissing(
    name,
    deps.stack,
    (await listUserSchedules(deps.clients, group)).map((s) => s.Name ?? ''),
  );
}

/** Pauses or resumes a schedule; `changed` is false when it was already in that state. */
export async function setScheduleState(
  deps: ScheduleDeps,
  name: string,
  state: 'ENABLED' | 'DISABLED',
): Promise<{ schedule: ScheduleView; changed: boolean }> {
  const group = scheduleGroupName(deps.stack.stackName);
  const current = await getUserSchedule(deps.clients, group, name);
  if (!current) {
    throw scheduleMissing(
      name,
      deps.stack,
      (await listUserSchedules(deps.clients, group)).map((s) => s.Name ?? ''),
    );
  }
  if ((current.State ?? 'ENABLED') === state)
    return { schedule: scheduleView(current, deps), changed: false };
  await setUserScheduleState(deps.clients, current, state);
  const updated = (await getUserSchedule(deps.clients, group, name)) ?? { ...current, State: state };
  return { schedule: scheduleView(updated, deps), changed: true };
}
