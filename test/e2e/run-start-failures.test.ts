/**
 * Issue 11 item 3: a failure once the record is written (the record update after RunTask, RunTask and then
 * the FAILED write, a RunTask whose answer is lost) always names the execution, says what state things are
 * in and what to do next, never advises running the command again while a task may have started, and
 * leaves a state that `runvoy reconcile` brings back to agreement. The faults come from a proxy in front
 * of the emulator (test/support/fault-proxy.ts).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { newConfigDir, runCli, type CliResult, jsonResult } from '../support/cli.js';
import {
  backdate,
  disagreements,
  emulatorState,
  type EmulatorState,
  type ExecutionRow,
} from '../support/emulator-state.js';
import { startFaultProxy, type Fault } from '../support/fault-proxy.js';
import { keepTasksRunning, motoUrl, resetMoto, stopTasksAtOnce } from '../support/moto.js';

const IMAGE = 'public.ecr.aws/docker/library/alpine:3.20';
const RERUN = /run (it|the command|this command)? ?again|try again|rerun/i;
/** Long past any grace period. */
const LONG_AGO_MS = 2 * 60 * 60_000;

let configDir: string;
const cli = (args: string[], env?: Record<string, string>) => runCli(args, { configDir, env });

/** The last event of `run --json` that failed: the failure envelope as an `error` event. */
interface ErrorEvent {
  type: 'error';
  ok: false;
  error: {
    code: string;
    message: string;
    fix?: string;
    exitCode: number;
    executionId?: string;
    taskArn?: string;
    state?: Record<string, unknown>;
  };
}

/** `run --detach --lock LOCK ... -- sleep 600` through a fault proxy that applies `plan`. */
async function runThroughFaults(
  lock: string,
  plan: (operation: string, n: number) => Fault,
  extra: string[] = [],
): Promise<CliResult> {
  const proxy = await startFaultProxy(motoUrl(), plan);
  try {
    return await cli(['run', '--detach', '--lock', lock, '--image', IMAGE, ...extra, '--', 'sleep', '600'], {
      AWS_ENDPOINT_URL: proxy.url,
    });
  } finally {
    await proxy.close();
  }
}

function recordOn(state: EmulatorState, lock: string): ExecutionRow {
  const found = state.executions.find((e) => e.lockName === lock);
  if (!found) throw new Error(`no record holds lock ${lock}`);
  return found;
}

const tasksOf = (state: EmulatorState, id: string) =>
  state.tasks.filter((t) => t.startedBy === `runvoy/${id}`);

async function reconcile(): Promise<{ counts: Record<string, number>; actions: unknown[] }> {
  const result = await cli(['reconcile', '--json']);
  expect(result.exitCode, result.stderr).toBe(0);
  return jsonResult<{ counts: Record<string, number>; actions: unknown[] }>(result.stdout);
}

describe('run: failures once the record is written', () => {
  beforeEach(async () => {
    await resetMoto();
    configDir = newConfigDir();
    const init = await cli(['init', '--yes', '--vpc', 'default']);
    expect(init.exitCode, init.stderr).toBe(0);
    // Registers the task definition, so that one RunTask starts the task.
    await stopTasksAtOnce();
    const warm = await cli(['run', '--image', IMAGE, '--', 'true']);
    expect(warm.exitCode, warm.stderr).toBe(0);
    await keepTasksRunning();
  });

  it('the record update after RunTask fails: exit 1 naming the execution and its running task, how to follow or stop it, no rerun advice; reconcile then records the task', async () => {
    const failUpdates = (operation: string): Fault => (operation === 'UpdateItem' ? 'reset' : 'pass');
    const text = await runThroughFaults('text', failUpdates);
    const asJson = await runThroughFaults('json', failUpdates, ['--json']);

    const broken = await emulatorState();
    const textRun = recordOn(broken, 'text');
    const jsonRun = recordOn(broken, 'json');
    for (const run of [textRun, jsonRun]) {
      expect(run).toMatchObject({ status: 'PENDING' });
      expect(tasksOf(broken, run.id).map((t) => t.lastStatus)).toEqual(['RUNNING']);
    }
    const textTask = tasksOf(broken, textRun.id)[0]?.taskArn ?? '';

    expect(text.exitCode).toBe(1);
    // --detach prints the execution ID on stdout whenever the record was written, even on failure.
    expect(text.stdout).toBe(`${textRun.id}\n`);
    expect(text.stderr).toContain(textRun.id);
    expect(text.stderr).toContain(textTask);
    expect(text.stderr).toMatch(/still running|is running/i);
    expect(text.stderr).toContain(`runvoy logs ${textRun.id} --follow`);
    expect(text.stderr).toContain(`runvoy kill ${textRun.id}`);
    expect(text.stderr).toContain('runvoy reconcile');
    expect(text.stderr).not.toMatch(RERUN);

    expect(asJson.exitCode).toBe(1);
    const doc = JSON.parse(asJson.stdout.trim().split('\n').pop() ?? '') as ErrorEvent;
    expect(doc).toMatchObject({
      type: 'error',
      ok: false,
      error: {
        exitCode: 1,
        executionId: jsonRun.id,
        taskArn: tasksOf(broken, jsonRun.id)[0]?.taskArn,
        state: { recordWritten: true, taskStarted: true, lockHeld: true, lockName: 'json' },
      },
    });
    expect(doc.error.fix).not.toMatch(RERUN);

    const report = await reconcile();
    expect(report.counts).toMatchObject({ progressed: 2, lost: 0 });
    const repaired = await emulatorState();
    for (const run of [textRun, jsonRun]) {
      const record = repaired.executions.find((e) => e.id === run.id);
      expect(record?.status).toMatch(/^(STARTING|RUNNING)$/);
      expect(record?.taskArn).toBe(tasksOf(repaired, run.id)[0]?.taskArn);
      expect(repaired.locks.find((l) => l.name === run.lockName)).toMatchObject({
        state: 'HELD',
        holderExecutionId: run.id,
      });
    }
    expect(disagreements(repaired)).toEqual([]);
  });

  it('RunTask is refused and the FAILED write fails too: exit 1 says both, names the execution and the held lock; reconcile marks it LOST after the grace period and frees the lock', async () => {
    const result = await runThroughFaults('refused', (operation) =>
      operation === 'RunTask' ? 'deny' : operation === 'UpdateItem' ? 'reset' : 'pass',
    );
    const broken = await emulatorState();
    const run = recordOn(broken, 'refused');
    expect(run.status).toBe('PENDING');
    expect(tasksOf(broken, run.id)).toEqual([]);
    expect(broken.locks.find((l) => l.name === 'refused')).toMatchObject({ state: 'HELD' });

    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe(`${run.id}\n`);
    expect(result.stderr).toContain(run.id);
    expect(result.stderr).toMatch(/did not start/i);
    expect(result.stderr).toMatch(/could not (mark|record)[^\n]*FAILED/i);
    expect(result.stderr).toMatch(/no task (is )?running|nothing (is )?running/i);
    expect(result.stderr).toContain('runvoy reconcile');
    expect(result.stderr).toContain('runvoy locks release refused --force');

    // Within the grace period reconcile waits (RunTask could still be on its way for all it knows) ...
    expect((await reconcile()).counts).toMatchObject({ lost: 0 });
    // ... and once it has passed, converges: LOST, lock freed.
    await backdate(run.id, LONG_AGO_MS);
    expect((await reconcile()).counts).toMatchObject({ lost: 1, locksReleased: 1 });
    const repaired = await emulatorState();
    expect(repaired.executions.find((e) => e.id === run.id)?.status).toBe('LOST');
    expect(repaired.locks.find((l) => l.name === 'refused')).toMatchObject({ state: 'FREE', fence: 1 });
    expect(disagreements(repaired)).toEqual([]);
  });

  it("RunTask's answer is lost: runvoy finds the task by its startedBy and carries on (one task, ID printed)", async () => {
    // The first RunTask reaches ECS and its answer is lost; the SDK's retries never arrive (on AWS the same
    // clientToken would return the same task; moto ignores clientToken).
    const result = await runThroughFaults('lost', (operation, n) =>
      operation === 'RunTask' ? (n === 1 ? 'lose-answer' : 'reset') : 'pass',
    );
    expect(result.exitCode, result.stderr).toBe(0);
    const id = result.stdout.trim();
    expect(id).toMatch(/^[0-9a-z]{12}$/);
    expect(result.stderr).toMatch(/answer was lost/i);
    const state = await emulatorState();
    const tasks = tasksOf(state, id);
    expect(tasks).toHaveLength(1);
    expect(state.executions.find((e) => e.id === id)).toMatchObject({ taskArn: tasks[0]?.taskArn });
    expect(disagreements(state)).toEqual([]);
    expect((await reconcile()).actions).toEqual([]);
  });

  it("RunTask's answer is lost and ECS cannot be asked: exit 1 says the task may have started, names the execution, no rerun advice; reconcile adopts the task", async () => {
    const lostAndUnreachable = (operation: string, n: number): Fault =>
      operation === 'RunTask'
        ? n === 1
          ? 'lose-answer'
          : 'reset'
        : operation === 'ListTasks'
          ? 'reset'
          : 'pass';
    const text = await runThroughFaults('maybe', lostAndUnreachable);
    const asJson = await runThroughFaults('maybe-json', lostAndUnreachable, ['--json']);

    const broken = await emulatorState();
    const textRun = recordOn(broken, 'maybe');
    const jsonRun = recordOn(broken, 'maybe-json');
    expect(textRun.status).toBe('PENDING');
    expect(tasksOf(broken, textRun.id)).toHaveLength(1);

    expect(text.exitCode).toBe(1);
    expect(text.stdout).toBe(`${textRun.id}\n`);
    expect(text.stderr).toContain(textRun.id);
    expect(text.stderr).toMatch(/may have started/i);
    expect(text.stderr).toContain(`runvoy status ${textRun.id}`);
    expect(text.stderr).toContain(`runvoy kill ${textRun.id}`);
    expect(text.stderr).toContain('runvoy reconcile');
    expect(text.stderr).not.toMatch(RERUN);

    expect(asJson.exitCode).toBe(1);
    const doc = JSON.parse(asJson.stdout.trim().split('\n').pop() ?? '') as ErrorEvent;
    expect(doc.type).toBe('error');
    expect(doc.error).toMatchObject({
      executionId: jsonRun.id,
      state: { recordWritten: true, taskStarted: 'unknown', lockHeld: true },
    });
    expect(doc.error.fix).not.toMatch(RERUN);

    expect((await reconcile()).counts).toMatchObject({ progressed: 2, lost: 0 });
    const repaired = await emulatorState();
    for (const run of [textRun, jsonRun]) {
      const record = repaired.executions.find((e) => e.id === run.id);
      expect(record?.status).toMatch(/^(STARTING|RUNNING)$/);
      expect(record?.taskArn).toBe(tasksOf(repaired, run.id)[0]?.taskArn);
    }
    expect(disagreements(repaired)).toEqual([]);
  });
});
