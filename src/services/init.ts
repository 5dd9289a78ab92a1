import type { AwsClients } from '../aws/clients.js';
import { getCallerIdentity } from '../aws/identity.js';
import { defaultVpcNetwork, vpcOfSubnets } from '../aws/network.js';
import {
  createChangeSet,
  deleteChangeSet,
  describeStack,
  eventsSince,
  executeChangeSet,
  createStack,
  deleteStack,
  getTemplateBody,
  updateParameters,
  withPreviousValues,
  waitForStack,
  type ParameterInput,
  type StackState,
} from '../aws/stack.js';
import { loadTemplate, TEMPLATE_VERSION } from '../aws/stack-template.js';
import type { Cache } from '../config/cache.js';
import {
  failureAdvice,
  firstFailure,
  STACK_BUSY,
  STACK_OK,
  type ResourceChangeSummary,
  type StackEventSummary,
} from '../core/change-set.js';
import { ExitCode, RunvoyError } from '../core/errors.js';
import {
  applyInterruptedAdvice,
  reviewInterruptedAdvice,
  type InitInterruption,
} from '../core/init-interrupt.js';
import type { InitFlags, NetworkRequest } from '../core/init-options.js';
import { parseStackOutputs, type StackOutputs } from '../core/stack-outputs.js';
import { rememberStack } from './stack-context.js';

export interface ParameterChange {
  key: string;
  from: string | undefined;
  to: string;
}

export interface DeployReporter {
  context(info: { account: string; arn: string; region: string; stackName: string; exists: boolean }): void;
  changeSet(changes: ResourceChangeSummary[], parameters: ParameterChange[]): void;
  event(event: StackEventSummary): void;
}

export interface DeployInputs {
  clients: AwsClients;
  cache: Cache;
  stackName: string;
  flags: InitFlags;
  network: NetworkRequest;
  yes: boolean;
  confirm: (question: string) => Promise<boolean>;
  reporter: DeployReporter;
  /**
   * Ctrl-C. Before anything is applied, init deletes its change set (and the empty stack a create's
   * change set makes) and returns `interrupted`; once CloudFormation is creating or updating the stack,
   * init stops waiting and says what state the stack is in.
   */
  signal?: AbortSignal;
}

export interface DeployResult {
  stackName: string;
  region: string;
  account: string;
  action: 'created' | 'updated' | 'unchanged' | 'cancelled' | 'interrupted';
  status: string;
  templateVersion: string;
  changes: ResourceChangeSummary[];
  parameterChanges: ParameterChange[];
  outputs?: StackOutputs;
  interruption?: InitInterruption;
}

/** `runvoy init`: create or update the stack through a reviewed change set, then wait for it. */
export async function deployStack(inputs: DeployInputs): Promise<DeployResult> {
  const { clients, stackName, reporter } = inputs;
  const [identity, region] = await Promise.all([getCallerIdentity(clients), clients.region()]);
  const found = await describeStack(clients, stackName);
  // A stack in REVIEW_IN_PROGRESS is the placeholder of a create that was never carried out.
  const placeholder = found?.status === 'REVIEW_IN_PROGRESS' ? found : undefined;
  const existing = placeholder ? undefined : found;
  reporter.context({
    account: identity.account,
    arn: identity.arn,
    region,
    stackName,
    exists: Boolean(existing),
  });
  if (existing) assertUpdatable(existing);
  if (placeholder) await removePlaceholder(clients, placeholder);

  const templateBody = await loadTemplate();
  const parameters = await stackParameters(clients, inputs.flags, inputs.network, Boolean(existing));
  const base = { stackName, region, account: identity.account, templateVersion: TEMPLATE_VERSION };
  const operation = existing ? 'update' : 'create';
  const interrupted = () => Boolean(inputs.signal?.aborted);
  const stopBeforeApplying = (cleanedUp: string[], changes: ResourceChangeSummary[] = []): DeployResult => ({
    ...base,
    action: 'interrupted',
    status: existing?.status ?? 'NONE',
    changes,
    parameterChanges: [],
    interruption: {
      phase: 'review',
      operation,
      cleanedUp,
      advice: reviewInterruptedAdvice(stackName),
    },
  });
  if (interrupted()) return stopBeforeApplying([]);

  const parameterChanges = existing ? diffParameters(existing.parameters, parameters) : [];
  const unchanged = (stack: StackState): DeployResult => {
    const outputs = parseStackOutputs(stackName, stack.outputs);
    rememberStack(inputs.cache, identity, region, stackName, outputs);
    return { ...base, action: 'unchanged', status: stack.status, changes: [], parameterChanges: [], outputs };
  };
  if (existing && parameterChanges.length === 0 && (await sameTemplate(clients, existing, templateBody))) {
    return unchanged(existing);
  }

  const changeSet = await createChangeSet(clients, {
    stackName,
    type: existing ? 'UPDATE' : 'CREATE',
    templateBody,
    parameters,
    tags: STACK_TAGS(stackName),
  });
  // An interrupt while the change set was being made is acted on now that it is ready: CloudFormation
  // cannot delete a change set that is still being created.
  const discard = async (): Promise<string[]> => {
    await deleteChangeSet(clients, stackName, changeSet.changeSetId);
    const done = [`Deleted change set ${changeSet.changeSetName}.`];
    if (!existing && (await removePlaceholder(clients, await describeStack(clients, stackName)))) {
      done.push(`Deleted the empty stack "${stackName}" (REVIEW_IN_PROGRESS) that the change set made.`);
    }
    return done;
  };
  if (interrupted()) return stopBeforeApplying(await discard());
  // AWS fails an empty change set ("didn't contain changes"); moto completes it with no resource changes
  // even when parameters changed, and executing it applies them.
  const empty = changeSet.failedReason
    ? changeSet.noChanges
    : changeSet.changes.length === 0 && parameterChanges.length === 0;
  if (empty && existing) {
    await discard();
    return unchanged(existing);
  }
  if (changeSet.failedReason) {
    await discard();
    throw new RunvoyError({
      what: `CloudFormation could not prepare the change set for stack "${stackName}".`,
      why: changeSet.failedReason,
      fix: 'Fix the cause above (often a parameter such as --subnets), then run `runvoy init` again.',
      code: 'CHANGE_SET_FAILED',
    });
  }
  reporter.changeSet(changeSet.changes, parameterChanges);

  const approved =
    inputs.yes || (await inputs.confirm(`Apply these changes to stack "${stackName}" in ${region}?`));
  if (interrupted()) return stopBeforeApplying(await discard(), changeSet.changes);
  if (!approved) {
    await discard();
    return {
      ...base,
      action: 'cancelled',
      status: existing?.status ?? 'NONE',
      changes: changeSet.changes,
      parameterChanges,
    };
  }

  let applied: Applied;
  if (existing) {
    applied = await applyAndWait(
      clients,
      stackName,
      reporter,
      () => executeChangeSet(clients, stackName, changeSet.changeSetId),
      inputs.signal,
    );
    if (applied.interrupted && !applied.started)
      return stopBeforeApplying(await discard(), changeSet.changes);
  } else {
    // The create was reviewed through its change set; it is carried out as a CreateStack of the same
    // template and parameters, after removing the REVIEW_IN_PROGRESS placeholder that the change set made.
    // (The result is the same stack; moto, unlike AWS, computes no outputs for an executed change set.)
    const cleanedUp = await discard();
    applied = await applyAndWait(
      clients,
      stackName,
      reporter,
      () => createStack(clients, { stackName, templateBody, parameters, tags: STACK_TAGS(stackName) }),
      inputs.signal,
    );
    if (applied.interrupted && !applied.started) return stopBeforeApplying(cleanedUp, changeSet.changes);
  }
  if (applied.interrupted) {
    // CloudFormation carries on without us: say where it is now.
    const now = await describeStack(clients, stackName);
    return {
      ...base,
      action: 'interrupted',
      status: now?.status ?? 'DELETED',
      changes: changeSet.changes,
      parameterChanges,
      interruption: {
        phase: 'apply',
        operation,
        cleanedUp: [],
        stackStatus: now?.status,
        advice: applyInterruptedAdvice(operation, stackName, now?.status),
      },
    };
  }
  const state = applied.state;

  const finalState = reflectsChange(state, parameters)
    ? state
    : await reapply(clients, state, parameters, existing?.parameters ?? {});
  const outputs = parseStackOutputs(stackName, finalState.outputs);
  rememberStack(inputs.cache, identity, region, stackName, outputs);
  return {
    ...base,
    action: existing ? 'updated' : 'created',
    status: state.status,
    changes: changeSet.changes,
    parameterChanges,
    outputs,
  };
}

const STACK_TAGS = (stackName: string) => ({ 'runvoy:stack': stackName });

type Applied = { interrupted: false; state: StackState } | { interrupted: true; started: boolean };

/**
 * Starts a stack operation and follows its events until it ends; a failure names the failing resource.
 * The start request is always seen through; `signal` only stops the waiting that follows.
 */
async function applyAndWait(
  clients: AwsClients,
  stackName: string,
  reporter: DeployReporter,
  start: () => Promise<unknown>,
  signal: AbortSignal | undefined,
): Promise<Applied> {
  const before = await eventsSince(clients, stackName, new Date(0)).catch(() => [] as StackEventSummary[]);
  const since = before.reduce((latest, e) => (e.timestamp > latest ? e.timestamp : latest), new Date(0));
  const seen = new Set(before.map(eventKey));
  if (signal?.aborted) return { interrupted: true, started: false };
  await start();
  const { state, events, interrupted } = await waitForStack(clients, stackName, {
    since,
    onEvent: (event) => {
      if (!seen.has(eventKey(event))) reporter.event(event);
    },
    signal,
  });
  if (interrupted) return { interrupted: true, started: true };
  if (!state || !STACK_OK.has(state.status)) {
    throw stackFailed(
      stackName,
      state,
      events.filter((e) => !seen.has(eventKey(e))),
    );
  }
  return { interrupted: false, state };
}

/** Deletes the empty REVIEW_IN_PROGRESS stack that a CREATE change set leaves behind; true if there was one. */
async function removePlaceholder(clients: AwsClients, stack: StackState | undefined): Promise<boolean> {
  if (stack?.status !== 'REVIEW_IN_PROGRESS') return false;
  await deleteStack(clients, stack.id);
  await waitForStack(clients, stack.name, { since: new Date(), onEvent: () => undefined, stackId: stack.id });
  return true;
}

/**
 * A completed stack has the outputs its template declares and the parameters just applied. moto 5.2.1
 * computes neither when it executes a change set, while an UpdateStack with the same template does.
 * On AWS the check always passes, so the re-apply never runs there.
 */
function reflectsChange(state: StackState, parameters: ParameterInput[]): boolean {
  if (Object.keys(state.outputs).length === 0) return false;
  const applied = parameters.every((p) => 'usePrevious' in p || state.parameters[p.key] === p.value);
  // Outputs that echo a parameter must match it (moto keeps the old outputs after an update).
  const echoed = ECHOED_PARAMETERS.every(
    (key) => state.outputs[key] === undefined || state.outputs[key] === state.parameters[key],
  );
  return applied && echoed;
}

const ECHOED_PARAMETERS = ['RetainData', 'AssignPublicIp', 'NetworkMode'];

async function reapply(
  clients: AwsClients,
  state: StackState,
  parameters: ParameterInput[],
  previous: Record<string, string>,
): Promise<StackState> {
  await updateParameters(clients, state.name, withPreviousValues(parameters, previous));
  const refreshed = await describeStack(clients, state.name);
  return refreshed ?? state;
}

function eventKey(e: StackEventSummary): string {
  return `${e.timestamp.toISOString()}|${e.logicalId}|${e.status}`;
}

function assertUpdatable(stack: StackState): void {
  if (STACK_BUSY.test(stack.status)) {
    throw new RunvoyError({
      what: `The stack "${stack.name}" is busy (${stack.status}).`,
      why: 'Another create, update or delete is running on it.',
      fix: 'Wait for it to finish (watch it with `runvoy doctor` or the CloudFormation console), then run `runvoy init` again.',
      code: 'STACK_BUSY',
    });
  }
  if (
    stack.status === 'ROLLBACK_COMPLETE' ||
    stack.status === 'ROLLBACK_FAILED' ||
    stack.status === 'DELETE_FAILED'
  ) {
    throw new RunvoyError({
      what: `The stack "${stack.name}" is in ${stack.status} and cannot be updated.`,
      why: stack.statusReason ?? 'Its first creation failed and was rolled back.',
      fix: `Run \`runvoy destroy --stack ${stack.name}\`, then \`runvoy init\` again.`,
      code: 'STACK_NOT_UPDATABLE',
    });
  }
}

async function stackParameters(
  clients: AwsClients,
  flags: InitFlags,
  network: NetworkRequest,
  exists: boolean,
): Promise<ParameterInput[]> {
  const values: Record<string, string | undefined> = {
    AssignPublicIp: flags.publicIp === undefined ? undefined : flags.publicIp ? 'ENABLED' : 'DISABLED',
    LogRetentionDays: flags.logRetention === undefined ? undefined : String(flags.logRetention),
    RetainData: flags.retainData === undefined ? undefined : String(flags.retainData),
  };
  if (network.mode === 'new') {
    Object.assign(values, { NetworkMode: 'new', VpcId: '', SubnetIds: '', SecurityGroupId: '' });
  } else if (network.mode === 'default' || network.mode === 'existing') {
    const choice =
      network.mode === 'default'
        ? await defaultVpcNetwork(clients)
        : await vpcOfSubnets(clients, network.subnetIds);
    Object.assign(values, {
      NetworkMode: 'existing',
      VpcId: choice.vpcId,
      SubnetIds: choice.subnetIds.join(','),
      SecurityGroupId: network.securityGroupId ?? '',
    });
  }
  const keys = [
    'NetworkMode',
    'VpcId',
    'SubnetIds',
    'SecurityGroupId',
    'AssignPublicIp',
    'LogRetentionDays',
    'RetainData',
  ];
  const params: ParameterInput[] = [];
  for (const key of keys) {
    const value = values[key];
    if (value !== undefined) params.push({ key, value });
    else if (exists) params.push({ key, usePrevious: true });
  }
  return params;
}

function diffParameters(current: Record<string, string>, parameters: ParameterInput[]): ParameterChange[] {
  return parameters.flatMap((p) =>
    'usePrevious' in p || current[p.key] === p.value
      ? []
      : [{ key: p.key, from: current[p.key], to: p.value }],
  );
}

async function sameTemplate(
  clients: AwsClients,
  existing: StackState,
  templateBody: string,
): Promise<boolean> {
  return (await getTemplateBody(clients, existing.name)).trim() === templateBody.trim();
}

function stackFailed(
  stackName: string,
  state: StackState | undefined,
  events: StackEventSummary[],
): RunvoyError {
  const failure = firstFailure(events);
  const status = state?.status ?? 'DELETED';
  const what = failure
    ? `Stack "${stackName}" failed (${status}): ${failure.logicalId} (${failure.resourceType}) ${failure.status}.`
    : `Stack "${stackName}" ended in ${status}.`;
  return new RunvoyError({
    what,
    why: failure?.reason ?? state?.statusReason ?? 'CloudFormation gave no reason.',
    fix: failureAdvice(failure, stackName),
    exitCode: ExitCode.Failure,
    code: 'STACK_FAILED',
    data: { status, failure },
  });
}
