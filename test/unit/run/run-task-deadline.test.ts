/**
 * The RunTask phase's hard deadline (issue 11 item 2, src/core/grace.ts): no RunTask or
 * RegisterTaskDefinition is sent from `phaseStart + RUN_TASK_PHASE_LIMIT_MS` on, and a call still in flight
 * then is aborted, so that reconcile's grace floor bounds the start whatever aws.timeout the runner has.
 * The deadline comes from the record's (or the lock's) time, never from when runTask is called.
 */
import {
  ClientException,
  ECSClient,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  type RunTaskCommandOutput,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AwsClients } from '../../../src/aws/clients.js';
import { runTask, runTaskMayHaveStarted } from '../../../src/aws/tasks.js';
import {
  abortError,
  CLUSTER,
  deadlineOf,
  failure,
  input,
  MINUTE,
  SPOT_NO_CAPACITY,
  started,
} from './run-task-fixtures.js';

describe('the RunTask phase deadline (SDK calls mocked)', () => {
  const ecs = mockClient(ECSClient);
  let clients: AwsClients;

  beforeEach(() => {
    ecs.reset();
    clients = new AwsClients({ region: 'us-east-1' });
  });
  afterEach(() => {
    vi.useRealTimers();
    clients.destroy();
  });

  /** Each call's abortSignal, in order. */
  const signals = () =>
    ecs.send
      .getCalls()
      .map((call) => ((call.args as unknown[])[1] as { abortSignal?: AbortSignal } | undefined)?.abortSignal);

  /** A call that never answers, and fails as the SDK does when its abortSignal fires. */
  const hangUntilAborted = () =>
    new Promise<never>((_, reject) => {
      const signal = signals().at(-1);
      if (!signal) return;
      if (signal.aborted) reject(abortError());
      signal.addEventListener('abort', () => reject(abortError()), { once: true });
    });

  it('sends no RunTask once the deadline, counted from when the lock was taken, has passed: nothing started', async () => {
    ecs.on(RunTaskCommand).resolves(started());
    // The transaction was sent 6 minutes ago and answered only now: runTask is called well within 5
    // minutes of "now", but the deadline counts from the lock's acquiredAt.
    const acquired = Date.now() - 6 * MINUTE;
    const error = await failure(runTask(clients, input(deadlineOf(acquired - MINUTE, acquired))));

    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(0);
    expect(error).toMatchObject({ operation: 'RunTask', sent: false, code: 'START_DEADLINE', exitCode: 1 });
    expect(error.what).toContain('The start took longer than 5 minutes, so runvoy did not send RunTask');
    expect(error.what).toContain('AWS was slow or unreachable');
    expect(error.fix).toContain('Nothing was started');
    expect(runTaskMayHaveStarted(error)).toBe(false);
  });

  it('counts from the later of createdAt and acquiredAt: a run that waited 20 minutes for its lock still starts', async () => {
    ecs.on(RunTaskCommand).resolves(started());
    const acquired = Date.now() - MINUTE;
    const result = await runTask(clients, input(deadlineOf(acquired - 20 * MINUTE, acquired)));
    expect(result.task.taskArn).toContain(CLUSTER);
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(1);
  });

  it('passes an abortSignal with RunTask and aborts it at the deadline, not a moment before: it may have started', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    // The phase began 3.5 minutes ago: 90 s are left.
    const deadline = deadlineOf(Date.now() - 210_000);
    let sent = () => {};
    const arrived = new Promise<void>((resolve) => (sent = resolve));
    ecs.on(RunTaskCommand).callsFake(() => {
      sent();
      return hangUntilAborted();
    });
    const running = failure(runTask(clients, input(deadline)));
    await arrived;
    const [signal] = signals();
    expect(signal).toBeInstanceOf(AbortSignal);

    await vi.advanceTimersByTimeAsync(89_999);
    expect(signal?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(signal?.aborted).toBe(true);

    const error = await running;
    expect(error).toMatchObject({ operation: 'RunTask', sent: true, code: 'START_DEADLINE' });
    expect(error.what).toContain('RunTask got no answer before the start');
    expect(runTaskMayHaveStarted(error)).toBe(true);
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(1);
  });

  it('an in-flight RegisterTaskDefinition aborted at the deadline started nothing, and no RunTask follows it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const deadline = deadlineOf(Date.now() - 4 * MINUTE);
    let sent = () => {};
    const arrived = new Promise<void>((resolve) => (sent = resolve));
    ecs
      .on(RunTaskCommand)
      .rejects(
        new ClientException({ message: 'TaskDefinition not found.', $metadata: { httpStatusCode: 400 } }),
      );
    ecs.on(RegisterTaskDefinitionCommand).callsFake(() => {
      sent();
      return hangUntilAborted();
    });
    const running = failure(runTask(clients, input(deadline)));
    await arrived;
    await vi.advanceTimersByTimeAsync(MINUTE);

    const error = await running;
    expect(error).toMatchObject({ operation: 'RegisterTaskDefinition', sent: true });
    expect(runTaskMayHaveStarted(error)).toBe(false);
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(1);
    expect(signals().every((s) => s?.aborted)).toBe(true);
  });

  it('sends no on-demand RunTask when the Spot answer (no capacity) came after the deadline: nothing started', async () => {
    let clock = Date.now();
    const deadline = deadlineOf(clock - 4 * MINUTE, undefined, () => clock);
    ecs.on(RunTaskCommand).callsFake(() => {
      clock = deadline.at;
      return {
        tasks: [],
        failures: [{ reason: SPOT_NO_CAPACITY }],
        $metadata: { httpStatusCode: 200 },
      } satisfies RunTaskCommandOutput;
    });
    const error = await failure(runTask(clients, input(deadline, { spot: true })));
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(1);
    expect(error).toMatchObject({ operation: 'RunTask', sent: false });
    expect(runTaskMayHaveStarted(error)).toBe(false);
  });
});
