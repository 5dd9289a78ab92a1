import { describe, expect, it } from 'vitest';
import {
  EXECUTION_STATUSES,
  TERMINAL_STATUSES,
  canTransition,
  isExecutionStatus,
  isTerminal,
  previousStatusesOf,
  type ExecutionStatus,
} from '../../../src/core/status.js';

const TERMINAL: ExecutionStatus[] = ['SUCCEEDED', 'FAILED', 'STOPPED', 'TIMED_OUT', 'LOST'];

describe('statuses', () => {
  it('lists the five terminal statuses', () => {
    expect([...TERMINAL_STATUSES].sort()).toEqual([...TERMINAL].sort());
  });

  it.each(EXECUTION_STATUSES.map((s) => [s, TERMINAL.includes(s)] as const))(
    'isTerminal(%s) is %s',
    (s, terminal) => {
      expect(isTerminal(s)).toBe(terminal);
    },
  );

  it('recognises status strings', () => {
    for (const s of EXECUTION_STATUSES) expect(isExecutionStatus(s)).toBe(true);
    expect(isExecutionStatus('running')).toBe(false);
    expect(isExecutionStatus('DONE')).toBe(false);
  });
});

describe('canTransition', () => {
  const allowed: Record<ExecutionStatus, ExecutionStatus[]> = {
    PENDING: ['STARTING', 'RUNNING', ...TERMINAL],
    STARTING: ['RUNNING', ...TERMINAL],
    RUNNING: TERMINAL,
    SUCCEEDED: [],
    FAILED: [],
    STOPPED: [],
    TIMED_OUT: [],
    LOST: [],
  };
  const pairs = EXECUTION_STATUSES.flatMap((from) =>
    EXECUTION_STATUSES.map((to) => [from, to, allowed[from].includes(to)] as const),
  );

  it.each(pairs)('%s -> %s is %s', (from, to, expected) => {
    expect(canTransition(from, to)).toBe(expected);
  });
});

describe('previousStatusesOf', () => {
  it.each([
    ['PENDING', []],
    ['STARTING', ['PENDING']],
    ['RUNNING', ['PENDING', 'STARTING']],
    ['SUCCEEDED', ['PENDING', 'STARTING', 'RUNNING']],
    ['FAILED', ['PENDING', 'STARTING', 'RUNNING']],
    ['STOPPED', ['PENDING', 'STARTING', 'RUNNING']],
    ['TIMED_OUT', ['PENDING', 'STARTING', 'RUNNING']],
    ['LOST', ['PENDING', 'STARTING', 'RUNNING']],
  ] as Array<[ExecutionStatus, ExecutionStatus[]]>)('%s may be reached from %j', (to, from) => {
    expect(previousStatusesOf(to)).toEqual(from);
  });

  it('agrees with canTransition', () => {
    for (const to of EXECUTION_STATUSES) {
      for (const from of previousStatusesOf(to)) expect(canTransition(from, to)).toBe(true);
    }
  });
});
