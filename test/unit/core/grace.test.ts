import { describe, expect, it } from 'vitest';
import { DEFAULT_AWS_TIMEOUT_MS } from '../../../src/aws/watchdog.js';
import {
  DEFAULT_LOST_GRACE_MS,
  LOST_GRACE_FLOOR_MS,
  LOST_GRACE_MARGIN_MS,
  RUN_TASK_PHASE_LIMIT_MS,
  runTaskDeadline,
  runTaskPhaseStart,
  wholeMinutes,
} from '../../../src/core/grace.js';
import { planReconcile } from '../../../src/core/reconcile-plan.js';
import { executionRecord } from '../../support/records.js';

const MINUTE = 60_000;

describe('how long a run may take to start its task (the floor of reconcile --grace)', () => {
  it('is a hard 5-minute limit: the lock transaction and four ECS calls at the default aws.timeout', () => {
    expect(RUN_TASK_PHASE_LIMIT_MS).toBe(5 * MINUTE);
    // TransactWriteItems, then RunTask, RegisterTaskDefinition, RunTask on Spot, RunTask on demand.
    expect(5 * DEFAULT_AWS_TIMEOUT_MS).toBeLessThanOrEqual(RUN_TASK_PHASE_LIMIT_MS);
  });

  it('floors the grace at the limit plus a 2-minute margin (a RunTask ECS received just before the abort, clock skew): 7m', () => {
    expect(LOST_GRACE_MARGIN_MS).toBe(2 * MINUTE);
    expect(LOST_GRACE_FLOOR_MS).toBe(RUN_TASK_PHASE_LIMIT_MS + LOST_GRACE_MARGIN_MS);
    expect(wholeMinutes(LOST_GRACE_FLOOR_MS)).toBe('7m');
  });

  it('has a default grace of 10 minutes, above the floor', () => {
    expect(DEFAULT_LOST_GRACE_MS).toBe(10 * MINUTE);
    expect(DEFAULT_LOST_GRACE_MS).toBeGreaterThan(LOST_GRACE_FLOOR_MS);
  });
});

describe('when the RunTask phase begins', () => {
  const at = (ms: number) => new Date(ms).toISOString();
  const T = Date.parse('2024-06-15T12:00:00.000Z');

  it('is the later of the record’s createdAt and the lock’s acquiredAt', () => {
    expect(runTaskPhaseStart(at(T))).toBe(T);
    // Waited 20 minutes for the lock: the record was written then.
    expect(runTaskPhaseStart(at(T), at(T + 20 * MINUTE))).toBe(T + 20 * MINUTE);
    expect(runTaskPhaseStart(at(T), at(T - 1))).toBe(T);
  });

  it('ignores an unreadable acquiredAt, and is NaN for an unreadable createdAt', () => {
    expect(runTaskPhaseStart(at(T), 'soon')).toBe(T);
    expect(runTaskPhaseStart('not a date', at(T))).toBeNaN();
  });

  it('ends at the limit, or at the one it is given', () => {
    expect(runTaskDeadline(T)).toBe(T + RUN_TASK_PHASE_LIMIT_MS);
    expect(runTaskDeadline(T, 1_000)).toBe(T + 1_000);
  });

  it('is the instant reconcile counts its grace from: a run without a task is LOST at phase start + grace, not a millisecond before', () => {
    const createdAt = at(T);
    const acquiredAt = at(T + 20 * MINUTE);
    const start = runTaskPhaseStart(createdAt, acquiredAt);
    const record = executionRecord({
      id: 'aaaa00000001',
      status: 'PENDING',
      callerArn: 'arn:aws:iam::123456789012:user/alice',
      host: 'laptop',
      command: ['true'],
      image: 'alpine:3.20',
      createdAt,
      lockName: 'deploy',
    });
    const plan = (now: number) =>
      planReconcile({
        now,
        graceMs: LOST_GRACE_FLOOR_MS,
        active: [record],
        described: new Map(),
        clusterTasks: [],
        existingIds: new Set(),
        lockAcquiredAt: new Map([['aaaa00000001', acquiredAt]]),
      }).executions[0]?.kind;
    expect(plan(start + LOST_GRACE_FLOOR_MS - 1)).toBe('keep');
    expect(plan(start + LOST_GRACE_FLOOR_MS)).toBe('lost');
    // By then the runner has sent no RunTask for a whole margin.
    expect(runTaskDeadline(start) + LOST_GRACE_MARGIN_MS).toBe(start + LOST_GRACE_FLOOR_MS);
  });
});
