/**
 * The RunTask phase's hard deadline, end to end against the emulator (issue 11 item 2): a proxy holds one
 * request of a run's start while the run's clock moves past the deadline (a short limit, and an injected
 * clock, so that nothing waits for real minutes). The deadline counts from the lock's acquiredAt, taken
 * before the transaction is sent, which is also where reconcile counts its grace from.
 */
import { RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsClients } from '../../../src/aws/clients.js';
import { Store } from '../../../src/aws/store.js';
import { RunvoyError } from '../../../src/core/errors.js';
import { DEFAULT_LOST_GRACE_MS, LOST_GRACE_FLOOR_MS } from '../../../src/core/grace.js';
import { buildTaskDefinition, taskDefinitionFamily } from '../../../src/core/taskdef.js';
import type { StackCommandContext } from '../../../src/context.js';
import { reconcile } from '../../../src/services/reconcile.js';
import { startExecution, taskDefSpecFor, type RunDeps } from '../../../src/services/run.js';
import type { StartState } from '../../../src/services/start-outcome.js';
import { disagreements, emulatorState } from '../../support/emulator-state.js';
import { startHoldProxy, type HoldProxy } from '../../support/hold-proxy.js';
import { keepTasksRunning, motoUrl, resetMoto, TEST_REGION } from '../../support/moto.js';
import { clockAt, recordingReporter, runRequest, setUpStack, type Harness } from './harness.js';

/** The limit the runs here get: short, so that a clock moved a little past it is past the deadline. */
const LIMIT_MS = 30_000;

let h: Harness;
let hold: HoldProxy | undefined;
const made: AwsClients[] = [];

beforeEach(async () => {
  await resetMoto();
  h = await setUpStack();
  await keepTasksRunning();
  // Registers the run's task definition, so that the first RunTask is the one that starts the task.
  const spec = taskDefSpecFor(runRequest(), h.stack);
  const ecs = await h.clients.ecs();
  await ecs.send(
    new RegisterTaskDefinitionCommand(
      buildTaskDefinition(spec, taskDefinitionFamily(spec, h.stack.stackName)) as never,
    ),
  );
});
afterEach(async () => {
  hold?.release();
  await hold?.close();
  hold = undefined;
  for (const clients of made.splice(0)) clients.destroy();
  h.restore();
});

/** A run whose calls go through a proxy that holds the first request `operation` names, on a clock the test moves. */
async function heldRun(operation: string): Promise<{ deps: RunDeps; clock: { ahead: number } }> {
  hold = await startHoldProxy(motoUrl(), (r) => r.operation === operation);
  process.env.AWS_ENDPOINT_URL = hold.url;
  const clients = new AwsClients({ region: TEST_REGION });
  made.push(clients);
  const store = new Store(await clients.documents(), h.stack.outputs.tableName);
  const clock = { ahead: 0 };
  const deps: RunDeps = {
    clients,
    store,
    stack: h.stack,
    reporter: recordingReporter(),
    clock: clockAt(() => Date.now() + clock.ahead),
  };
  return { deps, clock };
}

async function failureOf(promise: Promise<unknown>): Promise<RunvoyError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RunvoyError);
  return error as RunvoyError;
}

/** Reconcile with the table's own clients (not through the proxy). */
async function directContext(): Promise<Pick<StackCommandContext, 'clients' | 'store' | 'stack' | 'warn'>> {
  return { clients: h.clients, store: h.store, stack: h.stack, warn: () => undefined };
}

describe('the RunTask phase deadline', () => {
  it('sends no RunTask when the lock transaction answers after the deadline: FAILED, lock freed, and the error says why', async () => {
    const { deps, clock } = await heldRun('TransactWriteItems');
    const starting = failureOf(
      startExecution(deps, runRequest({ lockName: 'deploy' }), { runTaskPhaseLimitMs: LIMIT_MS }),
    );
    await hold?.held;
    // The transaction hangs past the deadline, then goes through.
    clock.ahead = LIMIT_MS + 1_000;
    hold?.release();
    const error = await starting;

    const id = String(error.data?.executionId);
    expect(error.code).toBe('START_DEADLINE');
    expect(error.what).toBe(
      `Execution ${id} did not start: The start took longer than 30 seconds, so runvoy did not send RunTask: AWS was slow or unreachable.`,
    );
    expect(error.why).toContain(
      'ECS started no task for it; its record is FAILED, and its lock "deploy" was released.',
    );
    expect(error.fix).toContain('Nothing was started for it.');
    expect(error.data?.state).toMatchObject({
      recordStatus: 'FAILED',
      lockHeld: false,
      taskStarted: false,
    } satisfies Partial<StartState>);
    expect(hold?.seen).toContain('TransactWriteItems');
    expect(hold?.seen).not.toContain('RunTask');
    expect(hold?.seen).not.toContain('RegisterTaskDefinition');

    const state = await emulatorState();
    expect(state.executions.find((e) => e.id === id)).toMatchObject({ status: 'FAILED' });
    expect(state.locks.find((l) => l.name === 'deploy')).toMatchObject({ state: 'FREE', fence: 1 });
    expect(state.tasks).toEqual([]);
    expect(
      (await reconcile(await directContext(), { dryRun: false, graceMs: DEFAULT_LOST_GRACE_MS })).actions,
    ).toEqual([]);
    expect(disagreements(await emulatorState())).toEqual([]);
  });

  it('aborts a RunTask still in flight at the deadline: it may have started; reconcile marks the run LOST, and frees its lock, at the grace floor counted from the same instant', async () => {
    const { deps, clock } = await heldRun('RunTask');
    const starting = failureOf(
      startExecution(deps, runRequest({ lockName: 'deploy' }), { runTaskPhaseLimitMs: LIMIT_MS }),
    );
    await hold?.held;
    clock.ahead = LIMIT_MS;
    const error = await starting;

    const id = String(error.data?.executionId);
    expect(error.code).toBe('START_UNCERTAIN');
    expect(error.what).toBe(`Execution ${id} may have started: RunTask's answer never arrived.`);
    expect(error.why).toContain('RunTask got no answer before the start');
    expect(error.data?.cause).toMatchObject({ code: 'START_DEADLINE' });
    expect(error.data?.state).toMatchObject({
      recordStatus: 'PENDING',
      lockHeld: true,
      taskStarted: 'unknown',
    } satisfies Partial<StartState>);
    // Aborted, not retried.
    expect(hold?.seen.filter((op) => op === 'RunTask')).toEqual(['RunTask']);

    const lock = await h.store.getLock('deploy');
    expect(lock).toMatchObject({ state: 'HELD', holderExecutionId: id });
    const phaseStart = Date.parse(lock?.acquiredAt ?? '');
    const ctx = await directContext();
    const at = (ms: number) => ({ dryRun: false, graceMs: LOST_GRACE_FLOOR_MS, now: () => ms });
    expect((await reconcile(ctx, at(phaseStart + LOST_GRACE_FLOOR_MS - 1))).counts).toMatchObject({
      lost: 0,
      locksReleased: 0,
    });
    expect((await reconcile(ctx, at(phaseStart + LOST_GRACE_FLOOR_MS))).counts).toMatchObject({
      lost: 1,
      locksReleased: 1,
    });

    const state = await emulatorState();
    expect(state.executions.find((e) => e.id === id)).toMatchObject({ status: 'LOST' });
    expect(state.locks.find((l) => l.name === 'deploy')).toMatchObject({ state: 'FREE' });
    expect(state.tasks).toEqual([]);
    expect(disagreements(state)).toEqual([]);
  });

  it('a RunTask ECS received just before the abort starts its task all the same: reconcile records it on the run, which keeps its lock', async () => {
    const { deps, clock } = await heldRun('RunTask');
    const starting = failureOf(
      startExecution(deps, runRequest({ lockName: 'deploy' }), { runTaskPhaseLimitMs: LIMIT_MS }),
    );
    await hold?.held;
    clock.ahead = LIMIT_MS;
    const error = await starting;
    expect(error.code).toBe('START_UNCERTAIN');
    const id = String(error.data?.executionId);

    // The request had reached ECS: it is carried out although the CLI stopped waiting for its answer.
    hold?.release();
    expect(await hold?.answered).toBe(200);
    const [task] = (await emulatorState()).tasks;
    expect(task?.startedBy).toBe(`runvoy/${id}`);

    const report = await reconcile(await directContext(), { dryRun: false, graceMs: DEFAULT_LOST_GRACE_MS });
    expect(report.counts).toMatchObject({ progressed: 1, lost: 0, locksReleased: 0 });
    const state = await emulatorState();
    expect(state.executions.find((e) => e.id === id)).toMatchObject({ taskArn: task?.taskArn });
    expect(state.executions.find((e) => e.id === id)?.status).toMatch(/^(STARTING|RUNNING)$/);
    expect(state.locks.find((l) => l.name === 'deploy')).toMatchObject({
      state: 'HELD',
      holderExecutionId: id,
    });
    expect(disagreements(state)).toEqual([]);
  });
});
