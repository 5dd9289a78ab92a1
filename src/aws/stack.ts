import { setTimeout as sleep } from 'node:timers/promises';
import type {
  Change,
  CloudFormationClient,
  Parameter,
  Stack,
  StackEvent,
} from '@aws-sdk/client-cloudformation';
import type { AwsClients } from './clients.js';
import { loadSdk } from './sdk.js';
import type { ChangeAction, ResourceChangeSummary, StackEventSummary } from '../core/change-set.js';
import { STACK_BUSY } from '../core/change-set.js';

export interface StackState {
  name: string;
  id: string;
  status: string;
  statusReason?: string;
  parameters: Record<string, string>;
  outputs: Record<string, string>;
  lastUpdated?: Date;
}

export type ParameterInput = { key: string; value: string } | { key: string; usePrevious: true };

const cfnModule = () => loadSdk('@aws-sdk/client-cloudformation');

/** Sleeps `ms`, or less when `signal` aborts first (resolves then, never rejects). */
async function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  await sleep(ms, undefined, signal ? { signal } : undefined).catch((error: Error) => {
    if (error.name !== 'AbortError') throw error;
  });
}

export function isStackMissing(error: unknown): boolean {
  const e = error as { name?: string; message?: string };
  return e?.name === 'ValidationError' && /does not exist/i.test(e.message ?? '');
}

function toState(stack: Stack): StackState {
  const pairs = (items: Array<{ k?: string; v?: string }>) =>
    Object.fromEntries(items.filter((i) => i.k !== undefined).map((i) => [i.k, i.v ?? '']));
  return {
    name: stack.StackName ?? '',
    id: stack.StackId ?? '',
    status: stack.StackStatus ?? 'UNKNOWN',
    statusReason: stack.StackStatusReason,
    parameters: pairs((stack.Parameters ?? []).map((p) => ({ k: p.ParameterKey, v: p.ParameterValue }))),
    outputs: pairs((stack.Outputs ?? []).map((o) => ({ k: o.OutputKey, v: o.OutputValue }))),
    lastUpdated: stack.LastUpdatedTime ?? stack.CreationTime,
  };
}

export async function describeStack(clients: AwsClients, name: string): Promise<StackState | undefined> {
  const { DescribeStacksCommand } = await cfnModule();
  const cfn = await clients.cloudFormation();
  try {
    const out = await cfn.send(new DescribeStacksCommand({ StackName: name }));
    const stack = out.Stacks?.[0];
    if (!stack || stack.StackStatus === 'DELETE_COMPLETE') return undefined;
    return toState(stack);
  } catch (error) {
    if (isStackMissing(error)) return undefined;
    throw error;
  }
}

export async function getTemplateBody(clients: AwsClients, name: string): Promise<string> {
  const { GetTemplateCommand } = await cfnModule();
  const cfn = await clients.cloudFormation();
  const out = await cfn.send(new GetTemplateCommand({ StackName: name, TemplateStage: 'Original' }));
  return out.TemplateBody ?? '';
}

function toParameters(params: readonly ParameterInput[]): Parameter[] {
  return params.map((p) =>
    'usePrevious' in p
      ? { ParameterKey: p.key, UsePreviousValue: true }
      : { ParameterKey: p.key, ParameterValue: p.value },
  );
}

export interface ChangeSetResult {
  changeSetId: string;
  changeSetName: string;
  changes: ResourceChangeSummary[];
  /** CloudFormation found nothing to change (AWS fails the change set with this reason). */
  noChanges: boolean;
  failedReason?: string;
}

const NO_CHANGES = /didn't contain changes|No updates are to be performed|no changes/i;

export async function createChangeSet(
  clients: AwsClients,
  input: {
    stackName: string;
    type: 'CREATE' | 'UPDATE';
    templateBody: string;
    parameters: readonly ParameterInput[];
    tags: Record<string, string>;
  },
): Promise<ChangeSetResult> {
  const { CreateChangeSetCommand, DescribeChangeSetCommand } = await cfnModule();
  const cfn = await clients.cloudFormation();
  const changeSetName = `runvoy-${Date.now()}`;
  const created = await cfn.send(
    new CreateChangeSetCommand({
      StackName: input.stackName,
      ChangeSetName: changeSetName,
      ChangeSetType: input.type,
      TemplateBody: input.templateBody,
      Parameters: toParameters(input.parameters),
      Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
      Tags: Object.entries(input.tags).map(([Key, Value]) => ({ Key, Value })),
    }),
  );
  const changeSetId = created.Id ?? '';
  for (let attempt = 0; ; attempt++) {
    const described = await cfn.send(
      new DescribeChangeSetCommand({ ChangeSetName: changeSetId, StackName: input.stackName }),
    );
    const status = described.Status ?? '';
    if (status === 'FAILED') {
      const reason = described.StatusReason ?? 'unknown reason';
      return {
        changeSetId,
        changeSetName,
        changes: [],
        noChanges: NO_CHANGES.test(reason),
        failedReason: reason,
      };
    }
    if (status === 'CREATE_COMPLETE') {
      const changes = await allChanges(
        cfn,
        changeSetId,
        input.stackName,
        described.Changes ?? [],
        described.NextToken,
      );
      return { changeSetId, changeSetName, changes, noChanges: changes.length === 0 };
    }
    await sleep(Math.min(500 * 2 ** attempt, 3000));
  }
}

async function allChanges(
  cfn: CloudFormationClient,
  changeSetId: string,
  stackName: string,
  first: Change[],
  nextToken: string | undefined,
): Promise<ResourceChangeSummary[]> {
  const { DescribeChangeSetCommand } = await cfnModule();
  const changes = [...first];
  let token = nextToken;
  while (token) {
    const page = await cfn.send(
      new DescribeChangeSetCommand({ ChangeSetName: changeSetId, StackName: stackName, NextToken: token }),
    );
    changes.push(...(page.Changes ?? []));
    token = page.NextToken;
  }
  return changes
    .map((c) => c.ResourceChange)
    .filter((r): r is NonNullable<typeof r> => r !== undefined)
    .map((r) => ({
      action: (r.Action ?? 'Dynamic') as ChangeAction,
      logicalId: r.LogicalResourceId ?? '?',
      resourceType: r.ResourceType ?? '?',
      physicalId: r.PhysicalResourceId,
      replacement: r.Replacement,
    }));
}

export async function executeChangeSet(
  clients: AwsClients,
  stackName: string,
  changeSetId: string,
): Promise<void> {
  const { ExecuteChangeSetCommand } = await cfnModule();
  const cfn = await clients.cloudFormation();
  await cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: changeSetId, StackName: stackName }));
}

export async function deleteChangeSet(
  clients: AwsClients,
  stackName: string,
  changeSetId: string,
): Promise<void> {
  const { DeleteChangeSetCommand } = await cfnModule();
  const cfn = await clients.cloudFormation();
  await cfn.send(new DeleteChangeSetCommand({ ChangeSetName: changeSetId, StackName: stackName }));
}

/**
 * Replaces "use previous value" with the value the stack reports. Equivalent on AWS, and it spares
 * moto, which fails UpdateStack with HTTP 500 on UsePreviousValue for a parameter it did not store.
 */
export function withPreviousValues(
  params: readonly ParameterInput[],
  current: Record<string, string>,
): ParameterInput[] {
  return params.flatMap((p): ParameterInput[] => {
    if (!('usePrevious' in p)) return [p];
    const value = current[p.key];
    return value === undefined ? [] : [{ key: p.key, value }];
  });
}

/** Changes parameters only, keeping the deployed template (used to flip RetainData before a delete). */
export async function updateParameters(
  clients: AwsClients,
  stackName: string,
  parameters: readonly ParameterInput[],
): Promise<boolean> {
  const { UpdateStackCommand } = await cfnModule();
  const cfn = await clients.cloudFormation();
  try {
    await cfn.send(
      new UpdateStackCommand({
        StackName: stackName,
        UsePreviousTemplate: true,
        Parameters: toParameters(parameters),
        Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
      }),
    );
    return true;
  } catch (error) {
    if ((error as Error).name === 'ValidationError' && NO_CHANGES.test((error as Error).message))
      return false;
    throw error;
  }
}

export async function createStack(
  clients: AwsClients,
  input: {
    stackName: string;
    templateBody: string;
    parameters: readonly ParameterInput[];
    tags: Record<string, string>;
  },
): Promise<string> {
  const { CreateStackCommand } = await cfnModule();
  const cfn = await clients.cloudFormation();
  const out = await cfn.send(
    new CreateStackCommand({
      StackName: input.stackName,
      TemplateBody: input.templateBody,
      Parameters: toParameters(input.parameters),
      Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
      Tags: Object.entries(input.tags).map(([Key, Value]) => ({ Key, Value })),
      OnFailure: 'ROLLBACK',
    }),
  );
  return out.StackId ?? '';
}

export async function deleteStack(
  clients: AwsClients,
  stackName: string,
  retain: string[] = [],
): Promise<void> {
  const { DeleteStackCommand } = await cfnModule();
  const cfn = await clients.cloudFormation();
  await cfn.send(
    new DeleteStackCommand({ StackName: stackName, ...(retain.length ? { RetainResources: retain } : {}) }),
  );
}

/** The physical ID of one of the stack's resources, or undefined when the stack has no such resource. */
export async function physicalIdOf(
  clients: AwsClients,
  stackName: string,
  logicalId: string,
): Promise<string | undefined> {
  const { DescribeStackResourceCommand } = await cfnModule();
  const cfn = await clients.cloudFormation();
  try {
    const out = await cfn.send(
      new DescribeStackResourceCommand({ StackName: stackName, LogicalResourceId: logicalId }),
    );
    return out.StackResourceDetail?.PhysicalResourceId || undefined;
  } catch (error) {
    if ((error as Error).name === 'ValidationError') return undefined;
    throw error;
  }
}

function toEvent(e: StackEvent): StackEventSummary {
  return {
    timestamp: e.Timestamp ?? new Date(0),
    logicalId: e.LogicalResourceId ?? '?',
    resourceType: e.ResourceType ?? '?',
    status: e.ResourceStatus ?? '?',
    reason: e.ResourceStatusReason,
  };
}

/** Stack events newer than `since`, oldest first (DescribeStackEvents pages newest first). */
export async function eventsSince(
  clients: AwsClients,
  stackName: string,
  since: Date,
): Promise<StackEventSummary[]> {
  const { DescribeStackEventsCommand } = await cfnModule();
  const cfn = await clients.cloudFormation();
  const events: StackEventSummary[] = [];
  let token: string | undefined;
  do {
    const page = await cfn.send(new DescribeStackEventsCommand({ StackName: stackName, NextToken: token }));
    const batch = (page.StackEvents ?? []).map(toEvent);
    events.push(...batch.filter((e) => e.timestamp >= since));
    if (batch.some((e) => e.timestamp < since)) break;
    token = page.NextToken;
  } while (token);
  return events.reverse();
}

/**
 * Polls until the stack leaves every *_IN_PROGRESS status, reporting each new event once.
 * Returns the final state, or undefined when the stack is gone (after a delete). When `signal` aborts,
 * it stops waiting after the requests in flight and returns the last state seen, with `interrupted`.
 */
export async function waitForStack(
  clients: AwsClients,
  stackName: string,
  options: {
    since: Date;
    onEvent: (event: StackEventSummary) => void;
    stackId?: string;
    signal?: AbortSignal;
  },
): Promise<{ state: StackState | undefined; events: StackEventSummary[]; interrupted?: boolean }> {
  const seen = new Set<string>();
  const all: StackEventSummary[] = [];
  const target = options.stackId ?? stackName;
  for (let attempt = 0; ; attempt++) {
    const state = await describeStack(clients, target);
    const fresh = await eventsSince(clients, target, options.since).catch((error) => {
      if (isStackMissing(error)) return [];
      throw error;
    });
    for (const event of fresh) {
      const key = `${event.timestamp.toISOString()}|${event.logicalId}|${event.status}`;
      if (seen.has(key)) continue;
      seen.add(key);
      all.push(event);
      options.onEvent(event);
    }
    if (!state || !STACK_BUSY.test(state.status)) return { state, events: all };
    if (options.signal?.aborted) return { state, events: all, interrupted: true };
    await pause(Math.min(1000 + attempt * 500, 5000), options.signal);
    if (options.signal?.aborted) return { state, events: all, interrupted: true };
  }
}
