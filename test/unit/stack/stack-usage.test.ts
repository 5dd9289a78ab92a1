import { describe, expect, it } from 'vitest';
import {
  blocksDestroy,
  isHeld,
  NO_USAGE,
  stackInUse,
  usageLines,
  type StackUsage,
} from '../../../src/core/stack-usage.js';

const TASK = 'arn:aws:ecs:us-east-1:123456789012:task/runvoy-Cluster-ABC/0123456789abcdef0123456789abcdef';
const OTHER = 'arn:aws:ecs:us-east-1:123456789012:task/runvoy-Cluster-ABC/fedcba9876543210fedcba9876543210';
const NOW = Date.parse('2026-03-01T12:00:00Z');

const usage: StackUsage = {
  tasks: [
    { taskArn: TASK, executionId: 'k3j4h5g6f7d8', lastStatus: 'RUNNING' },
    { taskArn: OTHER, lastStatus: 'PENDING' },
  ],
  locks: [
    { name: 'deploy', holderExecutionId: 'k3j4h5g6f7d8', holderArn: 'arn:aws:sts::1:assumed-role/dev/ann' },
    { name: 'migrate', holderExecutionId: 'a1b2c3d4e5f6', acquiredAt: '2026-03-01T11:00:00.000Z' },
  ],
  executions: [
    { id: 'k3j4h5g6f7d8', status: 'RUNNING', taskArn: TASK },
    { id: 'a1b2c3d4e5f6', status: 'PENDING' },
  ],
  schedules: [{ name: 'runvoy-timeout-k3j4h5g6f7d8' }],
};

describe('what blocks `runvoy destroy`', () => {
  it('running tasks or held locks block it; unfinished executions and schedules alone do not', () => {
    expect(blocksDestroy(NO_USAGE)).toBe(false);
    expect(blocksDestroy({ ...NO_USAGE, tasks: usage.tasks.slice(0, 1) })).toBe(true);
    expect(blocksDestroy({ ...NO_USAGE, locks: usage.locks.slice(0, 1) })).toBe(true);
    expect(blocksDestroy({ ...NO_USAGE, executions: usage.executions, schedules: usage.schedules })).toBe(
      false,
    );
  });

  it('a HELD lock counts until its lease expires; a FREE one never', () => {
    expect(isHeld({ state: 'HELD', leaseExpiresAt: NOW + 1 }, NOW)).toBe(true);
    expect(isHeld({ state: 'HELD' }, NOW)).toBe(true);
    expect(isHeld({ state: 'HELD', leaseExpiresAt: NOW }, NOW)).toBe(false);
    expect(isHeld({ state: 'FREE', leaseExpiresAt: NOW + 1 }, NOW)).toBe(false);
  });
});

describe('usageLines', () => {
  it('names each task, lock and stale execution with the command that deals with it', () => {
    expect(usageLines(usage, ' --stack ci')).toEqual([
      `task ${TASK} (RUNNING): execution k3j4h5g6f7d8; stop it with \`runvoy kill k3j4h5g6f7d8 --stack ci\``,
      `task ${OTHER} (PENDING): not started by runvoy; stop it in the ECS console`,
      'lock deploy: held by execution k3j4h5g6f7d8 (arn:aws:sts::1:assumed-role/dev/ann); freed when that run stops',
      'lock migrate: held by execution a1b2c3d4e5f6 since 2026-03-01T11:00:00.000Z; free it with `runvoy locks release migrate --stack ci`',
      'execution a1b2c3d4e5f6 is PENDING with no running task; `runvoy reconcile --stack ci` finalises it',
    ]);
  });
});

describe('stackInUse', () => {
  it('is exit 1 STACK_IN_USE with counts, every live thing, how to proceed, and the lists for --json', () => {
    const error = stackInUse('runvoy', usage);
    expect(error.exitCode).toBe(1);
    expect(error.code).toBe('STACK_IN_USE');
    expect(error.what).toBe('Stack "runvoy" is in use: 2 tasks running, 2 locks held. Nothing was deleted.');
    expect(error.why).toContain('runvoy kill k3j4h5g6f7d8`');
    expect(error.why).toContain('1 --timeout schedule would be deleted with it: runvoy-timeout-k3j4h5g6f7d8');
    expect(error.fix).toContain('`runvoy kill ID`');
    expect(error.fix).toContain('`runvoy locks release NAME`');
    expect(error.fix).toContain('`runvoy destroy --force`');
    expect(error.data).toEqual({ ...usage });
  });

  it('keeps --stack in every hint for another stack', () => {
    const error = stackInUse('ci', { ...NO_USAGE, tasks: usage.tasks.slice(0, 1) });
    expect(error.what).toBe('Stack "ci" is in use: 1 task running, 0 locks held. Nothing was deleted.');
    expect(error.fix).toContain('`runvoy destroy --force --stack ci`');
    expect(error.why).toContain('`runvoy kill k3j4h5g6f7d8 --stack ci`');
  });
});
