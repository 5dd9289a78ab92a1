export const EXECUTION_STATUSES = [
  'PENDING',
  'STARTING',
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'STOPPED',
  'TIMED_OUT',
  'LOST',
] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

export const TERMINAL_STATUSES: readonly ExecutionStatus[] = [
  'SUCCEEDED',
  'FAILED',
  'STOPPED',
  'TIMED_OUT',
  'LOST',
];

/** Position in the lifecycle; every terminal status is last. A status may only move to a later stage. */
const STAGE: Record<ExecutionStatus, number> = {
  PENDING: 0,
  STARTING: 1,
  RUNNING: 2,
  SUCCEEDED: 3,
  FAILED: 3,
  STOPPED: 3,
  TIMED_OUT: 3,
  LOST: 3,
};

export function isExecutionStatus(s: string): s is ExecutionStatus {
  return (EXECUTION_STATUSES as readonly string[]).includes(s);
}

export function isTerminal(s: ExecutionStatus): boolean {
  return TERMINAL_STATUSES.includes(s);
}

export function canTransition(from: ExecutionStatus, to: ExecutionStatus): boolean {
  return STAGE[to] > STAGE[from];
}

/** The statuses an update to `to` may move from: the condition of a conditional write. */
export function previousStatusesOf(to: ExecutionStatus): ExecutionStatus[] {
  return EXECUTION_STATUSES.filter((from) => canTransition(from, to));
}
