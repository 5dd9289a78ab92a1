/**
 * Shared set-up for the run and lock integration tests: a runvoy stack deployed into the emulator (on
 * the default VPC: moto's RunTask fails in the template's own VPC), the clients and Store that the
 * services use, and helpers to make records, start and stop tasks, and read the table.
 */
import { StopTaskCommand, type Task } from '@aws-sdk/client-ecs';
import { executionRecord } from '../../support/records.js';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { hostname } from 'node:os';
import { AwsClients } from '../../../src/aws/clients.js';
import { Store } from '../../../src/aws/store.js';
import type { AuditEvent } from '../../../src/core/items.js';
import { runTask } from '../../../src/aws/tasks.js';
import { Cache } from '../../../src/config/cache.js';
import type { ExecutionRecord } from '../../../src/core/execution.js';
import { RUN_TASK_PHASE_LIMIT_MS } from '../../../src/core/grace.js';
import { newExecutionId } from '../../../src/core/ids.js';
import { buildContainerOverrides, startedByFor } from '../../../src/core/run-plan.js';
import { buildTaskDefinition, taskDefinitionFamily } from '../../../src/core/taskdef.js';
import { deployStack } from '../../../src/services/init.js';
import type { LockContext } from '../../../src/services/lock-service.js';
import { systemClock, type Clock } from '../../../src/context.js';
import type { RunDeps, RunReporter } from '../../../src/services/run.js';
import { taskDefSpecFor } from '../../../src/services/run.js';
import { requireStack, type StackContext } from '../../../src/services/stack-context.js';
import type { RunRequest } from '../../../src/core/run-request.js';
import { motoUrl, TEST_REGION } from '../../support/moto.js';
import { isolatedAwsEnv, patchEnv, tempDir } from '../../unit/foundation/helpers.js';

export const IMAGE = 'public.ecr.aws/docker/library/alpine:3.20';

export interface Harness {
  clients: AwsClients;
  store: Store;
  stack: StackContext;
  /** The lock service's context: the stack's clients and table, and the system clock unless `now` or `sleep` move it. */
  lockCtx(extra?: { store?: Store; now?: Clock['now']; sleep?: (ms: number) => Promise<void> }): LockContext;
  restore(): void;
}

/** Points the SDK at the emulator with an isolated config dir, deploys the stack and returns its context. */
export async function setUpStack(): Promise<Harness> {
  const restoreEnv = patchEnv(
    isolatedAwsEnv({ AWS_ENDPOINT_URL: motoUrl(), AWS_REGION: TEST_REGION, RUNVOY_CONFIG_DIR: tempDir() }),
    { clearAws: true },
  );
  const clients = new AwsClients({ region: TEST_REGION });
  try {
    const cache = new Cache();
    await deployStack({
      clients,
      cache,
      stackName: 'runvoy',
      flags: { vpc: 'default' },
      network: { mode: 'default' },
      yes: true,
      confirm: async () => true,
      reporter: { context: () => undefined, changeSet: () => undefined, event: () => undefined },
    });
    const stack = await requireStack(clients, 'runvoy', { cache });
    const store = new Store(await clients.documents(), stack.outputs.tableName);
    return {
      clients,
      store,
      stack,
      lockCtx: (extra = {}) => ({
        clients,
        store: extra.store ?? store,
        stack,
        clock: {
          now: extra.now ?? systemClock.now,
          sleep: extra.sleep ? (ms) => extra.sleep!(ms) : systemClock.sleep,
        },
      }),
      restore: () => {
        clients.destroy();
        restoreEnv();
      },
    };
  } catch (error) {
    clients.destroy();
    restoreEnv();
    throw error;
  }
}

/** A new PENDING record, as startExecution writes it before the lock transaction. */
export function newRecord(h: Harness, overrides: Partial<ExecutionRecord> = {}): ExecutionRecord {
  return executionRecord({
    id: newExecutionId(),
    status: 'PENDING',
    callerArn: h.stack.identity.arn,
    host: hostname(),
    command: ['echo', 'hello'],
    image: IMAGE,
    clusterArn: h.stack.outputs.clusterArn,
    region: h.stack.region,
    createdAt: new Date().toISOString(),
    ...overrides,
  });
}

export function runRequest(overrides: Partial<RunRequest> = {}): RunRequest {
  return {
    image: IMAGE,
    command: ['echo', 'hello'],
    shell: false,
    cpu: 256,
    memory: 512,
    arch: 'x86_64',
    spot: false,
    env: [],
    secrets: [],
    tags: {},
    lockWaitMs: 0,
    detach: true,
    ...overrides,
  };
}

export interface RecordedReporter extends RunReporter {
  events: Array<{ kind: string; detail: unknown }>;
}

export function recordingReporter(): RecordedReporter {
  const events: Array<{ kind: string; detail: unknown }> = [];
  const push = (kind: string) => (detail: unknown) => events.push({ kind, detail });
  return {
    events,
    waitingForLock: (lock, remainingMs) => events.push({ kind: 'waiting', detail: { lock, remainingMs } }),
    lockAcquired: (name, fence, takeover) =>
      events.push({ kind: 'lock', detail: { name, fence, takeover: takeover?.holderExecutionId } }),
    registered: push('registered'),
    spotFellBack: push('spot'),
    started: push('started'),
    status: push('status'),
    warn: push('warn'),
  };
}

export function runDeps(h: Harness, reporter: RunReporter = recordingReporter()): RunDeps {
  return { clients: h.clients, store: h.store, stack: h.stack, clock: systemClock, reporter };
}

/** The system clock, read through `now` (a test that moves time); its sleeps are real. */
export function clockAt(now: () => number): Clock {
  return { now, sleep: systemClock.sleep };
}

/**
 * Starts a real task in the emulator for a record (what startExecution does after the transaction), without
 * writing its ARN to the record: the state a CLI killed between RunTask and the record update leaves.
 */
export async function startTaskFor(h: Harness, record: ExecutionRecord): Promise<Task> {
  const request = runRequest();
  const spec = taskDefSpecFor(request, h.stack);
  const family = taskDefinitionFamily(spec, h.stack.stackName);
  const started = await runTask(h.clients, {
    cluster: h.stack.outputs.clusterName,
    family,
    overrides: buildContainerOverrides({
      command: record.command,
      shell: false,
      env: [],
      executionId: record.id,
      lockName: record.lockName,
      fence: record.fence,
      cpu: record.cpu,
      memory: record.memory,
    }),
    startedBy: startedByFor(record.id),
    clientToken: record.id,
    tags: { 'runvoy:execution-id': record.id },
    subnets: h.stack.outputs.subnetIds,
    securityGroups: [h.stack.outputs.securityGroupId],
    assignPublicIp: h.stack.outputs.assignPublicIp,
    spot: false,
    register: async () => buildTaskDefinition(spec, family),
    deadline: { at: Date.now() + RUN_TASK_PHASE_LIMIT_MS, limitMs: RUN_TASK_PHASE_LIMIT_MS },
  });
  return started.task;
}

export async function stopTaskNow(
  h: Harness,
  taskArn: string,
  reason = 'stopped by the test',
): Promise<void> {
  const ecs = await h.clients.ecs();
  await ecs.send(new StopTaskCommand({ cluster: h.stack.outputs.clusterName, task: taskArn, reason }));
}

/** Every audit event in the table (byKind index, kindPk = AUDIT). */
export async function auditEvents(h: Harness): Promise<AuditEvent[]> {
  const doc = await h.clients.documents();
  const out = await doc.send(
    new QueryCommand({
      TableName: h.stack.outputs.tableName,
      IndexName: 'byKind',
      KeyConditionExpression: 'kindPk = :k',
      ExpressionAttributeValues: { ':k': 'AUDIT' },
    }),
  );
  return (out.Items ?? []) as AuditEvent[];
}
