import { describe, expect, it } from 'vitest';
import { executionRecord } from '../../support/records.js';
import type { ExecutionRecord } from '../../../src/core/execution.js';
import { isExecutionId } from '../../../src/core/ids.js';
import type { LockItem } from '../../../src/core/lock-protocol.js';
import {
  adoptedExecutionId,
  adoptedRecord,
  candidateIdOf,
  countRows,
  DEFAULT_LOST_GRACE_MS,
  executionIdOfTask,
  aliveIds,
  finishingIds,
  locksToCheck,
  planReconcile,
  type ClusterTask,
  type PlanInput,
} from '../../../src/core/reconcile-plan.js';
import type { ExecutionStatus } from '../../../src/core/status.js';

const NOW = Date.parse('2024-06-15T12:00:00.000Z');
const CLUSTER = 'arn:aws:ecs:eu-west-1:123456789012:cluster/runvoy-cluster';
const arn = (n: string) => `arn:aws:ecs:eu-west-1:123456789012:task/runvoy-cluster/${n.padEnd(32, '0')}`;
const minutesAgo = (m: number) => new Date(NOW - m * 60_000).toISOString();
const GRACE_MINUTES = DEFAULT_LOST_GRACE_MS / 60_000;

function record(id: string, overrides: Partial<ExecutionRecord> = {}): ExecutionRecord {
  return executionRecord({
    id,
    status: 'RUNNING',
    callerArn: 'arn:aws:sts::123456789012:assumed-role/Dev/alice',
    host: 'laptop',
    command: ['echo', 'hi'],
    image: 'alpine:3.20',
    clusterArn: CLUSTER,
    region: 'eu-west-1',
    createdAt: minutesAgo(60),
    ...overrides,
  });
}

/** A DescribeTasks entry as AWS returns it (trimmed). */
function task(n: string, overrides: Partial<ClusterTask> = {}): ClusterTask {
  return {
    taskArn: arn(n),
    clusterArn: CLUSTER,
    taskDefinitionArn: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/runvoy-runvoy-0123456789abcdef:1',
    lastStatus: 'RUNNING',
    desiredStatus: 'RUNNING',
    cpu: '256',
    memory: '512',
    createdAt: new Date('2024-06-15T11:00:00.000Z'),
    startedAt: new Date('2024-06-15T11:00:10.000Z'),
    containers: [{ name: 'runner', lastStatus: 'RUNNING' }],
    tags: [],
    ...overrides,
  };
}

function stopped(t: ClusterTask, exitCode = 0, extra: Partial<ClusterTask> = {}): ClusterTask {
  return {
    ...t,
    lastStatus: 'STOPPED',
    desiredStatus: 'STOPPED',
    stopCode: 'EssentialContainerExited',
    stoppedReason: 'Essential container in task exited',
    stoppedAt: new Date('2024-06-15T11:30:00.000Z'),
    containers: [{ name: 'runner', lastStatus: 'STOPPED', exitCode }],
    ...extra,
  };
}

function plan(input: Partial<PlanInput>) {
  return planReconcile({
    now: NOW,
    graceMs: DEFAULT_LOST_GRACE_MS,
    active: [],
    described: new Map(),
    clusterTasks: [],
    existingIds: new Set(),
    ...input,
  });
}

const described = (...tasks: ClusterTask[]) => new Map(tasks.map((t) => [t.taskArn, t]));

describe('planReconcile: executions', () => {
  it('finalises a run whose task has stopped', () => {
    const t = stopped(task('a1'));
    const r = record('aaaa00000001', { taskArn: t.taskArn });
    expect(plan({ active: [r], described: described(t), clusterTasks: [t] }).executions).toEqual([
      { kind: 'finalise', record: r, task: t, attach: false },
    ]);
  });

  it('keeps a run whose task is alive and already RUNNING', () => {
    const t = task('a1');
    const r = record('aaaa00000001', { taskArn: t.taskArn });
    const [action] = plan({ active: [r], described: described(t) }).executions;
    expect(action?.kind).toBe('keep');
  });

  it.each([
    ['PENDING', 'RUNNING', 'RUNNING'],
    ['STARTING', 'RUNNING', 'RUNNING'],
    ['PENDING', 'PROVISIONING', 'STARTING'],
  ] as Array<[ExecutionStatus, string, ExecutionStatus]>)(
    'moves a %s record forward when ECS says %s',
    (status, lastStatus, to) => {
      const t = task('a1', { lastStatus });
      const r = record('aaaa00000001', { status, taskArn: t.taskArn });
      expect(plan({ active: [r], described: described(t) }).executions[0]).toMatchObject({
        kind: 'progress',
        status: to,
        attach: false,
      });
    },
  );

  it('never moves a record backwards (RUNNING record, task reported PROVISIONING)', () => {
    const t = task('a1', { lastStatus: 'PROVISIONING' });
    const r = record('aaaa00000001', { status: 'RUNNING', taskArn: t.taskArn });
    expect(plan({ active: [r], described: described(t) }).executions[0]?.kind).toBe('keep');
  });

  it('marks LOST a run whose task ECS no longer knows, once the grace period is over', () => {
    const r = record('aaaa00000001', { taskArn: arn('gone'), createdAt: minutesAgo(GRACE_MINUTES + 1) });
    expect(plan({ active: [r] }).executions[0]).toMatchObject({ kind: 'lost', record: r });
    expect(plan({ active: [r] }).executions[0]).toHaveProperty(
      'reason',
      expect.stringContaining(arn('gone')),
    );
  });

  it('waits for a task ECS does not know within the grace period', () => {
    const r = record('aaaa00000001', { taskArn: arn('gone'), createdAt: minutesAgo(GRACE_MINUTES - 1) });
    expect(plan({ active: [r] }).executions[0]?.kind).toBe('keep');
  });

  it('uses the grace period it is given (0 marks LOST at once; the boundary itself is LOST)', () => {
    const r = record('aaaa00000001', { taskArn: arn('gone'), createdAt: new Date(NOW).toISOString() });
    expect(plan({ active: [r], graceMs: 0 }).executions[0]?.kind).toBe('lost');
    const old = record('aaaa00000002', { createdAt: minutesAgo(5) });
    expect(plan({ active: [old], graceMs: 5 * 60_000 }).executions[0]?.kind).toBe('lost');
    expect(plan({ active: [old], graceMs: 5 * 60_000 + 1 }).executions[0]?.kind).toBe('keep');
  });

  it('treats an unreadable createdAt as old (a record must never stay non-terminal forever)', () => {
    const r = record('aaaa00000001', { status: 'PENDING', createdAt: 'not a date' });
    expect(plan({ active: [r] }).executions[0]?.kind).toBe('lost');
  });

  it('marks LOST a PENDING run that never got a task, after the grace period only', () => {
    const fresh = record('aaaa00000001', { status: 'PENDING', createdAt: minutesAgo(1) });
    const old = record('aaaa00000002', { status: 'PENDING', createdAt: minutesAgo(30) });
    const actions = plan({ active: [fresh, old] }).executions;
    expect(actions.map((a) => a.kind)).toEqual(['keep', 'lost']);
    expect(actions[1]).toHaveProperty('reason', expect.stringContaining('no task'));
  });

  it('counts the grace of a run that waited for its lock from when it took the lock, not from createdAt', () => {
    // createdAt is set before --lock-wait: a record written 30 minutes later is new, its RunTask on its way.
    const waited = record('aaaa00000001', { status: 'PENDING', createdAt: minutesAgo(GRACE_MINUTES + 30) });
    const acquired = (m: number) => new Map([['aaaa00000001', minutesAgo(m)]]);
    expect(plan({ active: [waited], lockAcquiredAt: acquired(1) }).executions[0]?.kind).toBe('keep');
    expect(plan({ active: [waited], lockAcquiredAt: acquired(GRACE_MINUTES) }).executions[0]?.kind).toBe(
      'lost',
    );
    expect(plan({ active: [waited] }).executions[0]?.kind).toBe('lost');
    // An acquiredAt before createdAt (clock skew) or unreadable changes nothing.
    const fresh = record('aaaa00000002', { status: 'PENDING', createdAt: minutesAgo(1) });
    const skewed = new Map([
      ['aaaa00000002', minutesAgo(GRACE_MINUTES + 30)],
      ['aaaa00000001', 'not a date'],
    ]);
    expect(plan({ active: [fresh, waited], lockAcquiredAt: skewed }).executions.map((a) => a.kind)).toEqual([
      'keep',
      'lost',
    ]);
  });

  it('attaches the task of a run whose CLI died after RunTask (found by startedBy), then moves it forward', () => {
    const r = record('aaaa00000001', { status: 'PENDING', createdAt: minutesAgo(30) });
    const t = task('a1', { startedBy: 'runvoy/aaaa00000001' });
    const result = plan({ active: [r], clusterTasks: [t] });
    expect(result.executions[0]).toEqual({
      kind: 'progress',
      record: r,
      task: t,
      status: 'RUNNING',
      attach: true,
    });
    expect(result.adoptions).toEqual([]);
  });

  it('attaches by the runvoy:execution-id tag when startedBy is not runvoy’s', () => {
    const r = record('aaaa00000001', { status: 'STARTING' });
    const t = task('a1', {
      startedBy: 'someone',
      tags: [{ key: 'runvoy:execution-id', value: 'aaaa00000001' }],
    });
    expect(plan({ active: [r], clusterTasks: [t] }).executions[0]).toMatchObject({
      kind: 'progress',
      attach: true,
    });
  });

  it('keeps a RUNNING record whose task it attaches, recording the ARN (progress with the same status)', () => {
    const r = record('aaaa00000001', { status: 'RUNNING' });
    const t = task('a1', { startedBy: 'runvoy/aaaa00000001' });
    expect(plan({ active: [r], clusterTasks: [t] }).executions[0]).toMatchObject({
      kind: 'progress',
      status: 'RUNNING',
      attach: true,
    });
  });

  it('finalises an attached task that has already stopped', () => {
    const r = record('aaaa00000001', { status: 'PENDING' });
    const t = stopped(task('a1', { startedBy: 'runvoy/aaaa00000001' }), 3);
    expect(plan({ active: [r], clusterTasks: [t] }).executions[0]).toEqual({
      kind: 'finalise',
      record: r,
      task: t,
      attach: true,
    });
  });

  it('prefers the live task when a run has two (e.g. a retried RunTask)', () => {
    const r = record('aaaa00000001', { status: 'PENDING' });
    const dead = stopped(task('a1', { startedBy: 'runvoy/aaaa00000001' }));
    const live = task('a2', { startedBy: 'runvoy/aaaa00000001' });
    expect(plan({ active: [r], clusterTasks: [live, dead] }).executions[0]).toMatchObject({ task: live });
    expect(plan({ active: [r], clusterTasks: [dead, live] }).executions[0]).toMatchObject({ task: live });
  });

  it('stops a live task whose timeoutAt has passed, and not one whose deadline is ahead', () => {
    const t = task('a1');
    const late = record('aaaa00000001', { taskArn: t.taskArn, timeoutAt: minutesAgo(1) });
    const onTime = record('aaaa00000002', { taskArn: t.taskArn, timeoutAt: minutesAgo(-10) });
    const actions = plan({ active: [late, onTime], described: described(t) }).executions;
    expect(actions.map((a) => a.kind)).toEqual(['timeout', 'keep']);
  });

  it('finalises rather than stops a timed-out run whose task already stopped', () => {
    const t = stopped(task('a1'));
    const r = record('aaaa00000001', { taskArn: t.taskArn, timeoutAt: minutesAgo(1) });
    expect(plan({ active: [r], described: described(t) }).executions[0]?.kind).toBe('finalise');
  });

  it('ignores records that are already terminal (a stale index row)', () => {
    const r = record('aaaa00000001', { status: 'SUCCEEDED', taskArn: arn('a1') });
    expect(plan({ active: [r] }).executions).toEqual([]);
  });
});

describe('planReconcile: adoption', () => {
  it('adopts a task that names no execution, under an ID derived from its ARN', () => {
    const t = task('x1', { startedBy: 'ecs-cli' });
    const { adoptions } = plan({ clusterTasks: [t] });
    expect(adoptions).toEqual([{ executionId: adoptedExecutionId(t.taskArn), task: t }]);
  });

  it('adopts stopped tasks too', () => {
    const t = stopped(task('x1'));
    expect(plan({ clusterTasks: [t] }).adoptions).toHaveLength(1);
  });

  it('adopts a task naming an execution that has no record, under that ID', () => {
    const t = task('x1', { startedBy: 'runvoy/bbbb00000001' });
    expect(plan({ clusterTasks: [t] }).adoptions[0]?.executionId).toBe('bbbb00000001');
  });

  it('does not adopt a task whose record exists (finished runs, or adopted before: idempotent)', () => {
    const named = task('x1', { startedBy: 'runvoy/bbbb00000001' });
    const anonymous = task('x2');
    const existingIds = new Set(['bbbb00000001', adoptedExecutionId(anonymous.taskArn)]);
    expect(plan({ clusterTasks: [named, anonymous], existingIds }).adoptions).toEqual([]);
  });

  it('does not adopt a task that an active record already points to', () => {
    const t = task('x1');
    const r = record('aaaa00000001', { taskArn: t.taskArn });
    expect(plan({ active: [r], described: described(t), clusterTasks: [t] }).adoptions).toEqual([]);
  });

  it('adopts one record when two tasks name the same missing execution', () => {
    const a = task('x1', { startedBy: 'runvoy/bbbb00000001' });
    const b = task('x2', { startedBy: 'runvoy/bbbb00000001' });
    expect(plan({ clusterTasks: [a, b] }).adoptions).toHaveLength(1);
  });
});

describe('task to execution ID', () => {
  it('reads startedBy runvoy/<id> first, then the tag, and ignores malformed IDs', () => {
    expect(executionIdOfTask(task('a', { startedBy: 'runvoy/cccc00000001' }))).toBe('cccc00000001');
    expect(
      executionIdOfTask(
        task('a', { startedBy: 'x', tags: [{ key: 'runvoy:execution-id', value: 'cccc00000002' }] }),
      ),
    ).toBe('cccc00000002');
    expect(executionIdOfTask(task('a', { startedBy: 'runvoy/NOT-AN-ID' }))).toBeUndefined();
    expect(
      executionIdOfTask(task('a', { tags: [{ key: 'runvoy:execution-id', value: 'ilou' }] })),
    ).toBeUndefined();
    expect(executionIdOfTask(task('a'))).toBeUndefined();
  });

  it('derives a stable, valid, distinct ID from a task ARN', () => {
    const id = adoptedExecutionId(arn('a1'));
    expect(isExecutionId(id)).toBe(true);
    expect(adoptedExecutionId(arn('a1'))).toBe(id);
    expect(adoptedExecutionId(arn('a2'))).not.toBe(id);
    expect(candidateIdOf(task('a1'))).toBe(id);
    expect(candidateIdOf(task('a1', { startedBy: 'runvoy/cccc00000001' }))).toBe('cccc00000001');
  });
});

describe('locks', () => {
  const lock = (name: string, overrides: Partial<LockItem> = {}): LockItem => ({
    name,
    state: 'HELD',
    holderExecutionId: 'aaaa00000001',
    fence: 3,
    version: 'v',
    ...overrides,
  });

  it('checks HELD locks except those whose holder the plan is finishing', () => {
    const locks = [
      lock('free', { state: 'FREE', holderExecutionId: undefined }),
      lock('finishing', { holderExecutionId: 'aaaa00000001' }),
      lock('other', { holderExecutionId: 'aaaa00000002' }),
    ];
    expect(locksToCheck(locks, new Set(['aaaa00000001'])).map((l) => l.name)).toEqual(['other']);
  });

  it('skips locks whose holder was just seen alive, and sees alive only kept-running and moved-forward runs', () => {
    const live = task('a1');
    const starting = task('a2', { startedBy: 'runvoy/aaaa00000002' });
    const result = plan({
      active: [
        record('aaaa00000001', { taskArn: live.taskArn }),
        record('aaaa00000002', { status: 'PENDING' }),
        record('aaaa00000003', { taskArn: arn('unknown'), createdAt: minutesAgo(1) }),
        record('aaaa00000004', { status: 'PENDING', createdAt: minutesAgo(1) }),
      ],
      described: described(live),
      clusterTasks: [live, starting],
    });
    const alive = aliveIds(result);
    expect([...alive]).toEqual(['aaaa00000001', 'aaaa00000002']);
    const locks = ['aaaa00000001', 'aaaa00000003'].map((holder, i) =>
      lock(`l${i}`, { holderExecutionId: holder }),
    );
    expect(locksToCheck(locks, new Set(), alive).map((l) => l.holderExecutionId)).toEqual(['aaaa00000003']);
  });

  it('lists the runs a plan finishes (finalise and LOST only)', () => {
    const t = stopped(task('a1'));
    const result = plan({
      active: [
        record('aaaa00000001', { taskArn: t.taskArn }),
        record('aaaa00000002', { taskArn: arn('gone') }),
        record('aaaa00000003', { taskArn: task('a3').taskArn }),
      ],
      described: described(t, task('a3')),
    });
    expect([...finishingIds(result)]).toEqual(['aaaa00000001', 'aaaa00000002']);
  });

  it('leaves out of the finishing runs a scheduled run that names its lock without its fence (the lock check frees it)', () => {
    const t = stopped(task('a1'));
    const result = plan({
      active: [
        record('aaaa00000001', { taskArn: t.taskArn, origin: 'schedule', lockName: 'db' }),
        record('aaaa00000002', { taskArn: arn('gone'), lockName: 'db2', fence: 3 }),
      ],
      described: described(t),
    });
    expect([...finishingIds(result)]).toEqual(['aaaa00000002']);
  });
});

describe('adoptedRecord', () => {
  const taskDefinition = {
    taskDefinitionArn: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/web:7',
    family: 'web',
    cpu: '512',
    memory: '1024',
    runtimePlatform: { cpuArchitecture: 'ARM64' },
    containerDefinitions: [
      { name: 'sidecar', image: 'envoy:1', essential: false },
      { name: 'app', image: 'my/app:2', command: ['serve'], essential: true },
    ],
  };

  it('records a task of a runvoy schedule with origin schedule, its schedule, lock and timeout', () => {
    const t = task('s1', {
      createdAt: new Date(NOW - 60_000),
      tags: [
        { key: 'runvoy:schedule', value: 'nightly' },
        { key: 'runvoy:caller', value: 'arn:aws:sts::123456789012:assumed-role/Dev/bob' },
        { key: 'runvoy:host', value: 'schedule:nightly' },
        { key: 'runvoy:lock', value: 'db' },
        { key: 'runvoy:timeout', value: '1800' },
        { key: 'team', value: 'data' },
      ],
    });
    const r = adoptedRecord({
      executionId: 'eeee00000001',
      task: t,
      taskDefinition,
      region: 'eu-west-1',
      now: NOW,
    });
    expect(r).toMatchObject({
      origin: 'schedule',
      scheduleName: 'nightly',
      lockName: 'db',
      timeoutMs: 1_800_000,
      timeoutAt: new Date(NOW - 60_000 + 1_800_000).toISOString(),
      callerArn: 'arn:aws:sts::123456789012:assumed-role/Dev/bob',
      host: 'schedule:nightly',
      tags: { team: 'data' },
    });
    expect(r.fence).toBeUndefined();
  });

  it('ignores a timeout tag that is not a whole number of seconds, and a schedule without lock or timeout has neither', () => {
    const tags = (timeout: string) => [
      { key: 'runvoy:schedule', value: 'n' },
      { key: 'runvoy:timeout', value: timeout },
    ];
    for (const bad of ['abc', '-5', '0', '1.5', '']) {
      const r = adoptedRecord({
        executionId: 'eeee00000002',
        task: task('s2', { tags: tags(bad) }),
        taskDefinition,
        region: 'eu-west-1',
        now: NOW,
      });
      expect(r).toMatchObject({ origin: 'schedule', scheduleName: 'n' });
      expect(r.timeoutAt).toBeUndefined();
      expect(r.lockName).toBeUndefined();
    }
  });

  it('takes image, command and size from the task definition, and who from the tags', () => {
    const t = task('x1', {
      cpu: '512',
      memory: '1024',
      tags: [
        { key: 'runvoy:caller', value: 'arn:aws:sts::123456789012:assumed-role/Dev/bob' },
        { key: 'runvoy:host', value: 'ci-7' },
        { key: 'team', value: 'core' },
        { key: 'aws:ecs:clusterName', value: 'runvoy-cluster' },
      ],
    });
    const r = adoptedRecord({
      executionId: 'dddd00000001',
      task: t,
      taskDefinition,
      region: 'eu-west-1',
      now: NOW,
    });
    expect(r).toMatchObject({
      id: 'dddd00000001',
      origin: 'adopted',
      status: 'RUNNING',
      image: 'my/app:2',
      command: ['serve'],
      cpu: 512,
      memory: 1024,
      arch: 'arm64',
      callerArn: 'arn:aws:sts::123456789012:assumed-role/Dev/bob',
      host: 'ci-7',
      taskArn: t.taskArn,
      taskDefinitionFamily: 'web',
      tags: { team: 'core' },
      createdAt: '2024-06-15T11:00:00.000Z',
      startedAt: '2024-06-15T11:00:10.000Z',
    });
    expect(r).not.toHaveProperty('stoppedAt');
  });

  it('prefers the overrides (command, cpu, memory) and says unknown when nothing tells who', () => {
    const t = task('x1', {
      createdAt: undefined,
      overrides: {
        cpu: '1024',
        memory: '2048',
        containerOverrides: [{ name: 'app', command: ['migrate', '--up'] }],
      },
    });
    const r = adoptedRecord({
      executionId: 'dddd00000001',
      task: t,
      taskDefinition,
      region: 'eu-west-1',
      now: NOW,
    });
    expect(r).toMatchObject({
      command: ['migrate', '--up'],
      cpu: 1024,
      memory: 2048,
      callerArn: 'unknown',
      host: 'unknown',
    });
    expect(r.createdAt).toBe(new Date(NOW).toISOString());
  });

  it('records a stopped task as finished, with its exit code and reasons', () => {
    const t = stopped(task('x1'), 2);
    const r = adoptedRecord({
      executionId: 'dddd00000001',
      task: t,
      taskDefinition: undefined,
      region: 'eu-west-1',
      now: NOW,
    });
    expect(r).toMatchObject({
      status: 'FAILED',
      exitCode: 2,
      stopCode: 'EssentialContainerExited',
      stoppedAt: '2024-06-15T11:30:00.000Z',
      image: 'unknown',
      arch: 'x86_64',
      cpu: 256,
    });
  });

  it('records a task that has not started yet as STARTING, and Spot from its capacity provider', () => {
    const t = task('x1', {
      lastStatus: 'PROVISIONING',
      capacityProviderName: 'FARGATE_SPOT',
      startedAt: undefined,
    });
    const r = adoptedRecord({
      executionId: 'dddd00000001',
      task: t,
      taskDefinition,
      region: 'eu-west-1',
      now: NOW,
    });
    expect(r).toMatchObject({ status: 'STARTING', spot: true, capacityProvider: 'FARGATE_SPOT' });
  });
});

describe('planReconcile: steps', () => {
  const held = (name: string, holder: string): LockItem => ({
    name,
    state: 'HELD',
    holderExecutionId: holder,
    fence: 3,
    version: 'v1',
  });

  it('lists every action before any is carried out: malformed items, executions, adoptions, then locks', () => {
    const finished = stopped(task('b1'));
    const alive = task('b2');
    const stray = task('b3', { startedBy: 'runvoy/bbbb00000009' });
    const bad = { kind: 'execution' as const, key: 'EXEC#broken', problems: ['status: missing'] };
    const p = plan({
      active: [
        record('bbbb00000001', { taskArn: finished.taskArn, lockName: 'deploy', fence: 3 }),
        record('bbbb00000002', { taskArn: alive.taskArn, lockName: 'db' }),
      ],
      described: described(finished, alive),
      clusterTasks: [finished, alive, stray],
      malformed: [{ bad, item: { pk: 'EXEC#broken' } }],
      locks: [
        held('deploy', 'bbbb00000001'),
        held('db', 'bbbb00000002'),
        held('cache', 'bbbb00000007'),
        { name: 'free', state: 'FREE', fence: 1, version: 'v1' },
      ],
    });
    expect(p.steps.map((step) => step.kind)).toEqual([
      'remove-from-active',
      'finalise',
      'keep',
      'adopt',
      'check-lock',
    ]);
    // The finishing run's lock is released by its own step, the live run's is left alone: only the lock
    // of a run the plan does not know is checked.
    expect(p.steps.at(-1)).toEqual({ kind: 'check-lock', lock: held('cache', 'bbbb00000007') });
  });
});

describe('countRows', () => {
  it('counts each kind of row, and as unchanged every active run that has no row of its own', () => {
    const counts = countRows(
      [
        { action: 'remove-from-active', executionId: 'broken', detail: '' },
        { action: 'release-lock', lockName: 'deploy', executionId: 'a', detail: '' },
        { action: 'finalise', executionId: 'a', detail: '' },
        { action: 'timeout', executionId: 'b', detail: '' },
        { action: 'finalise', executionId: 'b', detail: '' },
        { action: 'progress', executionId: 'c', detail: '' },
        { action: 'lost', executionId: 'd', detail: '' },
        { action: 'adopt', executionId: 'z', detail: '' },
        { action: 'release-lock', lockName: 'cache', executionId: 'y', detail: '' },
      ],
      ['a', 'b', 'c', 'd', 'e', 'f'],
    );
    expect(counts).toEqual({
      active: 6,
      finalised: 2,
      lost: 1,
      adopted: 1,
      progressed: 1,
      timeoutsEnforced: 1,
      locksReleased: 2,
      unchanged: 2,
      removedFromActive: 1,
    });
  });
});
