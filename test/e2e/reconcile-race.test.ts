/**
 * Issue 11 item 2: `reconcile` while a run's RunTask is still on its way must never leave two live tasks
 * on one lock. A proxy holds the first run's RunTask while reconcile (past the grace period) marks the
 * run LOST and frees its lock and a second run takes the lock; then RunTask goes through. The first run
 * must notice (its PENDING -> STARTING update is conditional) and stop the task it just started.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { startAwsProxy } from '../support/aws-proxy.js';
import { newConfigDir, runCli, type CliResult, jsonResult } from '../support/cli.js';
import { backdate, disagreements, emulatorState } from '../support/emulator-state.js';
import { startHoldProxy } from '../support/hold-proxy.js';
import { keepTasksRunning, motoUrl, resetMoto, stopTasksAtOnce } from '../support/moto.js';

const IMAGE = 'public.ecr.aws/docker/library/alpine:3.20';
/** Long past any grace period: what the clock shows when RunTask hung for longer than the grace. */
const LONG_AGO_MS = 2 * 60 * 60_000;

let configDir: string;
const cli = (args: string[], env?: Record<string, string>) => runCli(args, { configDir, env });

function json<T>(result: CliResult): T {
  expect(result.exitCode, result.stderr).toBe(0);
  return jsonResult<T>(result.stdout);
}

describe('reconcile during a slow RunTask', () => {
  beforeEach(async () => {
    await resetMoto();
    configDir = newConfigDir();
    const init = await cli(['init', '--yes', '--vpc', 'default']);
    expect(init.exitCode, init.stderr).toBe(0);
    // Registers the task definition, so that the RunTask the proxy holds is the one that starts the task.
    await stopTasksAtOnce();
    const warm = await cli(['run', '--image', IMAGE, '--', 'true']);
    expect(warm.exitCode, warm.stderr).toBe(0);
    await keepTasksRunning();
  });

  it('refuses a --grace below the floor that covers RunTask with exit 2, naming the floor, and sends nothing', async () => {
    const proxy = await startAwsProxy(motoUrl());
    try {
      for (const grace of ['0s', '30s', '6m']) {
        const result = await cli(['reconcile', '--grace', grace], { AWS_ENDPOINT_URL: proxy.url });
        expect(result.exitCode, result.stderr).toBe(2);
        expect(result.stderr).toContain('--grace');
        expect(result.stderr).toContain('at least 7m');
      }
      const json_ = await cli(['reconcile', '--grace', '0s', '--json'], { AWS_ENDPOINT_URL: proxy.url });
      expect(json_.exitCode).toBe(2);
      expect(JSON.parse(json_.stdout)).toMatchObject({
        ok: false,
        error: { code: 'VALIDATION', exitCode: 2 },
      });
      expect(proxy.requests).toEqual([]);
    } finally {
      await proxy.close();
    }
    const atFloor = await cli(['reconcile', '--grace', '7m', '--json']);
    expect(atFloor.exitCode, atFloor.stderr).toBe(0);
  });

  it('a run whose RunTask arrives after reconcile marked it LOST stops its own task: one live task on the lock, and record, lock and task agree', async () => {
    const hold = await startHoldProxy(motoUrl(), (r) => r.operation === 'RunTask');
    try {
      const first = cli(['run', '--detach', '--lock', 'deploy', '--image', IMAGE, '--', 'sleep', '600'], {
        AWS_ENDPOINT_URL: hold.url,
      });
      await hold.held;
      const pending = (await emulatorState()).executions.find((e) => e.lockName === 'deploy');
      expect(pending).toMatchObject({ status: 'PENDING' });
      const firstId = pending?.id ?? '';
      expect(pending?.taskArn).toBeUndefined();

      // Within the grace period reconcile leaves a run whose RunTask is on its way alone.
      const early = json<{ counts: Record<string, number> }>(await cli(['reconcile', '--json']));
      expect(early.counts).toMatchObject({ lost: 0, locksReleased: 0 });

      // RunTask hangs past the grace period: reconcile marks the run LOST and frees the lock ...
      await backdate(firstId, LONG_AGO_MS);
      const report = json<{ counts: Record<string, number> }>(await cli(['reconcile', '--json']));
      expect(report.counts).toMatchObject({ lost: 1, locksReleased: 1 });

      // ... a second run takes the lock and starts its task ...
      const second = await cli([
        'run',
        '--detach',
        '--lock',
        'deploy',
        '--image',
        IMAGE,
        '--',
        'sleep',
        '600',
      ]);
      expect(second.exitCode, second.stderr).toBe(0);
      const secondId = second.stdout.trim();

      // ... and only then does the first run's RunTask reach ECS.
      hold.release();
      const firstResult = await first;
      expect(firstResult.exitCode, firstResult.stderr).toBe(1);
      expect(firstResult.stderr).toContain(firstId);
      expect(firstResult.stderr).toMatch(/LOST/);
      expect(firstResult.stderr).toMatch(/stopped/i);
      // --detach prints the execution ID on stdout whenever the record was written, even on failure.
      expect(firstResult.stdout).toBe(`${firstId}\n`);

      const state = await emulatorState();
      const onLock = state.tasks.filter((t) => t.tags?.some((tag) => tag.key === 'runvoy:lock'));
      expect(onLock).toHaveLength(2);
      const live = onLock.filter((t) => t.lastStatus !== 'STOPPED');
      expect(live.map((t) => t.startedBy)).toEqual([`runvoy/${secondId}`]);
      const stoppedTask = onLock.find((t) => t.startedBy === `runvoy/${firstId}`);
      expect(stoppedTask).toMatchObject({ lastStatus: 'STOPPED' });

      expect(state.executions.find((e) => e.id === firstId)).toMatchObject({
        status: 'LOST',
        taskArn: stoppedTask?.taskArn,
      });
      expect(state.executions.find((e) => e.id === secondId)?.status).toMatch(/^(STARTING|RUNNING)$/);
      expect(state.locks.find((l) => l.name === 'deploy')).toMatchObject({
        state: 'HELD',
        holderExecutionId: secondId,
        fence: 2,
      });
      expect(disagreements(state)).toEqual([]);

      // Nothing is left for reconcile to repair.
      const after = json<{ actions: unknown[] }>(await cli(['reconcile', '--json']));
      expect(after.actions).toEqual([]);
    } finally {
      hold.release();
      await hold.close();
    }
  });
});
