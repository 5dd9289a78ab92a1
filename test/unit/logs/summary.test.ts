import { describe, expect, it } from 'vitest';
import { executionRecord } from '../../support/records.js';
import type { ExecutionRecord } from '../../../src/core/execution.js';
import { recordSummary } from '../../../src/ui/log-lines.js';
import { summaryLine } from '../../../src/ui/run-lines.js';

const finished = executionRecord({
  id: '7k2m9x4qbd0e',
  status: 'FAILED',
  callerArn: 'arn:aws:sts::123456789012:assumed-role/Dev/alice',
  host: 'laptop',
  command: ['make', 'test'],
  image: 'alpine:3.20',
  createdAt: '2026-06-15T12:00:00.000Z',
  startedAt: '2026-06-15T12:00:10.000Z',
  stoppedAt: '2026-06-15T12:03:15.000Z',
  exitCode: 2,
  stopCode: 'EssentialContainerExited',
  stoppedReason: 'Essential container in task exited',
  cost: 0.00123,
  costStatus: 'exact',
});

const outcome = { finished: true, status: 'FAILED' as const, exitCode: 2, hint: 'read the log' };

describe('the final summary of a run and of `logs --follow`', () => {
  it('is one line for both: status, exit code, duration from the start, cost', () => {
    expect(recordSummary(finished)).toBe('FAILED exit 2 in 3m05s, cost $0.0012 (exact)');
    expect(summaryLine({ record: finished, outcome, byUs: true, lockReleased: true })).toBe(
      [
        'FAILED exit 2 in 3m05s, cost $0.0012 (exact)',
        '  ECS: EssentialContainerExited: Essential container in task exited',
        '  what to do: read the log',
      ].join('\n'),
    );
  });

  it('for a task that never started: `logs` counts from the record, the run shows no duration', () => {
    const never: ExecutionRecord = {
      ...finished,
      startedAt: undefined,
      exitCode: undefined,
      costStatus: 'unavailable',
      costReason: 'the task never started',
    };
    expect(recordSummary(never)).toBe('FAILED in 3m15s, cost unavailable (the task never started)');
    expect(
      summaryLine({
        record: never,
        outcome: { ...outcome, hint: undefined },
        byUs: true,
        lockReleased: true,
      }).split('\n')[0],
    ).toBe('FAILED, cost unavailable (the task never started)');
  });
});
