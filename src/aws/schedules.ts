import type { AwsClients } from './clients.js';
import { loadSdk } from './sdk.js';

/** The stopped reason runvoy gives a task it stops at its --timeout, attached or not. */
export const TIMEOUT_STOP_REASON = 'runvoy: --timeout reached';

export function timeoutScheduleName(executionId: string): string {
  return `runvoy-timeout-${executionId}`;
}

/** EventBridge Scheduler's schedule time format: at(yyyy-mm-ddThh:mm:ss), here in UTC. */
export function atExpression(at: Date): string {
  return `at(${at.toISOString().slice(0, 19)})`;
}

/**
 * A one-time schedule that calls ECS StopTask at the deadline, with the stack's scheduler role, so that
 * --timeout holds with nobody attached and no server. It deletes itself after it runs.
 */
export async function createTimeoutSchedule(
  clients: AwsClients,
  input: { executionId: string; at: Date; cluster: string; taskArn: string; roleArn: string },
): Promise<string> {
  const { CreateScheduleCommand } = await loadSdk('@aws-sdk/client-scheduler');
  const scheduler = await clients.scheduler();
  const name = timeoutScheduleName(input.executionId);
  await scheduler.send(
    new CreateScheduleCommand({
      Name: name,
      ScheduleExpression: atExpression(input.at),
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      Description: `Stops runvoy execution ${input.executionId} at its --timeout`,
      Target: {
        Arn: 'arn:aws:scheduler:::aws-sdk:ecs:stopTask',
        RoleArn: input.roleArn,
        Input: JSON.stringify({ Cluster: input.cluster, Task: input.taskArn, Reason: TIMEOUT_STOP_REASON }),
        RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 },
      },
    }),
  );
  return name;
}

/** Deletes the timeout schedule of a finished run; one that already ran (and deleted itself) is fine. */
export async function deleteTimeoutSchedule(clients: AwsClients, name: string): Promise<void> {
  const { DeleteScheduleCommand } = await loadSdk('@aws-sdk/client-scheduler');
  const scheduler = await clients.scheduler();
  try {
    await scheduler.send(new DeleteScheduleCommand({ Name: name }));
  } catch (error) {
    if ((error as Error).name !== 'ResourceNotFoundException') throw error;
  }
}

export interface TimeoutSchedule {
  name: string;
  state?: string;
  /** The schedule expression, `at(...)`. */
  expression?: string;
  /** The task it stops. */
  taskArn?: string;
}

/**
 * The --timeout schedules of one stack: runvoy's name prefix in the default group, and the stack's own
 * scheduler role (other stacks in the account and region use the same prefix).
 */
export async function listTimeoutSchedules(
  clients: AwsClients,
  schedulerRoleArn: string,
): Promise<TimeoutSchedule[]> {
  const { GetScheduleCommand, ListSchedulesCommand } = await loadSdk('@aws-sdk/client-scheduler');
  const scheduler = await clients.scheduler();
  const names: string[] = [];
  let token: string | undefined;
  do {
    const page = await scheduler.send(
      new ListSchedulesCommand({ NamePrefix: timeoutScheduleName(''), NextToken: token }),
    );
    for (const summary of page.Schedules ?? []) {
      if (summary.Name?.startsWith(timeoutScheduleName('')) && (summary.GroupName ?? 'default') === 'default')
        names.push(summary.Name);
    }
    token = page.NextToken;
  } while (token);
  const schedules: TimeoutSchedule[] = [];
  for (const name of names) {
    let schedule;
    try {
      schedule = await scheduler.send(new GetScheduleCommand({ Name: name }));
    } catch (error) {
      if ((error as Error).name === 'ResourceNotFoundException') continue; // it ran and deleted itself
      throw error;
    }
    if (schedule.Target?.RoleArn !== schedulerRoleArn) continue;
    schedules.push({
      name,
      state: schedule.State,
      expression: schedule.ScheduleExpression,
      taskArn: taskOf(schedule.Target.Input),
    });
  }
  return schedules;
}

function taskOf(input: string | undefined): string | undefined {
  try {
    const task = (JSON.parse(input ?? '{}') as { Task?: unknown }).Task;
    return typeof task === 'string' ? task : undefined;
  } catch {
    return undefined;
  }
}
