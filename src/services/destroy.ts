import { setTimeout as sleep } from 'node:timers/promises';
import type { AwsClients } from '../aws/clients.js';
import { getCallerIdentity } from '../aws/identity.js';
import { deleteTimeoutSchedule } from '../aws/schedules.js';
import { deleteScheduleGroup, deleteUserSchedule, listUserSchedules } from '../aws/user-schedules.js';
import { scheduleGroupName } from '../core/schedule.js';
import {
  deleteStack,
  describeStack,
  physicalIdOf,
  updateParameters,
  waitForStack,
  type StackState,
} from '../aws/stack.js';
import { deleteTable, Store } from '../aws/store.js';
import { describeTasks, stopTask } from '../aws/tasks.js';
import type { Cache } from '../config/cache.js';
import {
  failureAdvice,
  firstFailure,
  STACK_BUSY,
  STACK_UPDATABLE,
  type StackEventSummary,
} from '../core/change-set.js';
import { RunvoyError } from '../core/errors.js';
import { blocksDestroy, NO_USAGE, stackInUse, type StackUsage } from '../core/stack-usage.js';
import { finaliseExecution, KILL_REASON_PREFIX } from './finalise.js';
import { forgetStack, stackNotFound } from './stack-context.js';
import { findStackUsage } from './stack-usage.js';

export interface DestroyInputs {
  clients: AwsClients;
  cache: Cache;
  stackName: string;
  retainData: boolean;
  /** Stop the running tasks and delete despite held locks, instead of refusing. */
  force?: boolean;
  confirm: (context: {
    account: string;
    region: string;
    stackStatus: string;
    usage: StackUsage;
  }) => Promise<boolean>;
  onEvent: (event: StackEventSummary) => void;
  onStep: (message: string) => void;
  /** How long --force waits for stopped tasks to be STOPPED before deleting the stack anyway. */
  stopWaitMs?: number;
}

export interface DestroyResult {
  stackName: string;
  region: string;
  account: string;
  action: 'deleted' | 'cancelled';
  kept: Array<{ resource: string; type: string; name: string }>;
  /** Tasks that --force stopped. */
  stoppedTasks: string[];
  /** The stack's --timeout schedules that were deleted. */
  deletedSchedules: string[];
}

/** The placeholder a CREATE change set makes; it holds no resources. */
const PLACEHOLDER = 'REVIEW_IN_PROGRESS';

/**
 * `runvoy destroy`: refuse while runs are live (unless --force, which stops them), delete the stack's
 * --timeout schedules, delete the stack and wait; with --retain-data, flip RetainData first so the table
 * stays. A stack left by an interrupted `init` (REVIEW_IN_PROGRESS, ROLLBACK_COMPLETE...) is deleted too.
 */
export async function destroyStack(inputs: DestroyInputs): Promise<DestroyResult> {
  const { clients, stackName } = inputs;
  const [identity, region] = await Promise.all([getCallerIdentity(clients), clients.region()]);
  const stack = await describeStack(clients, stackName);
  if (!stack) throw stackNotFound(stackName, region, identity.account);
  const base = { stackName, region, account: identity.account, stoppedTasks: [], deletedSchedules: [] };
  const placeholder = stack.status === PLACEHOLDER;
  if (!placeholder && STACK_BUSY.test(stack.status)) throw stackBusy(stack);

  const usage = placeholder ? NO_USAGE : await findStackUsage(clients, stack.outputs);
  if (!inputs.force && blocksDestroy(usage)) throw stackInUse(stackName, usage);
  const context = { account: identity.account, region, stackStatus: stack.status, usage };
  if (!(await inputs.confirm(context))) return { ...base, action: 'cancelled', kept: [] };

  if (placeholder) {
    await deleteAndWait(
      inputs,
      stack,
      `Deleting stack "${stackName}" (${PLACEHOLDER}: the empty stack of a create that was never carried out; it holds no resources)...`,
    );
    forgetStack(inputs.cache, identity, region, stackName);
    return { ...base, action: 'deleted', kept: [] };
  }

  // A stack whose create failed has no outputs, but the table it made may remain (DeletionPolicy Retain).
  const tableName = stack.outputs.TableName ?? (await physicalIdOf(clients, stack.id, 'Table'));
  const retain = inputs.retainData || stack.parameters.RetainData === 'true';
  const cluster = stack.outputs.ClusterName ?? '';
  const reason = `${KILL_REASON_PREFIX} ${identity.arn} (runvoy destroy --force)`.slice(0, 255);
  const stoppedTasks =
    usage.tasks.length > 0
      ? await stopAll(inputs, cluster, usage, reason, retain ? tableName : undefined)
      : [];
  const deletedSchedules: string[] = [];
  for (const schedule of usage.schedules) {
    inputs.onStep(`Deleting schedule ${schedule.name}...`);
    await deleteTimeoutSchedule(clients, schedule.name);
    deletedSchedules.push(schedule.name);
  }
  deletedSchedules.push(...(await deleteUserSchedules(inputs)));

  // Only a stack that CloudFormation can update takes the flip; the table is kept in any case, since
  // runvoy deletes it itself after the stack (see below).
  if (inputs.retainData && stack.parameters.RetainData !== 'true' && STACK_UPDATABLE.has(stack.status)) {
    inputs.onStep('Marking the table to be kept (RetainData=true)...');
    const started = new Date();
    const updated = await updateParameters(clients, stackName, [
      ...Object.entries(stack.parameters)
        .filter(([key]) => key !== 'RetainData')
        .map(([key, value]) => ({ key, value })),
      { key: 'RetainData', value: 'true' },
    ]);
    if (updated) {
      const { state, events } = await waitForStack(clients, stackName, {
        since: started,
        onEvent: inputs.onEvent,
      });
      if (state?.status !== 'UPDATE_COMPLETE')
        throw deleteFailed(stackName, state?.status, events, 'mark the table to be kept');
    }
  }

  await deleteAndWait(inputs, stack, `Deleting stack "${stackName}"...`);
  // The template keeps the table on every delete (DeletionPolicy Retain), so that flipping RetainData can
  // never replace it; without --retain-data, runvoy deletes it here, after the stack.
  if (!retain && tableName) {
    inputs.onStep(`Deleting table ${tableName}...`);
    await deleteTable(clients, tableName);
  }
  forgetStack(inputs.cache, identity, region, stackName);
  return {
    ...base,
    action: 'deleted',
    kept: retain && tableName ? [{ resource: 'Table', type: 'AWS::DynamoDB::Table', name: tableName }] : [],
    stoppedTasks,
    deletedSchedules,
  };
}

/**
 * The schedules of `runvoy schedule create` (the stack's schedule group), then the group: they run with
 * the stack's scheduler role, which goes with the stack. Returned as GROUP/NAME.
 */
async function deleteUserSchedules(inputs: DestroyInputs): Promise<string[]> {
  const group = scheduleGroupName(inputs.stackName);
  const deleted: string[] = [];
  for (const schedule of await listUserSchedules(inputs.clients, group)) {
    const name = schedule.Name ?? '';
    inputs.onStep(`Deleting schedule ${name}...`);
    await deleteUserSchedule(inputs.clients, group, name);
    deleted.push(`${group}/${name}`);
  }
  await deleteScheduleGroup(inputs.clients, group);
  return deleted;
}

async function deleteAndWait(inputs: DestroyInputs, stack: StackState, step: string): Promise<void> {
  const { clients, stackName } = inputs;
  inputs.onStep(step);
  const started = new Date();
  try {
    await deleteStack(clients, stack.id);
  } catch (error) {
    // An emulator may delete synchronously and fail part-way while still removing the stack: the truth
    // is whether the stack is still there.
    if (await describeStack(clients, stack.id)) throw error;
    inputs.onStep(
      `Warning: CloudFormation reported "${(error as Error).message}" but the stack is gone; some of its resources may remain.`,
    );
  }
  const { state, events } = await waitForStack(clients, stackName, {
    since: started,
    onEvent: inputs.onEvent,
    stackId: stack.id,
  });
  if (state) throw deleteFailed(stackName, state.status, events, 'delete it');
}

/**
 * --force: stops every live task with a reason that says who and why, and waits (bounded) until ECS
 * reports them stopped, since CloudFormation cannot delete a cluster with active tasks. With the table
 * kept, the stopped runs are finalised there (status, lock released), as `runvoy kill` would.
 */
async function stopAll(
  inputs: DestroyInputs,
  cluster: string,
  usage: StackUsage,
  reason: string,
  keptTable: string | undefined,
): Promise<string[]> {
  const { clients } = inputs;
  const arns = usage.tasks.map((t) => t.taskArn);
  inputs.onStep(`Stopping ${arns.length} ${arns.length === 1 ? 'task' : 'tasks'} (--force)...`);
  for (const arn of arns) await stopTask(clients, cluster, arn, reason);
  const deadline = Date.now() + (inputs.stopWaitMs ?? 180_000);
  let tasks = await describeTasks(clients, cluster, arns);
  for (let attempt = 0; tasks.some((t) => t.lastStatus !== 'STOPPED'); attempt++) {
    if (Date.now() >= deadline) {
      const left = tasks.filter((t) => t.lastStatus !== 'STOPPED').length;
      inputs.onStep(
        `Warning: ${left} stopped ${left === 1 ? 'task is' : 'tasks are'} not STOPPED yet; deleting the stack anyway (if CloudFormation cannot delete the cluster yet, run \`runvoy destroy\` again in a minute).`,
      );
      break;
    }
    await sleep(Math.min(1000 + attempt * 1000, 5000));
    tasks = await describeTasks(clients, cluster, arns);
  }
  if (keptTable) {
    const store = new Store(await clients.documents(), keptTable);
    const byArn = new Map(tasks.map((t) => [t.taskArn, t]));
    for (const open of usage.executions) {
      const task = open.taskArn ? byArn.get(open.taskArn) : undefined;
      if (task?.lastStatus !== 'STOPPED') continue;
      const record = await store.getExecution(open.id);
      if (record)
        await finaliseExecution({ clients, store, warn: inputs.onStep }, record, task, { killed: true });
    }
  }
  return arns;
}

function stackBusy(stack: StackState): RunvoyError {
  const creating = stack.status === 'CREATE_IN_PROGRESS';
  return new RunvoyError({
    what: `The stack "${stack.name}" is busy (${stack.status}).`,
    why: creating
      ? 'CloudFormation is creating it (perhaps for a `runvoy init` that was interrupted: the create carries on without it).'
      : 'Another create, update or delete is running on it.',
    fix: `Wait for it to finish (\`runvoy doctor\` or the CloudFormation console shows it), then run \`runvoy destroy\` again.`,
    code: 'STACK_BUSY',
  });
}

function deleteFailed(
  stackName: string,
  status: string | undefined,
  events: StackEventSummary[],
  step: string,
): RunvoyError {
  const failure = firstFailure(events);
  return new RunvoyError({
    what: `Could not ${step}: stack "${stackName}" is in ${status ?? 'an unknown state'}.`,
    why: failure
      ? `${failure.logicalId} (${failure.resourceType}): ${failure.reason ?? failure.status}`
      : undefined,
    fix: failure
      ? failureAdvice(failure, stackName)
      : `Look at the stack's events in the CloudFormation console, then run \`runvoy destroy\` again.`,
    code: 'DESTROY_FAILED',
  });
}
