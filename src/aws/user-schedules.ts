import type { GetScheduleCommandOutput } from '@aws-sdk/client-scheduler';
import type { AwsClients } from './clients.js';
import { loadSdk } from './sdk.js';
import type { ScheduleTarget } from '../core/schedule.js';
import type { TaskDefinitionInput } from '../core/taskdef.js';
import type { ScheduleTaskDefinitionInput } from '../core/schedule.js';

/*
 * The schedules users create with `runvoy schedule create` (the --timeout ones are in schedules.ts). They
 * live in the stack's own schedule group (core/schedule.ts: scheduleGroupName).
 */

const scheduler = () => loadSdk('@aws-sdk/client-scheduler');

function isNotFound(error: unknown): boolean {
  return (error as Error).name === 'ResourceNotFoundException';
}

/**
 * Creates the stack's schedule group unless it exists. Looked up first: the group holds every schedule of
 * the stack, and a second CreateScheduleGroup must never be able to replace it.
 */
export async function ensureScheduleGroup(
  clients: AwsClients,
  group: string,
  stackName: string,
): Promise<void> {
  const { CreateScheduleGroupCommand, GetScheduleGroupCommand } = await scheduler();
  const client = await clients.scheduler();
  try {
    await client.send(new GetScheduleGroupCommand({ Name: group }));
    return;
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  try {
    await client.send(
      new CreateScheduleGroupCommand({ Name: group, Tags: [{ Key: 'runvoy:stack', Value: stackName }] }),
    );
  } catch (error) {
    if ((error as Error).name !== 'ConflictException') throw error;
  }
}

export interface ScheduleDefinition {
  group: string;
  name: string;
  expression: string;
  timezone: string;
  description: string;
  target: ScheduleTarget;
}

/** CreateSchedule; false when a schedule of that name already exists in the group. */
export async function createUserSchedule(
  clients: AwsClients,
  schedule: ScheduleDefinition,
): Promise<boolean> {
  const { CreateScheduleCommand } = await scheduler();
  const client = await clients.scheduler();
  try {
    await client.send(
      new CreateScheduleCommand({
        GroupName: schedule.group,
        Name: schedule.name,
        ScheduleExpression: schedule.expression,
        ScheduleExpressionTimezone: schedule.timezone,
        FlexibleTimeWindow: { Mode: 'OFF' },
        State: 'ENABLED',
        Description: schedule.description,
        Target: schedule.target,
      }),
    );
    return true;
  } catch (error) {
    if ((error as Error).name === 'ConflictException') return false;
    throw error;
  }
}

export type UserSchedule = GetScheduleCommandOutput;

export async function getUserSchedule(
  clients: AwsClients,
  group: string,
  name: string,
): Promise<UserSchedule | undefined> {
  const { GetScheduleCommand } = await scheduler();
  const client = await clients.scheduler();
  try {
    return await client.send(new GetScheduleCommand({ GroupName: group, Name: name }));
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Every schedule of the group, in full (ListSchedules gives summaries only). A missing group has none. */
export async function listUserSchedules(clients: AwsClients, group: string): Promise<UserSchedule[]> {
  const { ListSchedulesCommand } = await scheduler();
  const client = await clients.scheduler();
  const names: string[] = [];
  let token: string | undefined;
  try {
    do {
      const page = await client.send(new ListSchedulesCommand({ GroupName: group, NextToken: token }));
      for (const summary of page.Schedules ?? []) {
        if (summary.Name && (summary.GroupName ?? group) === group) names.push(summary.Name);
      }
      token = page.NextToken;
    } while (token);
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
  const schedules: UserSchedule[] = [];
  for (const name of names.sort()) {
    const schedule = await getUserSchedule(clients, group, name);
    if (schedule) schedules.push(schedule);
  }
  return schedules;
}

/** DeleteSchedule; false when there was no such schedule. */
export async function deleteUserSchedule(clients: AwsClients, group: string, name: string): Promise<boolean> {
  const { DeleteScheduleCommand } = await scheduler();
  const client = await clients.scheduler();
  try {
    await client.send(new DeleteScheduleCommand({ GroupName: group, Name: name }));
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

/**
 * Pauses (DISABLED) or resumes (ENABLED) a schedule. UpdateSchedule replaces the whole definition, so it
 * sends back what GetSchedule returned with only the state changed.
 */
export async function setUserScheduleState(
  clients: AwsClients,
  current: UserSchedule,
  state: 'ENABLED' | 'DISABLED',
): Promise<void> {
  const { UpdateScheduleCommand } = await scheduler();
  const client = await clients.scheduler();
  await client.send(
    new UpdateScheduleCommand({
      GroupName: current.GroupName,
      Name: current.Name,
      ScheduleExpression: current.ScheduleExpression,
      ScheduleExpressionTimezone: current.ScheduleExpressionTimezone,
      FlexibleTimeWindow: current.FlexibleTimeWindow,
      Description: current.Description,
      Target: current.Target,
      StartDate: current.StartDate,
      EndDate: current.EndDate,
      KmsKeyArn: current.KmsKeyArn,
      ActionAfterCompletion: current.ActionAfterCompletion,
      State: state,
    }),
  );
}

/** Deletes the group (and, on AWS, whatever schedules are left in it). A missing group is fine. */
export async function deleteScheduleGroup(clients: AwsClients, group: string): Promise<void> {
  const { DeleteScheduleGroupCommand, GetScheduleGroupCommand } = await scheduler();
  const client = await clients.scheduler();
  try {
    await client.send(new GetScheduleGroupCommand({ Name: group }));
    await client.send(new DeleteScheduleGroupCommand({ Name: group }));
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

/**
 * The ARN (with its revision) of a content-addressed task definition: the family's latest revision when it
 * exists, else registered now. A schedule needs the ARN itself, where `run` lets RunTask find the family.
 */
export async function taskDefinitionArnFor(
  clients: AwsClients,
  input: TaskDefinitionInput | ScheduleTaskDefinitionInput,
): Promise<{ arn: string; registered: boolean }> {
  const { DescribeTaskDefinitionCommand, RegisterTaskDefinitionCommand } =
    await loadSdk('@aws-sdk/client-ecs');
  const ecs = await clients.ecs();
  try {
    const found = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: input.family }));
    const arn = found.taskDefinition?.taskDefinitionArn;
    if (arn && found.taskDefinition?.status !== 'INACTIVE') return { arn, registered: false };
  } catch (error) {
    const e = error as Error;
    if (!['ClientException', 'InvalidParameterException'].includes(e.name)) throw error;
  }
  const registered = await ecs.send(new RegisterTaskDefinitionCommand(input as never));
  const arn = registered.taskDefinition?.taskDefinitionArn;
  if (!arn) throw new Error(`RegisterTaskDefinition returned no ARN for ${input.family}`);
  return { arn, registered: true };
}
