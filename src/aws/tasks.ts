import type {
  ListTasksCommandInput,
  RunTaskCommandInput,
  RunTaskCommandOutput,
  Task,
} from '@aws-sdk/client-ecs';
import { loadSdk } from './sdk.js';
import type { AwsClients } from './clients.js';
import type { TaskDefinitionInput } from '../core/taskdef.js';
import type { TaskOverrides } from '../core/run-plan.js';
import { RunvoyError } from '../core/errors.js';
import { ORIGIN } from './call-observer.js';
import { PhaseClock, RunTaskDeadlineError, type RunTaskDeadline } from './run-task-deadline.js';

const ecsModule = () => loadSdk('@aws-sdk/client-ecs');

export interface RunTaskInput {
  cluster: string;
  family: string;
  overrides: TaskOverrides;
  startedBy: string;
  clientToken: string;
  tags: Record<string, string>;
  subnets: string[];
  securityGroups: string[];
  assignPublicIp: 'ENABLED' | 'DISABLED';
  spot: boolean;
  /** Registers the task definition when RunTask says the family does not exist. */
  register: () => Promise<TaskDefinitionInput>;
  /** No RunTask or RegisterTaskDefinition is sent from then on, and a call in flight is aborted then. */
  deadline: RunTaskDeadline;
}

export interface RunTaskResult {
  task: Task;
  capacityProvider: 'FARGATE' | 'FARGATE_SPOT';
  registered: boolean;
  spotFellBack: boolean;
  spotFailure?: string;
}

/** RunTask's answer that the task definition family does not exist (AWS and emulator wordings). */
export function isMissingTaskDefinition(error: unknown): boolean {
  const e = error as Error;
  if (!['ClientException', 'InvalidParameterException'].includes(e?.name)) return false;
  return (
    /task ?definition/i.test(e.message) &&
    /not found|unable to (describe|find)|does not exist|inactive|missing/i.test(e.message)
  );
}

const SPOT_CAPACITY = /capacity is unavailable|no capacity|insufficient capacity|spot capacity/i;

/**
 * Starts the task. A warm run is one RunTask call: the task definition is registered only when
 * RunTask says its family does not exist. With --spot, a Spot capacity shortage falls back to
 * on-demand Fargate (with its own client token, so a retry of the whole run stays idempotent).
 * Nothing is sent after `input.deadline`, and a call in flight then is aborted (RunTaskDeadlineError).
 */
export async function runTask(clients: AwsClients, input: RunTaskInput): Promise<RunTaskResult> {
  const clock = new PhaseClock(input.deadline);
  try {
    return await runTaskWithin(clients, input, clock);
  } finally {
    clock.dispose();
  }
}

async function runTaskWithin(
  clients: AwsClients,
  input: RunTaskInput,
  clock: PhaseClock,
): Promise<RunTaskResult> {
  let registered = false;
  const attempt = async (spot: boolean): Promise<Task> => {
    try {
      return await sendRunTask(clients, input, spot, clock);
    } catch (error) {
      if (registered || !isMissingTaskDefinition(error)) throw error;
      await sendRegisterTaskDefinition(clients, await input.register(), clock);
      registered = true;
      return sendRunTask(clients, input, spot, clock);
    }
  };
  if (!input.spot)
    return { task: await attempt(false), capacityProvider: 'FARGATE', registered, spotFellBack: false };
  try {
    return { task: await attempt(true), capacityProvider: 'FARGATE_SPOT', registered, spotFellBack: false };
  } catch (error) {
    if (!(error instanceof SpotCapacityError)) throw error;
    const task = await attempt(false);
    return { task, capacityProvider: 'FARGATE', registered, spotFellBack: true, spotFailure: error.message };
  }
}

const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
]);
const NEVER_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const NEVER_SENT = new Set(['CredentialsProviderError', 'ProviderError', 'TokenProviderError']);

/**
 * Whether the task may have started although runTask threw: the last RunTask may have reached ECS and its
 * answer been lost (a timeout, a reset connection, a server error). Not when ECS answered: with no task
 * (its `failures`), with a client error, or (after one attempt only) with throttling; nor when the request
 * never left (no credentials, the endpoint refused the connection, the phase's deadline had passed), nor
 * when registering the task definition failed (the RunTask before it had answered that the family did not
 * exist). A RunTask abandoned at the deadline while in flight may have started the task.
 */
export function runTaskMayHaveStarted(error: unknown): boolean {
  if (error instanceof RunTaskDeadlineError) return error.sent && error.operation === 'RunTask';
  if (error instanceof RunvoyError || error instanceof SpotCapacityError) return false;
  const e = error as {
    name?: string;
    code?: string;
    cause?: { code?: string };
    $metadata?: { httpStatusCode?: number; attempts?: number };
  };
  if (!e || typeof e !== 'object') return true;
  const origin = (e as Record<symbol, { operation?: string } | undefined>)[ORIGIN];
  if (origin?.operation && origin.operation !== 'RunTask') return false;
  if (e.name && NEVER_SENT.has(e.name)) return false;
  if ([e.code, e.cause?.code].some((code) => code && NEVER_CONNECTED.has(code))) return false;
  const status = e.$metadata?.httpStatusCode;
  if (status === undefined || status < 400 || status >= 500) return true;
  // ECS refused it. A throttled last attempt says nothing about the earlier ones, which may have timed out
  // after ECS started the task.
  const throttled = status === 429 || (e.name !== undefined && THROTTLING.has(e.name));
  return throttled && (e.$metadata?.attempts ?? 1) > 1;
}

export class SpotCapacityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpotCapacityError';
  }
}

async function sendRunTask(
  clients: AwsClients,
  input: RunTaskInput,
  spot: boolean,
  clock: PhaseClock,
): Promise<Task> {
  const { RunTaskCommand } = await ecsModule();
  const ecs = await clients.ecs();
  const request: RunTaskCommandInput = {
    cluster: input.cluster,
    taskDefinition: input.family,
    count: 1,
    ...(spot
      ? { capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }] }
      : { launchType: 'FARGATE' }),
    platformVersion: 'LATEST',
    networkConfiguration: {
      awsvpcConfiguration: {
        subnets: input.subnets,
        securityGroups: input.securityGroups,
        assignPublicIp: input.assignPublicIp,
      },
    },
    overrides: input.overrides as RunTaskCommandInput['overrides'],
    startedBy: input.startedBy,
    clientToken: spot ? input.clientToken : `${input.clientToken}${input.spot ? '-ondemand' : ''}`,
    tags: Object.entries(input.tags).map(([key, value]) => ({ key, value })),
    enableECSManagedTags: true,
  };
  try {
    const out = await clock.send<RunTaskCommandOutput>(ecs, new RunTaskCommand(request), 'RunTask');
    const task = out.tasks?.[0];
    if (task) return task;
    const failure = out.failures?.[0];
    const reason = `${failure?.reason ?? 'no task and no reason'}${failure?.detail ? `: ${failure.detail}` : ''}`;
    if (spot && SPOT_CAPACITY.test(reason)) throw new SpotCapacityError(reason);
    throw new RunvoyError({
      what: 'ECS did not start the task.',
      why: reason,
      fix: 'Check the reason above (capacity, subnets, security group or task definition), then run again.',
      code: 'RUN_TASK_FAILED',
    });
  } catch (error) {
    if (spot && !(error instanceof RunvoyError) && SPOT_CAPACITY.test((error as Error).message ?? '')) {
      throw new SpotCapacityError((error as Error).message);
    }
    throw error;
  }
}

async function sendRegisterTaskDefinition(
  clients: AwsClients,
  input: TaskDefinitionInput,
  clock: PhaseClock,
): Promise<void> {
  const { RegisterTaskDefinitionCommand } = await ecsModule();
  const ecs = await clients.ecs();
  await clock.send(ecs, new RegisterTaskDefinitionCommand(input as never), 'RegisterTaskDefinition');
}

/** DescribeTasks in batches of 100 (its limit). Tasks ECS no longer knows are simply absent. */
export async function describeTasks(
  clients: AwsClients,
  cluster: string,
  taskArns: string[],
): Promise<Task[]> {
  const { DescribeTasksCommand } = await ecsModule();
  const ecs = await clients.ecs();
  const tasks: Task[] = [];
  for (let i = 0; i < taskArns.length; i += 100) {
    const out = await ecs.send(
      new DescribeTasksCommand({ cluster, tasks: taskArns.slice(i, i + 100), include: ['TAGS'] }),
    );
    tasks.push(...(out.tasks ?? []));
  }
  return tasks;
}

export async function describeTask(
  clients: AwsClients,
  cluster: string,
  taskArn: string,
): Promise<Task | undefined> {
  return (await describeTasks(clients, cluster, [taskArn]))[0];
}

/** StopTask, idempotent: a task that is already stopped or gone is not an error. */
export async function stopTask(
  clients: AwsClients,
  cluster: string,
  taskArn: string,
  reason: string,
): Promise<void> {
  const { StopTaskCommand } = await ecsModule();
  const ecs = await clients.ecs();
  const current = await describeTask(clients, cluster, taskArn);
  if (!current || current.lastStatus === 'STOPPED') return;
  await ecs.send(new StopTaskCommand({ cluster, task: taskArn, reason: reason.slice(0, 255) }));
}

/** Running tasks that a given `startedBy` started (to find a task whose RunTask answer was lost). */
export async function tasksStartedBy(
  clients: AwsClients,
  cluster: string,
  startedBy: string,
): Promise<string[]> {
  return (await listTasks(clients, { cluster, startedBy, desiredStatus: 'RUNNING' })).arns;
}

/** Every task in the cluster that ECS is to keep running (desired status RUNNING), paginated. */
export async function runningTasks(clients: AwsClients, cluster: string): Promise<string[]> {
  return (await listTasks(clients, { cluster, desiredStatus: 'RUNNING', maxResults: 100 })).arns;
}

/** Every page of one ListTasks (the SDK's paginator): the task ARNs, and how many requests it took. */
export async function listTasks(
  clients: AwsClients,
  input: ListTasksCommandInput,
): Promise<{ arns: string[]; requests: number }> {
  const { paginateListTasks } = await ecsModule();
  const client = await clients.ecs();
  const arns: string[] = [];
  let requests = 0;
  for await (const page of paginateListTasks({ client }, input)) {
    requests++;
    arns.push(...(page.taskArns ?? []));
  }
  return { arns, requests };
}
