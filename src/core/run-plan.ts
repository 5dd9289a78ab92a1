import { RUNNER_CONTAINER_NAME, LOG_STREAM_PREFIX } from './container.js';
import type { EnvVar } from './env.js';
import { containerCommand } from './shell-quote.js';

export interface ContainerOverridesInput {
  command: string[];
  shell: boolean;
  env: EnvVar[];
  executionId: string;
  lockName?: string;
  fence?: number;
  cpu: number;
  memory: number;
}

/** The RunTask `overrides` document, mirroring the ECS API shape. */
export interface TaskOverrides {
  cpu: string;
  memory: string;
  containerOverrides: Array<{ name: string; command?: string[]; environment: EnvVar[] }>;
}

/**
 * The command runs in exec form: each argument reaches the process as given, and no shell sees it. With
 * `shell`, it runs as `sh -c SCRIPT` (see shellScript: one argument is the script as written; several are
 * quoted and joined). An empty command keeps the image's own CMD.
 */
export function buildContainerOverrides(input: ContainerOverridesInput): TaskOverrides {
  const { command, shell } = input;
  const environment: EnvVar[] = [...input.env, { name: 'RUNVOY_EXECUTION_ID', value: input.executionId }];
  if (input.lockName !== undefined) environment.push({ name: 'RUNVOY_LOCK_NAME', value: input.lockName });
  if (input.fence !== undefined) environment.push({ name: 'RUNVOY_LOCK_FENCE', value: String(input.fence) });
  const argv = containerCommand(command, shell);
  return {
    cpu: String(input.cpu),
    memory: String(input.memory),
    containerOverrides: [
      {
        name: RUNNER_CONTAINER_NAME,
        ...(argv ? { command: argv } : {}),
        environment,
      },
    ],
  };
}

/** The awslogs stream of a task's runner container: `runvoy/runner/<task-id>`. */
export function logStreamName(taskArn: string): string {
  const taskId = taskArn.split('/').pop() ?? '';
  if (!/^[A-Za-z0-9-]+$/.test(taskId)) throw new Error(`Not an ECS task ARN or ID: "${taskArn}"`);
  return `${LOG_STREAM_PREFIX}/${RUNNER_CONTAINER_NAME}/${taskId}`;
}

const STARTED_BY_MAX_LENGTH = 36;

/** RunTask `startedBy` (at most 36 letters, digits, "-", "/" or "_"): how runvoy recognises its own tasks. */
export function startedByFor(executionId: string): string {
  const startedBy = `runvoy/${executionId}`;
  if (startedBy.length > STARTED_BY_MAX_LENGTH || !/^[A-Za-z0-9_/-]+$/.test(startedBy)) {
    throw new Error(`Cannot build startedBy from execution ID "${executionId}"`);
  }
  return startedBy;
}

/** The execution ID in a `startedBy` value written by startedByFor, if it is one. */
export function executionIdFromStartedBy(startedBy: string | undefined): string | undefined {
  const match = /^runvoy\/([A-Za-z0-9_-]+)$/.exec(startedBy ?? '');
  return match?.[1];
}
