/**
 * An attached run with its log (attachExecution), the same loop following (`logs --follow`) and the
 * kill key (killExecutionTask), against the emulator with a deployed stack. The tests write the run's
 * log stream themselves: no container runs in moto.
 */
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ECSClient } from '@aws-sdk/client-ecs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AwsClients } from '../../../src/aws/clients.js';
import { RunvoyError } from '../../../src/core/errors.js';
import type { LogLine } from '../../../src/aws/logs.js';
import { exitCodeForOutcome } from '../../../src/core/task-result.js';
import { logStreamName } from '../../../src/core/run-plan.js';
import {
  attachExecution,
  killExecutionTask,
  startExecution,
  watchExecution,
} from '../../../src/services/run.js';
import { putLines } from '../../support/log-writer.js';
import { startFaultProxy } from '../../support/fault-proxy.js';
import { keepTasksRunning, motoUrl, resetMoto, sdkConfig, TEST_REGION } from '../../support/moto.js';
import {
  recordingReporter,
  runDeps,
  runRequest,
  clockAt,
  setUpStack,
  stopTaskNow,
  type Harness,
} from '../run/harness.js';

let h: Harness;
const FAST = { minPollMs: 20, maxPollMs: 60, drainGraceMs: 150 };
const quickPoll = () => 50;

async function write(taskArn: string, lines: string[]): Promise<void> {
  await putLines(await h.clients.logs(), h.stack.outputs.logGroupName, logStreamName(taskArn), lines);
}

describe('attached run with its log', () => {
  beforeAll(async () => {
    await resetMoto();
    h = await setUpStack();
  });

  afterAll(() => h?.restore());

  beforeEach(async () => {
    await keepTasksRunning();
  });

  it('streams every line once and in order, drains after the task stops, then returns the finalised run', async () => {
    const deps = runDeps(h);
    const record = await startExecution(deps, runRequest({ detach: false }));
    const seen: string[] = [];
    const attached = attachExecution(deps, record, {
      detachSignal: new AbortController().signal,
      pollMs: quickPoll,
      onLines: (lines: LogLine[]) => {
        seen.push(...lines.map((l) => l.message));
      },
      tailTiming: FAST,
    });
    const lines = Array.from({ length: 500 }, (_, i) => `line ${i}`);
    await write(record.taskArn ?? '', lines.slice(0, 200));
    await new Promise((r) => setTimeout(r, 150));
    await write(record.taskArn ?? '', lines.slice(200));
    await stopTaskNow(h, record.taskArn ?? '');
    const result = await attached;
    expect(result.kind).toBe('finished');
    expect(seen).toEqual(lines);
  });

  it('stops streaming when the user detaches, and leaves the task running', async () => {
    const deps = runDeps(h);
    const record = await startExecution(deps, runRequest({ detach: false }));
    const detach = new AbortController();
    const seen: string[] = [];
    const attached = attachExecution(deps, record, {
      detachSignal: detach.signal,
      pollMs: quickPoll,
      onLines: (lines) => {
        seen.push(...lines.map((l) => l.message));
        detach.abort();
      },
      tailTiming: FAST,
    });
    await write(record.taskArn ?? '', ['only line']);
    const result = await attached;
    expect(result.kind).toBe('detached');
    expect(seen).toEqual(['only line']);
    expect((await h.store.getExecution(record.id))?.status).toBe('RUNNING');
    await stopTaskNow(h, record.taskArn ?? '');
  });

  it('warns, and keeps watching the run, when the log cannot be read (access denied)', async () => {
    const reporter = recordingReporter();
    const deps = runDeps(h, reporter);
    const record = await startExecution(deps, runRequest({ detach: false }));
    const proxy = await startFaultProxy(motoUrl(), (op) => (op === 'GetLogEvents' ? 'deny' : 'pass'));
    const denied = new CloudWatchLogsClient({ ...sdkConfig(), endpoint: proxy.url, maxAttempts: 1 });
    const clients = Object.assign(Object.create(h.clients) as AwsClients, { logs: async () => denied });
    try {
      const attached = attachExecution({ ...deps, clients }, record, {
        detachSignal: new AbortController().signal,
        pollMs: quickPoll,
        onLines: () => undefined,
        tailTiming: FAST,
      });
      await new Promise((r) => setTimeout(r, 300));
      await stopTaskNow(h, record.taskArn ?? '');
      expect((await attached).kind).toBe('finished');
      const warnings = reporter.events.filter((e) => e.kind === 'warn').map((e) => String(e.detail));
      expect(warnings.some((w) => /log stopped streaming.*not authorized/.test(w))).toBe(true);
    } finally {
      denied.destroy();
      await proxy.close();
    }
  });

  /** Clients whose ECS calls go through a fault proxy, one attempt each, so that each fault fails a call. */
  async function withFaultyEcs(
    plan: (operation: string, n: number) => 'pass' | 'reset',
    base: AwsClients = h.clients,
  ) {
    const proxy = await startFaultProxy(motoUrl(), plan);
    const ecs = new ECSClient({ ...sdkConfig(), endpoint: proxy.url, maxAttempts: 1 });
    const clients = Object.assign(Object.create(base) as AwsClients, { ecs: async () => ecs });
    return {
      clients,
      close: async () => {
        ecs.destroy();
        await proxy.close();
      },
    };
  }

  it('stays attached through polls that fail for a while (broken connections), says so, and finishes normally', async () => {
    const reporter = recordingReporter();
    const deps = runDeps(h, reporter);
    const record = await startExecution(deps, runRequest({ detach: false }));
    const faulty = await withFaultyEcs((op, n) =>
      op === 'DescribeTasks' && n >= 2 && n <= 4 ? 'reset' : 'pass',
    );
    try {
      let settled = false;
      const attached = attachExecution({ ...deps, clients: faulty.clients }, record, {
        detachSignal: new AbortController().signal,
        pollMs: quickPoll,
        onLines: () => undefined,
        tailTiming: FAST,
      }).finally(() => (settled = true));
      const answersAgain = () =>
        reporter.events.some((e) => e.kind === 'warn' && /answers again/.test(String(e.detail)));
      while (!settled && !answersAgain()) await new Promise((r) => setTimeout(r, 50));
      await stopTaskNow(h, record.taskArn ?? '');
      const result = await attached;
      expect(result.kind).toBe('finished');
      const warnings = reporter.events.filter((e) => e.kind === 'warn').map((e) => String(e.detail));
      expect(warnings.filter((w) => /the task keeps running, and runvoy keeps trying/.test(w))).toHaveLength(
        1,
      );
    } finally {
      await faulty.close();
    }
  });

  it('past aws.timeout of failed polls, lets go as a detach does and throws LOST_CONTACT: task running, lock kept', async () => {
    const bounded = new AwsClients({ region: TEST_REGION, timeoutMs: 1_500 });
    const faulty = await withFaultyEcs(
      (op, n) => (op === 'DescribeTasks' && n >= 2 ? 'reset' : 'pass'),
      bounded,
    );
    try {
      const deps = runDeps(h);
      const record = await startExecution(deps, runRequest({ detach: false, lockName: 'attach-lost' }));
      const error = await attachExecution({ ...deps, clients: faulty.clients }, record, {
        detachSignal: new AbortController().signal,
        pollMs: quickPoll,
        onLines: () => undefined,
        tailTiming: FAST,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RunvoyError);
      const lost = error as RunvoyError;
      expect(lost).toMatchObject({ code: 'LOST_CONTACT', exitCode: 1 });
      expect(lost.what).toContain(`Lost contact with AWS while attached to ${record.id}`);
      expect(lost.why).toMatch(/still runs on ECS/);
      expect(lost.data).toMatchObject({ executionId: record.id, lock: 'attach-lost', leaseExtended: true });
      const doc = await h.clients.documents();
      const lock = await doc.send(
        new GetCommand({ TableName: h.stack.outputs.tableName, Key: { pk: 'LOCK#attach-lost', sk: 'META' } }),
      );
      expect(lock.Item).toMatchObject({ state: 'HELD', holderExecutionId: record.id });
      expect(Number(lock.Item?.leaseExpiresAt)).toBeGreaterThan(Date.now() + 86_400_000);
      expect((await h.store.getExecution(record.id))?.detached).toBe(true);
      await stopTaskNow(h, record.taskArn ?? '');
    } finally {
      await faulty.close();
      bounded.destroy();
    }
  });

  it('following (logs --follow), a failed look is "still running" until ECS has not answered for aws.timeout; then LOST_CONTACT, writing nothing', async () => {
    const deps = runDeps(h);
    const record = await startExecution(deps, runRequest({ detach: true, lockName: 'follow-lost' }));
    const bounded = new AwsClients({ region: TEST_REGION, timeoutMs: 10_000 });
    const faulty = await withFaultyEcs((op) => (op === 'DescribeTasks' ? 'reset' : 'pass'), bounded);
    try {
      let clock = 0;
      const looks: number[] = [];
      const error = (await watchExecution(
        { ...deps, clients: faulty.clients, clock: clockAt(() => clock) },
        record,
        {
          mode: 'following',
          detachSignal: new AbortController().signal,
          sleep: async () => {
            looks.push(clock);
            clock += 5_000;
          },
        },
      ).catch((e: unknown) => e)) as RunvoyError;
      // Failed looks at 0 s and 5 s are "still running"; at 10 s ECS has not answered for aws.timeout.
      expect(looks).toEqual([0, 5_000]);
      expect(error).toMatchObject({ code: 'LOST_CONTACT', exitCode: 1 });
      expect(error.what).toContain(`Lost contact with AWS while following ${record.id}`);
      expect(error.why).toMatch(/following it neither takes nor renews the lock/);
      expect(error.fix).toContain(`runvoy kill ${record.id}`);
      // Following holds nothing: the run's record and lock are as the run left them.
      expect((await h.store.getExecution(record.id))?.detached).toBe(true);
      expect(await h.store.getLock('follow-lost')).toMatchObject({
        state: 'HELD',
        holderExecutionId: record.id,
      });
      await stopTaskNow(h, record.taskArn ?? '');
    } finally {
      await faulty.close();
      bounded.destroy();
    }
  });

  it('killExecutionTask stops the task with the caller in the reason; the run finalises STOPPED, exit 130', async () => {
    const deps = runDeps(h);
    const record = await startExecution(deps, runRequest({ detach: false, lockName: 'attach-kill' }));
    const attached = attachExecution(deps, record, {
      detachSignal: new AbortController().signal,
      pollMs: quickPoll,
      onLines: () => undefined,
      tailTiming: FAST,
    });
    await killExecutionTask(deps, record);
    const result = await attached;
    if (result.kind !== 'finished') throw new Error('expected the run to finish');
    expect(result.finalised.record).toMatchObject({
      status: 'STOPPED',
      killedBy: h.stack.identity.arn,
      stoppedReason: `runvoy: killed by ${h.stack.identity.arn}`,
    });
    expect(exitCodeForOutcome(result.finalised.record as never)).toBe(130);
  });

  it('following, the one poll loop finalises the record once when the task stops, and leaves the lock to the run', async () => {
    const reporter = recordingReporter();
    const deps = runDeps(h, reporter);
    const record = await startExecution(deps, runRequest({ detach: true }));
    let stopped = false;
    const result = await watchExecution(deps, record, {
      mode: 'following',
      detachSignal: new AbortController().signal,
      sleep: async () => {
        if (stopped) return;
        stopped = true;
        await stopTaskNow(h, record.taskArn ?? '');
      },
    });
    if (result.kind !== 'finished') throw new Error(`expected the task to finish, got ${result.kind}`);
    expect(result.finalised.record.status).toBe('SUCCEEDED');
    expect(result.finalised.byUs).toBe(true);
    expect((await h.store.getExecution(record.id))?.status).toBe('SUCCEEDED');
  });
});
