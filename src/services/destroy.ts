import type { AwsClients } from '../aws/clients.js';
import { getCallerIdentity } from '../aws/identity.js';
import { deleteStack, describeStack, updateParameters, waitForStack } from '../aws/stack.js';
import { deleteTable } from '../aws/table.js';
import type { Cache } from '../config/cache.js';
import { failureAdvice, firstFailure, STACK_BUSY, type StackEventSummary } from '../core/change-set.js';
import { RunvoyError } from '../core/errors.js';
import { forgetStack, stackNotFound } from './stack-context.js';

export interface DestroyInputs {
  clients: AwsClients;
  cache: Cache;
  stackName: string;
  retainData: boolean;
  confirm: (context: { account: string; region: string }) => Promise<boolean>;
  onEvent: (event: StackEventSummary) => void;
  onStep: (message: string) => void;
}

export interface DestroyResult {
  stackName: string;
  region: string;
  account: string;
  action: 'deleted' | 'cancelled';
  kept: Array<{ resource: string; type: string; name: string }>;
}

/** `runvoy destroy`: delete the stack and wait; with --retain-data, flip RetainData first so the table stays. */
export async function destroyStack(inputs: DestroyInputs): Promise<DestroyResult> {
  const { clients, stackName } = inputs;
  const [identity, region] = await Promise.all([getCallerIdentity(clients), clients.region()]);
  const stack = await describeStack(clients, stackName);
  if (!stack) throw stackNotFound(stackName, region, identity.account);
  const base = { stackName, region, account: identity.account };
  if (STACK_BUSY.test(stack.status)) {
    throw new RunvoyError({
      what: `The stack "${stackName}" is busy (${stack.status}).`,
      fix: 'Wait for the running operation to finish, then run `runvoy destroy` again.',
      code: 'STACK_BUSY',
    });
  }
  if (!(await inputs.confirm({ account: identity.account, region })))
    return { ...base, action: 'cancelled', kept: [] };

  const tableName = stack.outputs.TableName ?? '';
  const retain = inputs.retainData || stack.parameters.RetainData === 'true';
  if (inputs.retainData && stack.parameters.RetainData !== 'true') {
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

  inputs.onStep(`Deleting stack "${stackName}"...`);
  const started = new Date();
  try {
    await deleteStack(clients, stackName);
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
  };
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
