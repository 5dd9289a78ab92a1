import { DescribeTasksCommand, ListTaskDefinitionsCommand, type Task } from '@aws-sdk/client-ecs';
import { GetScheduleCommand } from '@aws-sdk/client-scheduler';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { timeoutScheduleName } from '../../../src/aws/schedules.js';
import { LOST_GRACE_FLOOR_MS } from '../../../src/core/grace.js';
import { RunvoyError } from '../../../src/core/errors.js';
import type { ExecutionRecord } from '../../../src/core/execution.js';
import { exitCodeForOutcome } from '../../../src/core/task-result.js';
import { finaliseExecution, KILL_REASON_PREFIX } from '../../../src/services/finalise.js';
import { ATTACHED_LEASE_MS, DETACHED_LEASE_MS, HEARTBEAT_MS } from '../../../src/services/lock-service.js';
import { startExecution, watchExecution } from '../../../src/services/run.js';
import { keepTasksRunning, resetMoto, stopTasksAtOnce } from '../../support/moto.js';
import {
  auditEvents,
  recordingReporter,
  runDeps,
  runRequest,
  clockAt,
  setUpStack,
  stopTaskNow,
  type Harness,
} from './harness.js';

let h: Harness;

beforeEach(async () => {
  await resetMoto();
  await keepTasksRunning();
  h = await setUpStack();
});
afterEach(() => h.restore());

async function describeTask(taskArn: string): Promise<Task> {
  const ecs = await h.clients.ecs();
  const out = await ecs.send(
    new DescribeTasksCommand({ cluster: h.stack.outputs.clusterName, tasks: [taskArn], include: ['TAGS'] }),
  );
  const task = out.tasks?.[0];
  if (!task) throw new Error(`no task ${taskArn}`);
  return task;
}

async function revisions(): Promise<number> {
  const ecs = await h.clients.ecs();
  return (await ecs.send(new ListTaskDefinitionsCommand({}))).taskDefinitionArns?.length ?? 0;
}

const neverAborted = () => new AbortController().signal;

describe('startExecution', () => {
  it('writes record, lock and audit event, then starts the task with the execution ID, lock, fence, startedBy and tags', async () => {
    const reporter = recordingReporter();
    const before = Date.now();
    const record = await startExecution(
      runDeps(h, reporter),
      runRequest({
        lockName: 'deploy',
        command: ['sh', '-c', 'echo "$RUNVOY_LOCK_FENCE"'],
        env: [{ name: 'GREETING', value: 'hi there' }],
        tags: { team: 'infra' },
      }),
    );
    const after = Date.now();

    expect(record).toMatchObject({ lockName: 'deploy', fence: 1, origin: 'cli', detached: true });
    expect(['STARTING', 'RUNNING']).toContain(record.status);
    expect(record.taskArn).toMatch(/^arn:aws:ecs:us-east-1:123456789012:task\//);
    expect(await h.store.getExecution(record.id)).toMatchObject({
      status: record.status,
      taskArn: record.taskArn,
    });

    const lock = await h.store.getLock('deploy');
    expect(lock).toMatchObject({ state: 'HELD', holderExecutionId: record.id, fence: 1 });
    expect(lock?.command).toEqual(['sh', '-c', 'echo "$RUNVOY_LOCK_FENCE"']);
    // Detached without --timeout: the lease lasts 14 days (the task is still checked before any takeover).
    expect(lock?.leaseExpiresAt).toBeGreaterThanOrEqual(before + DETACHED_LEASE_MS);
    expect(lock?.leaseExpiresAt).toBeLessThanOrEqual(after + DETACHED_LEASE_MS);

    expect(await auditEvents(h)).toEqual([
      expect.objectContaining({ action: 'run', executionId: record.id, lockName: 'deploy' }),
    ]);

    const task = await describeTask(record.taskArn ?? '');
    expect(task.startedBy).toBe(`runvoy/${record.id}`);
    const container = task.overrides?.containerOverrides?.[0];
    expect(container?.name).toBe('runner');
    expect(container?.command).toEqual(['sh', '-c', 'echo "$RUNVOY_LOCK_FENCE"']);
    expect(container?.environment).toEqual(
      expect.arrayContaining([
        { name: 'GREETING', value: 'hi there' },
        { name: 'RUNVOY_EXECUTION_ID', value: record.id },
        { name: 'RUNVOY_LOCK_NAME', value: 'deploy' },
        { name: 'RUNVOY_LOCK_FENCE', value: '1' },
      ]),
    );
    expect(task.tags).toEqual(
      expect.arrayContaining([
        { key: 'team', value: 'infra' },
        { key: 'runvoy:execution-id', value: record.id },
        { key: 'runvoy:lock', value: 'deploy' },
        { key: 'runvoy:caller', value: h.stack.identity.arn },
      ]),
    );
    expect(reporter.events.map((e) => e.kind)).toEqual(['lock', 'registered', 'started']);
  });

  it('registers the task definition on first use only', async () => {
    const cold = recordingReporter();
    await startExecution(runDeps(h, cold), runRequest());
    const count = await revisions();
    expect(count).toBe(1);
    const warm = recordingReporter();
    const second = await startExecution(runDeps(h, warm), runRequest({ command: ['echo', 'again'] }));
    expect(second.taskArn).toBeTruthy();
    expect(await revisions()).toBe(count);
    expect(warm.events.map((e) => e.kind)).toEqual(['started']);
  });

  it('gives every run a first lease that outlasts its RunTask deadline plus the grace margin (an attached run, a short --timeout), and a long --timeout run a lease and a schedule up to its deadline', async () => {
    // Until its task is recorded only the lease protects a holder: it must not expire while RunTask may
    // still start the task (issue 11 item 2): it lasts reconcile's grace floor from when the lock was taken,
    // the instant the RunTask deadline counts from. The heartbeat shortens it to ATTACHED_LEASE_MS afterwards.
    const t0 = Date.now();
    const attachedRun = await startExecution(runDeps(h), runRequest({ lockName: 'a', detach: false }));
    const t1 = Date.now();
    const lock = await h.store.getLock('a');
    const lease = lock?.leaseExpiresAt ?? 0;
    expect(LOST_GRACE_FLOOR_MS).toBeGreaterThan(ATTACHED_LEASE_MS);
    expect(lease).toBe(Date.parse(lock?.acquiredAt ?? '') + LOST_GRACE_FLOOR_MS);
    expect(lease).toBeGreaterThanOrEqual(t0 + LOST_GRACE_FLOOR_MS);
    expect(lease).toBeLessThanOrEqual(t1 + LOST_GRACE_FLOOR_MS);
    expect(attachedRun.timeoutScheduleName).toBeUndefined();

    const t2 = Date.now();
    const short = await startExecution(runDeps(h), runRequest({ lockName: 'c', timeoutMs: 60_000 }));
    const t3 = Date.now();
    const shortLease = (await h.store.getLock('c'))?.leaseExpiresAt ?? 0;
    expect(shortLease).toBeGreaterThan(Date.parse(short.timeoutAt ?? ''));
    expect(shortLease).toBeGreaterThanOrEqual(t2 + LOST_GRACE_FLOOR_MS);
    expect(shortLease).toBeLessThanOrEqual(t3 + LOST_GRACE_FLOOR_MS);

    const timed = await startExecution(runDeps(h), runRequest({ lockName: 'b', timeoutMs: 2 * 3_600_000 }));
    expect((await h.store.getLock('b'))?.leaseExpiresAt).toBe(Date.parse(timed.timeoutAt ?? ''));
    expect(timed.timeoutScheduleName).toBe(timeoutScheduleName(timed.id));
    const scheduler = await h.clients.scheduler();
    const schedule = await scheduler.send(new GetScheduleCommand({ Name: timed.timeoutScheduleName }));
    expect(JSON.parse(schedule.Target?.Input ?? '{}')).toMatchObject({ Task: timed.taskArn });
    expect(schedule.Target?.RoleArn).toBe(h.stack.outputs.schedulerRoleArn);
  });

  it('marks the record FAILED and frees the lock when RunTask is refused, then throws', async () => {
    const broken = { ...h.stack, outputs: { ...h.stack.outputs, clusterName: 'no-such-cluster' } };
    const deps = { ...runDeps(h), stack: broken };
    const error = await startExecution(deps, runRequest({ lockName: 'deploy' })).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    const lock = await h.store.getLock('deploy');
    expect(lock).toMatchObject({ state: 'FREE', fence: 1 });
    const audit = await auditEvents(h);
    const record = await h.store.getExecution(audit[0]?.executionId ?? '');
    expect(record).toMatchObject({ status: 'FAILED', exitCode: null, costStatus: 'unavailable' });
    expect(record?.stoppedReason).toBeTruthy();
  });

  it('reports a held lock with exit 3, and writes nothing for the refused run', async () => {
    const first = await startExecution(runDeps(h), runRequest({ lockName: 'deploy' }));
    const error = await startExecution(runDeps(h), runRequest({ lockName: 'deploy' })).then(
      () => undefined,
      (e: unknown) => e as RunvoyError,
    );
    expect(error).toBeInstanceOf(RunvoyError);
    expect(error?.exitCode).toBe(3);
    expect(error?.message).toContain(first.id);
    expect(error?.message).toContain(h.stack.identity.arn);
    expect((await auditEvents(h)).map((e) => e.executionId)).toEqual([first.id]);
  });
});

describe('watchExecution', () => {
  async function attached(lockName = 'deploy'): Promise<ExecutionRecord> {
    return startExecution(runDeps(h), runRequest({ lockName, detach: false, command: ['sleep', '600'] }));
  }

  it('records STOPPED (exit 130) and frees the lock when the task is killed mid-run', async () => {
    const record = await attached();
    let sleeps = 0;
    const result = await watchExecution(runDeps(h), record, {
      detachSignal: neverAborted(),
      pollMs: () => 0,
      sleep: async () => {
        sleeps += 1;
        if (sleeps === 1) await stopTaskNow(h, record.taskArn ?? '', `${KILL_REASON_PREFIX} someone else`);
      },
    });
    expect(result.kind).toBe('finished');
    if (result.kind !== 'finished') return;
    expect(result.finalised.record.status).toBe('STOPPED');
    expect(exitCodeForOutcome(result.finalised.outcome)).toBe(130);
    expect(result.finalised.lockReleased).toBe(true);
    expect(await h.store.getExecution(record.id)).toMatchObject({ status: 'STOPPED' });
    expect(await h.store.getLock('deploy')).toMatchObject({ state: 'FREE', fence: 1 });
  });

  it('stops the task at --timeout, records TIMED_OUT (exit 124), frees the lock and deletes the schedule', async () => {
    const record = await startExecution(
      runDeps(h),
      runRequest({ lockName: 'deploy', detach: false, timeoutMs: 60_000, command: ['sleep', '600'] }),
    );
    expect(record.timeoutScheduleName).toBeTruthy();
    const deadline = Date.parse(record.timeoutAt ?? '');
    const result = await watchExecution({ ...runDeps(h), clock: clockAt(() => deadline + 1) }, record, {
      detachSignal: neverAborted(),
      pollMs: () => 0,
      sleep: async () => undefined,
    });
    expect(result.kind).toBe('finished');
    if (result.kind !== 'finished') return;
    expect(result.finalised.record.status).toBe('TIMED_OUT');
    expect(exitCodeForOutcome(result.finalised.outcome)).toBe(124);
    expect((await describeTask(record.taskArn ?? '')).stoppedReason).toBe('runvoy: --timeout reached');
    expect(await h.store.getLock('deploy')).toMatchObject({ state: 'FREE' });
    const scheduler = await h.clients.scheduler();
    await expect(
      scheduler.send(new GetScheduleCommand({ Name: record.timeoutScheduleName })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('renews the lease by heartbeat while attached', async () => {
    const record = await attached();
    let clock = Date.now();
    const leases: Array<{ lease: number; now: number }> = [];
    let sleeps = 0;
    await watchExecution({ ...runDeps(h), clock: clockAt(() => clock) }, record, {
      detachSignal: neverAborted(),
      pollMs: () => 0,
      sleep: async () => {
        sleeps += 1;
        leases.push({ lease: (await h.store.getLock('deploy'))?.leaseExpiresAt ?? 0, now: clock });
        clock += HEARTBEAT_MS + 1_000;
        if (sleeps === 4) await stopTaskNow(h, record.taskArn ?? '', `${KILL_REASON_PREFIX} test`);
      },
    });
    // The first lease outlasts RunTask; once the task is recorded, each heartbeat pushes the lease to (fake)
    // now + 2 minutes.
    expect(leases).toHaveLength(4);
    for (const [i, seen] of leases.entries()) {
      if (i === 0) continue;
      expect(seen.lease).toBe((leases[i - 1]?.now ?? 0) + HEARTBEAT_MS + 1_000 + ATTACHED_LEASE_MS);
    }
    expect(leases[2]?.lease).toBeGreaterThan(leases[1]?.lease ?? Infinity);
    expect(leases[3]?.lease).toBeGreaterThan(leases[2]?.lease ?? Infinity);
  });

  it('on Ctrl-C, detaches: the task keeps running and keeps its lock, with the lease moved to the deadline', async () => {
    const record = await attached();
    const controller = new AbortController();
    controller.abort();
    const before = Date.now();
    const result = await watchExecution(runDeps(h), record, {
      detachSignal: controller.signal,
      pollMs: () => 0,
      sleep: async () => undefined,
    });
    expect(result.kind).toBe('detached');
    expect(await h.store.getExecution(record.id)).toMatchObject({ detached: true });
    const lock = await h.store.getLock('deploy');
    expect(lock).toMatchObject({ state: 'HELD', holderExecutionId: record.id });
    expect(lock?.leaseExpiresAt).toBeGreaterThanOrEqual(before + DETACHED_LEASE_MS);
    expect((await describeTask(record.taskArn ?? '')).lastStatus).not.toBe('STOPPED');
  });
});

describe('finaliseExecution', () => {
  it('is harmless twice (run and reconcile): the second finds it done and releases nothing', async () => {
    await stopTasksAtOnce();
    const record = await startExecution(runDeps(h), runRequest({ lockName: 'deploy' }));
    const task = await describeTask(record.taskArn ?? '');
    expect(task.lastStatus).toBe('STOPPED');
    const first = await finaliseExecution({ clients: h.clients, store: h.store }, record, task);
    const second = await finaliseExecution({ clients: h.clients, store: h.store }, record, task);
    expect(first).toMatchObject({ byUs: true, lockReleased: true });
    expect(first.record.status).toBe('SUCCEEDED');
    expect(second).toMatchObject({ byUs: false, lockReleased: false });
    expect(second.record.status).toBe('SUCCEEDED');
  });

  it('of a holder whose lock was taken over does not free the new holder’s lock', async () => {
    const a = await startExecution(runDeps(h), runRequest({ lockName: 'deploy' }));
    await stopTaskNow(h, a.taskArn ?? '');
    const b = await startExecution(runDeps(h), runRequest({ lockName: 'deploy' }));
    expect(b.fence).toBe(2);
    // A's CLI comes back and finalises its own run.
    const finalised = await finaliseExecution(
      { clients: h.clients, store: h.store },
      a,
      await describeTask(a.taskArn ?? ''),
    );
    expect(finalised.lockReleased).toBe(false);
    expect(await h.store.getLock('deploy')).toMatchObject({
      state: 'HELD',
      holderExecutionId: b.id,
      fence: 2,
    });
  });
});
