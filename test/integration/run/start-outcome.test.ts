/**
 * startExecution when `reconcile` moves the run between RunTask and the record update (issue 11 item 2):
 * the update is conditioned on PENDING, and its failure is acted on. A proxy holds the run's record update
 * while reconcile runs; reconcile finds the task by its startedBy and records it first.
 */
import { GetScheduleCommand } from '@aws-sdk/client-scheduler';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsClients } from '../../../src/aws/clients.js';
import { timeoutScheduleName } from '../../../src/aws/schedules.js';
import { Store } from '../../../src/aws/store.js';
import { DEFAULT_LOST_GRACE_MS } from '../../../src/core/reconcile-plan.js';
import type { StackCommandContext } from '../../../src/context.js';
import { reconcile } from '../../../src/services/reconcile.js';
import { startExecution } from '../../../src/services/run.js';
import { emulatorState } from '../../support/emulator-state.js';
import { startHoldProxy, type HoldProxy } from '../../support/hold-proxy.js';
import { keepTasksRunning, motoUrl, resetMoto, stopTasksAtOnce, TEST_REGION } from '../../support/moto.js';
import { runDeps, runRequest, setUpStack, type Harness } from './harness.js';

let h: Harness;
let hold: HoldProxy;
const made: AwsClients[] = [];

beforeEach(async () => {
  await resetMoto();
  h = await setUpStack();
  // The first UpdateItem through the proxy is the run's PENDING -> STARTING update (no --timeout writes
  // anything to DynamoDB before it; CreateSchedule goes to the Scheduler).
  hold = await startHoldProxy(motoUrl(), (r) => r.operation === 'UpdateItem');
  process.env.AWS_ENDPOINT_URL = hold.url;
});
afterEach(async () => {
  hold.release();
  await hold.close();
  for (const clients of made.splice(0)) clients.destroy();
  h.restore();
});

/** Clients (and a Store) whose calls go through the hold proxy. */
async function viaProxy(): Promise<{
  clients: AwsClients;
  store: Store;
  ctx: Pick<StackCommandContext, 'clients' | 'store' | 'stack' | 'warn'>;
}> {
  const clients = new AwsClients({ region: TEST_REGION });
  made.push(clients);
  const doc = await clients.documents();
  const store = new Store(doc, h.stack.outputs.tableName);
  return { clients, store, ctx: { clients, store, stack: h.stack, warn: () => undefined } };
}

async function scheduleExists(name: string): Promise<boolean> {
  const scheduler = await h.clients.scheduler();
  return scheduler.send(new GetScheduleCommand({ Name: name })).then(
    () => true,
    (error: Error) => {
      if (error.name === 'ResourceNotFoundException') return false;
      throw error;
    },
  );
}

describe('startExecution after reconcile recorded its task first', () => {
  it('carries on with the record reconcile wrote, and adds its timeout schedule to it', async () => {
    await keepTasksRunning();
    const run = await viaProxy();
    const starting = startExecution(
      { ...runDeps(h), clients: run.clients, store: run.store },
      runRequest({ lockName: 'deploy', timeoutMs: 3_600_000 }),
    );
    await hold.held;
    const report = await reconcile((await viaProxy()).ctx, { dryRun: false, graceMs: DEFAULT_LOST_GRACE_MS });
    expect(report.counts).toMatchObject({ progressed: 1, lost: 0 });
    hold.release();
    const record = await starting;

    const state = await emulatorState();
    const tasks = state.tasks.filter((t) => t.startedBy === `runvoy/${record.id}`);
    expect(tasks).toHaveLength(1);
    expect(record.status).toMatch(/^(STARTING|RUNNING)$/);
    expect(record).toMatchObject({
      taskArn: tasks[0]?.taskArn,
      timeoutScheduleName: timeoutScheduleName(record.id),
    });
    expect(await h.store.getExecution(record.id)).toMatchObject({
      status: record.status,
      taskArn: tasks[0]?.taskArn,
      timeoutScheduleName: timeoutScheduleName(record.id),
    });
    expect(await h.store.getLock('deploy')).toMatchObject({ state: 'HELD', holderExecutionId: record.id });
    expect(await scheduleExists(timeoutScheduleName(record.id))).toBe(true);
  });

  it('returns the finished record when reconcile already finalised its task, and deletes the schedule it made', async () => {
    await stopTasksAtOnce();
    const run = await viaProxy();
    const starting = startExecution(
      { ...runDeps(h), clients: run.clients, store: run.store },
      runRequest({ lockName: 'deploy', timeoutMs: 3_600_000 }),
    );
    await hold.held;
    const report = await reconcile((await viaProxy()).ctx, { dryRun: false, graceMs: DEFAULT_LOST_GRACE_MS });
    expect(report.counts).toMatchObject({ finalised: 1, locksReleased: 1 });
    hold.release();
    const record = await starting;

    expect(record.status).toBe('SUCCEEDED');
    expect(await h.store.getExecution(record.id)).toMatchObject({
      status: 'SUCCEEDED',
      taskArn: record.taskArn,
    });
    expect(await h.store.getLock('deploy')).toMatchObject({ state: 'FREE', fence: 1 });
    expect(await scheduleExists(timeoutScheduleName(record.id))).toBe(false);
  });
});
