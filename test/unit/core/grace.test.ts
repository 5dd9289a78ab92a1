import { describe, expect, it } from 'vitest';
import { CLIENT_DEFAULTS } from '../../../src/aws/clients.js';
import { LOST_GRACE_FLOOR_MS, RUN_TASK_WORST_CASE_MS } from '../../../src/aws/tasks.js';
import {
  callWorstCaseMs,
  lostGraceFloorMs,
  RUN_TASK_PHASE_CALLS,
  runTaskWorstCaseMs,
  SDK_MAX_RETRY_DELAY_MS,
} from '../../../src/core/grace.js';
import { DEFAULT_LOST_GRACE_MS } from '../../../src/core/reconcile-plan.js';

const limits = (maxAttempts: number, connectionTimeout: number, requestTimeout: number) => ({
  maxAttempts,
  requestHandler: { connectionTimeout, requestTimeout },
});

describe('how long RunTask can take (the floor of reconcile --grace)', () => {
  it('is, per call, every attempt timing out in full plus the longest sleeps between them', () => {
    expect(callWorstCaseMs(limits(1, 5_000, 30_000))).toBe(35_000);
    expect(callWorstCaseMs(limits(5, 5_000, 30_000))).toBe(5 * 35_000 + 4 * SDK_MAX_RETRY_DELAY_MS);
    expect(SDK_MAX_RETRY_DELAY_MS).toBe(20_000);
  });

  it('covers four calls in a row: RunTask, RegisterTaskDefinition, RunTask on Spot, RunTask on demand', () => {
    expect(RUN_TASK_PHASE_CALLS).toBe(4);
    expect(runTaskWorstCaseMs(limits(5, 5_000, 30_000))).toBe(4 * 255_000);
  });

  it('rounds the floor up to a whole minute', () => {
    expect(lostGraceFloorMs(limits(5, 5_000, 30_000))).toBe(17 * 60_000);
    expect(lostGraceFloorMs(limits(1, 1_000, 1_000))).toBe(60_000);
  });

  it("is 17 minutes with runvoy's client settings (5 attempts, 5 s to connect, 30 s to answer), and the default grace is above it", () => {
    expect(CLIENT_DEFAULTS).toMatchObject(limits(5, 5_000, 30_000));
    expect(RUN_TASK_WORST_CASE_MS).toBe(1_020_000);
    expect(LOST_GRACE_FLOOR_MS).toBe(17 * 60_000);
    expect(DEFAULT_LOST_GRACE_MS).toBeGreaterThanOrEqual(LOST_GRACE_FLOOR_MS);
  });
});
