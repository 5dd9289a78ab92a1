import { RUNNER_CONTAINER_NAME } from './container.js';
import { ExitCode } from './errors.js';
import type { ExecutionStatus } from './status.js';

/** The parts of an ECS DescribeTasks `containers[]` entry that runvoy reads. */
export interface EcsContainer {
  name?: string;
  exitCode?: number;
  reason?: string;
  lastStatus?: string;
}

/** The parts of an ECS DescribeTasks `tasks[]` entry that runvoy reads; dates as the SDK gives them or as JSON. */
export interface EcsTask {
  taskArn?: string;
  lastStatus?: string;
  desiredStatus?: string;
  stopCode?: string;
  stoppedReason?: string;
  stoppingAt?: Date | string;
  stoppedAt?: Date | string;
  startedAt?: Date | string;
  pullStartedAt?: Date | string;
  pullStoppedAt?: Date | string;
  createdAt?: Date | string;
  capacityProviderName?: string;
  containers?: EcsContainer[];
}

/** What the CLI itself did to the task, which ECS cannot tell apart from other stops. */
export interface TaskOutcomeContext {
  timedOut?: boolean;
  killed?: boolean;
}

export interface TaskOutcome {
  finished: boolean;
  status: ExecutionStatus;
  exitCode: number | null;
  stopCode?: string;
  stoppedReason?: string;
  containerReason?: string;
  startedAt?: string;
  stoppedAt?: string;
  pullStartedAt?: string;
  hint?: string;
}

const STARTING_STATES = new Set(['PROVISIONING', 'PENDING', 'ACTIVATING']);

export function taskOutcome(task: EcsTask, context: TaskOutcomeContext = {}): TaskOutcome {
  const container = mainContainer(task.containers ?? []);
  const exitCode = typeof container?.exitCode === 'number' ? container.exitCode : null;
  const details = omitUndefined({
    stopCode: task.stopCode,
    stoppedReason: task.stoppedReason,
    containerReason: container?.reason,
    startedAt: toIso(task.startedAt),
    stoppedAt: toIso(task.stoppedAt),
    pullStartedAt: toIso(task.pullStartedAt),
  });

  if (task.lastStatus !== 'STOPPED') {
    // A task that failed to start can pass through DEACTIVATING and STOPPING without ever running.
    const starting =
      STARTING_STATES.has(task.lastStatus ?? '') || !task.lastStatus || task.stopCode === 'TaskFailedToStart';
    return { finished: false, status: starting ? 'STARTING' : 'RUNNING', exitCode: null, ...details };
  }
  const verdict = stoppedVerdict(task, container?.reason, exitCode, context);
  return { finished: true, ...verdict, ...details, ...(verdict.hint ? { hint: verdict.hint } : {}) };
}

interface Verdict {
  status: ExecutionStatus;
  exitCode: number | null;
  hint?: string;
}

function stoppedVerdict(
  task: EcsTask,
  containerReason: string | undefined,
  exitCode: number | null,
  context: TaskOutcomeContext,
): Verdict {
  const { stopCode, stoppedReason } = task;
  const reasons = [stoppedReason ?? '', containerReason ?? ''].join('\n');
  const startFailure = startFailureHint(reasons);

  if (stopCode === 'TaskFailedToStart' || (startFailure && exitCode === null)) {
    return {
      status: 'FAILED',
      exitCode: null,
      hint: startFailure ?? 'ECS could not start the task: see its stop reason.',
    };
  }
  // The container exited on its own: that outcome stands even if the CLI was stopping it at the same moment.
  if (stopCode === 'EssentialContainerExited') {
    return containerExitVerdict(exitCode, containerReason, startFailure);
  }
  if (context.timedOut) return { status: 'TIMED_OUT', exitCode };
  if (context.killed || stopCode === 'UserInitiated') return { status: 'STOPPED', exitCode };
  if (stopCode === 'SpotInterruption' || (stopCode === 'TerminationNotice' && isSpot(task))) {
    return {
      status: 'FAILED',
      exitCode,
      hint: 'Fargate Spot took the capacity back. Run it again, or without --spot.',
    };
  }
  if (stopCode) {
    return {
      status: 'FAILED',
      exitCode,
      hint: `ECS stopped the task (${stopCode}) before it finished. Run it again.`,
    };
  }
  // No stop code: older platform versions and the moto emulator. The container's exit code is all there is.
  return containerExitVerdict(exitCode, containerReason, startFailure);
}

function containerExitVerdict(
  exitCode: number | null,
  containerReason: string | undefined,
  startFailure: string | undefined,
): Verdict {
  if (containerReason?.includes('OutOfMemoryError')) {
    return {
      status: 'FAILED',
      exitCode,
      hint: 'The container ran out of memory and was killed: run it again with a larger --memory.',
    };
  }
  if (exitCode === 0) return { status: 'SUCCEEDED', exitCode };
  if (exitCode === null) {
    return {
      status: 'FAILED',
      exitCode,
      hint: 'The container stopped without an exit code: see its stop reason.',
    };
  }
  return { status: 'FAILED', exitCode, ...(startFailure ? { hint: startFailure } : {}) };
}

const PULL_ADVICE =
  'Check the image name and tag, the registry credentials (for ECR, the execution role needs pull access), ' +
  'and that the subnet can reach the registry: a public IP, or a NAT gateway or VPC endpoints.';

function startFailureHint(reasons: string): string | undefined {
  if (reasons.includes('CannotPullContainerError')) {
    if (/not found|manifest unknown|does not exist/i.test(reasons)) {
      return `ECS could not pull the image: the image or tag does not exist. ${PULL_ADVICE}`;
    }
    if (/denied|unauthorized|forbidden|403/i.test(reasons)) {
      return `ECS could not pull the image: the registry refused access. ${PULL_ADVICE}`;
    }
    if (/timeout|deadline exceeded|dial tcp|no route/i.test(reasons)) {
      return `ECS could not pull the image: the subnet could not reach the registry. ${PULL_ADVICE}`;
    }
    return `ECS could not pull the image. ${PULL_ADVICE}`;
  }
  if (reasons.includes('CannotStartContainerError')) {
    return /executable file not found|no such file/i.test(reasons)
      ? 'The command was not found in the image. Commands run without a shell unless you pass --shell.'
      : 'The container could not start: check the command and the image entrypoint.';
  }
  if (reasons.includes('ResourceInitializationError')) {
    return (
      'ECS could not prepare the task. Check that the execution role can read the secrets given with --secret ' +
      'and write to the log group, and that the subnet can reach Secrets Manager, SSM, CloudWatch Logs and ECR ' +
      '(a public IP, or a NAT gateway or VPC endpoints).'
    );
  }
  return undefined;
}

function isSpot(task: EcsTask): boolean {
  return task.capacityProviderName === 'FARGATE_SPOT';
}

/**
 * runvoy's own tasks have one container, "runner". A task runvoy adopted may have others: then the one that
 * failed says the most.
 */
function mainContainer(containers: EcsContainer[]): EcsContainer | undefined {
  return (
    containers.find((c) => c.name === RUNNER_CONTAINER_NAME) ??
    containers.find((c) => typeof c.exitCode === 'number' && c.exitCode !== 0) ??
    containers[0]
  );
}

function toIso(value: Date | string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function omitUndefined<T extends Record<string, unknown>>(record: T): Partial<T> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The exit code of the CLI process for a finished execution. */
export function exitCodeForOutcome(outcome: Pick<TaskOutcome, 'status' | 'exitCode'>): number {
  switch (outcome.status) {
    case 'SUCCEEDED':
      return ExitCode.Ok;
    case 'FAILED': {
      // A process can only exit with 1..255; a FAILED run must never exit 0.
      const code = outcome.exitCode;
      return code !== null && Number.isInteger(code) && code >= 1 && code <= 255 ? code : ExitCode.Failure;
    }
    case 'TIMED_OUT':
      return ExitCode.TimedOut;
    case 'STOPPED':
      return ExitCode.Interrupted;
    default:
      return ExitCode.Failure;
  }
}
