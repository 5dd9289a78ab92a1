/**
 * The list, status, kill, reconcile and audit services against the emulator (no CLI process), so that
 * their branches count towards coverage and can be driven precisely (records and tasks made directly).
 */
import { RegisterTaskDefinitionCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunvoyError } from '../../../src/core/errors.js';
import type { ExecutionRecord } from '../../../src/core/execution.js';
import { adoptedExecutionId } from '../../../src/core/reconcile-plan.js';
import { auditTrail } from '../../../src/services/audit.js';
import { killExecution, killReason } from '../../../src/services/kill.js';
import { listExecutions } from '../../../src/services/list.js';
import type { StackCommandContext } from '../../../src/context.js';
import { createWithLock, DETACHED_LEASE_MS } from '../../../src/services/lock-service.js';
import { reconcile } from '../../../src/services/reconcile.js';
import { executionStatus } from '../../../src/services/status.js';
import { keepTasksRunning, resetMoto } from '../../support/moto.js';
import { newRecord, setUpStack, startTaskFor, stopTaskNow, type Harness } from '../run/harness.js';

let h: Harness;
let ctx: Pick<StackCommandContext, 'clients' | 'store' | 'stack' | 'warn'>;
const warnings: string[] = [];

beforeEach(async () => {
  await resetMoto();
  await keepTasksRunning();
  h = await setUpStack();
  ctx = {
    clients: h.clients,
    store: h.store,
    stack: h.stack,
    warn: (m) => warnings.push(m),
  };
});
afterEach(() => h.restore());

const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

/** A record in the table with a live task, as a detached run leaves it (optionally behind a lock). */
async function liveRun(
  overrides: Partial<ExecutionRecord> = {},
  lockName?: string,
): Promise<ExecutionRecord> {
  let record = newRecord(h, overrides);
  if (lockName) {
    record = (
      await createWithLock(h.lockCtx(), record, lockName, {
        waitMs: 0,
        leaseUntil: (t) => t + DETACHED_LEASE_MS,
      })
    ).record;
  } else await h.store.createExecution(record);
  const task = await startTaskFor(h, record);
  return (
    (await h.store.updateExecution(record.id, ['PENDING'], { status: 'RUNNING', taskArn: task.taskArn })) ??
    record
  );
}

describe('listExecutions', () => {
  it('serves non-terminal statuses from the active index, filtered and newest first', async () => {
    const old = await liveRun({ createdAt: ago(10) }, 'deploy');
    const young = await liveRun({ createdAt: ago(5), image: 'other:1' });
    await h.store.createExecution(newRecord(h, { status: 'SUCCEEDED', createdAt: ago(1) }));

    const running = await listExecutions(ctx, { statuses: ['RUNNING'], limit: 10 });
    expect(running.index).toBe('active');
    expect(running.executions.map((e) => e.id)).toEqual([young.id, old.id]);
    expect(
      (await listExecutions(ctx, { statuses: ['RUNNING'], lock: 'deploy', limit: 10 })).executions,
    ).toHaveLength(1);
    expect(
      (await listExecutions(ctx, { statuses: ['RUNNING'], image: 'other:1', limit: 10 })).executions,
    ).toHaveLength(1);
    expect(
      (
        await listExecutions(ctx, {
          statuses: ['PENDING', 'RUNNING'],
          since: new Date(Date.now() - 7 * 60_000),
          limit: 10,
        })
      ).executions,
    ).toHaveLength(1);
    expect(
      (await listExecutions(ctx, { statuses: ['RUNNING'], callerArn: 'arn:aws:iam::1:user/x', limit: 10 }))
        .executions,
    ).toEqual([]);
    expect((await listExecutions(ctx, { statuses: ['RUNNING'], limit: 1 })).executions).toHaveLength(1);
  });

  it('reads byUser for one caller and byKind otherwise; refresh=false leaves stopped rows as read', async () => {
    const run = await liveRun();
    await stopTaskNow(h, run.taskArn ?? '');
    const unrefreshed = await listExecutions(ctx, {
      callerArn: h.stack.identity.arn,
      limit: 5,
      refresh: false,
    });
    expect(unrefreshed).toMatchObject({
      index: 'byUser',
      refreshed: [],
      executions: [{ id: run.id, status: 'RUNNING' }],
    });
    const refreshed = await listExecutions(ctx, { limit: 5 });
    expect(refreshed).toMatchObject({
      index: 'byKind',
      refreshed: [run.id],
      executions: [{ status: 'SUCCEEDED' }],
    });
  });
});

describe('executionStatus', () => {
  it('gives console links for a run with a task, and none before it has one', async () => {
    const run = await liveRun();
    const shown = await executionStatus(ctx, run.id);
    expect(shown.links.task).toContain(run.taskArn?.split('/').pop());
    expect(shown.logStream).toBe(`runvoy/runner/${run.taskArn?.split('/').pop()}`);
    const pending = newRecord(h);
    await h.store.createExecution(pending);
    expect(await executionStatus(ctx, pending.id)).toMatchObject({ links: {}, refreshed: false });
  });
});

describe('killExecution', () => {
  it('finds the task of a run whose ARN was never recorded (by startedBy) and stops it', async () => {
    const record = newRecord(h);
    await h.store.createExecution(record);
    const task = await startTaskFor(h, record);
    const killed = await killExecution(ctx, record.id);
    expect(killed).toMatchObject({ outcome: 'stopped', confirmed: true });
    expect(killed.execution).toMatchObject({
      status: 'STOPPED',
      taskArn: task.taskArn,
      killedBy: h.stack.identity.arn,
    });
  });

  it('does not claim to kill a run whose task had already stopped: it finalises it as it ended', async () => {
    const run = await liveRun();
    await stopTaskNow(h, run.taskArn ?? '');
    const result = await killExecution(ctx, run.id);
    expect(result).toMatchObject({
      outcome: 'already-finished',
      confirmed: true,
      execution: { status: 'SUCCEEDED' },
    });
    expect(result.execution.killedBy).toBeUndefined();
    const audit = await ctx.store.auditEvents({
      since: new Date(Date.now() - 3_600_000),
    });
    expect(audit.filter((e) => e.action === 'kill')).toEqual([]);
  });

  it('refuses a run that has no task at all, and says so', async () => {
    const record = newRecord(h);
    await h.store.createExecution(record);
    const error = await killExecution(ctx, record.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunvoyError);
    expect((error as RunvoyError).code).toBe('NO_TASK');
  });

  it('keeps the first killer when killed twice before the record is final', async () => {
    const run = await liveRun();
    await h.store.updateExecution(run.id, ['RUNNING'], {
      killedBy: 'arn:aws:sts::123456789012:user/first',
      killedAt: ago(1),
    });
    const again = await killExecution(ctx, run.id);
    expect(again.outcome).toBe('already-stopping');
    expect(again.execution.killedBy).toBe('arn:aws:sts::123456789012:user/first');
    expect(killReason('x'.repeat(400))).toHaveLength(255);
  });
});

describe('reconcile', () => {
  it('attaches the task of a run killed after RunTask, moving it to RUNNING; then nothing', async () => {
    const record = newRecord(h, { createdAt: ago(30) });
    await h.store.createExecution(record);
    const task = await startTaskFor(h, record);
    const report = await reconcile(ctx, { dryRun: false, graceMs: 60_000 });
    expect(report.counts).toMatchObject({ progressed: 1, adopted: 0, lost: 0 });
    expect(await h.store.getExecution(record.id)).toMatchObject({ status: 'RUNNING', taskArn: task.taskArn });
    expect((await reconcile(ctx, { dryRun: false, graceMs: 60_000 })).actions).toEqual([]);
  });

  it('stops a run past its timeout and finalises it as TIMED_OUT once ECS shows it stopped, freeing its lock', async () => {
    const run = await liveRun({ timeoutAt: ago(1), timeoutMs: 60_000 }, 'slow');
    const report = await reconcile(ctx, { dryRun: false, graceMs: 60_000 });
    expect(report.counts.timeoutsEnforced).toBe(1);
    expect(await h.store.getExecution(run.id)).toMatchObject({ status: 'TIMED_OUT' });
    expect(await h.store.getLock('slow')).toMatchObject({ state: 'FREE' });
  });

  it('adopts a task with its task definition (image, command, size), once, and audits it', async () => {
    const ecs = await h.clients.ecs();
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'adhoc',
        requiresCompatibilities: ['FARGATE'],
        networkMode: 'awsvpc',
        cpu: '1024',
        memory: '2048',
        runtimePlatform: { cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' },
        containerDefinitions: [
          { name: 'job', image: 'busybox:1.36', command: ['date'], memoryReservation: 64 },
        ],
      }),
    );
    const out = await ecs.send(
      new RunTaskCommand({
        cluster: h.stack.outputs.clusterName,
        taskDefinition: 'adhoc',
        launchType: 'FARGATE',
        networkConfiguration: {
          awsvpcConfiguration: {
            subnets: h.stack.outputs.subnetIds,
            securityGroups: [h.stack.outputs.securityGroupId],
          },
        },
        tags: [{ key: 'runvoy:caller', value: 'arn:aws:sts::123456789012:assumed-role/Ops/carol' }],
      }),
    );
    const taskArn = out.tasks?.[0]?.taskArn ?? '';
    const dry = await reconcile(ctx, { dryRun: true, graceMs: 60_000 });
    expect(dry.counts.adopted).toBe(1);
    expect(await h.store.getExecution(adoptedExecutionId(taskArn))).toBeUndefined();

    const report = await reconcile(ctx, { dryRun: false, graceMs: 60_000 });
    expect(report.counts.adopted).toBe(1);
    expect(await h.store.getExecution(adoptedExecutionId(taskArn))).toMatchObject({
      origin: 'adopted',
      image: 'busybox:1.36',
      command: ['date'],
      cpu: 1024,
      memory: 2048,
      arch: 'arm64',
      callerArn: 'arn:aws:sts::123456789012:assumed-role/Ops/carol',
    });
    const shown = await executionStatus(ctx, adoptedExecutionId(taskArn));
    expect(shown.links.task).toContain(taskArn.split('/').pop());
    expect(shown.links.logs).toBeUndefined();
    expect((await reconcile(ctx, { dryRun: false, graceMs: 60_000 })).counts.adopted).toBe(0);
    const audit = await ctx.store.auditEvents({
      since: new Date(Date.now() - 3_600_000),
    });
    expect(audit.filter((e) => e.action === 'adopt')).toHaveLength(1);
  });

  it('releases a lock whose holder finished without releasing it, and reports what a dry run would do', async () => {
    const run = await liveRun({}, 'stuck');
    // The holder finished, but its CLI died before the release: the record is final, the lock still held.
    await h.store.updateExecution(run.id, ['RUNNING'], { status: 'SUCCEEDED', exitCode: 0 });
    const dry = await reconcile(ctx, { dryRun: true, graceMs: 60_000 });
    expect(dry.actions).toEqual([expect.objectContaining({ action: 'release-lock', lockName: 'stuck' })]);
    expect(await h.store.getLock('stuck')).toMatchObject({ state: 'HELD' });
    const real = await reconcile(ctx, { dryRun: false, graceMs: 60_000 });
    expect(real.counts.locksReleased).toBe(1);
    expect(await h.store.getLock('stuck')).toMatchObject({ state: 'FREE' });
  });

  it('in a dry run, reports the final status a stopped task would get and the lock it would free', async () => {
    const run = await liveRun({}, 'dry');
    await stopTaskNow(h, run.taskArn ?? '', killReason('arn:aws:sts::123456789012:user/dave'));
    const dry = await reconcile(ctx, { dryRun: true, graceMs: 60_000 });
    expect(dry.actions).toEqual([
      expect.objectContaining({ action: 'release-lock', lockName: 'dry' }),
      expect.objectContaining({ action: 'finalise', executionId: run.id, to: 'STOPPED' }),
    ]);
    expect(await h.store.getExecution(run.id)).toMatchObject({ status: 'RUNNING' });
  });
});

describe('auditTrail', () => {
  it('joins each event with the current outcome of its execution', async () => {
    const record = newRecord(h, { status: 'FAILED', exitCode: 3 });
    await h.store.createExecution(record, undefined, {
      id: `${record.id}-run`,
      at: record.createdAt,
      action: 'run',
      actorArn: record.callerArn,
      host: 'ci',
      executionId: record.id,
      detail: { image: 'alpine:3.20', command: ['false'] },
    });
    await h.store.putAudit({
      id: 'orphan-kill',
      at: new Date().toISOString(),
      action: 'kill',
      actorArn: 'arn:aws:sts::123456789012:user/x',
      host: 'h',
      executionId: 'zzzz00000000',
      detail: { taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/c/abc' },
    });
    const trail = await auditTrail(ctx, {
      since: new Date(Date.now() - 60_000),
      until: new Date(Date.now() + 60_000),
    });
    expect(trail.events).toEqual([
      expect.objectContaining({
        action: 'run',
        outcome: 'FAILED (exit 3)',
        what: 'alpine:3.20 -- false',
        host: 'ci',
      }),
      expect.objectContaining({ action: 'kill', outcome: 'record not found', what: 'stopped task abc' }),
    ]);
    expect(trail.until).toBeDefined();
  });
});
