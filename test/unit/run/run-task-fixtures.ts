/** A runTask input and its deadline, for the deadline tests (run-task-deadline*.test.ts). */
import type { RunTaskCommandOutput } from '@aws-sdk/client-ecs';
import { expect } from 'vitest';
import { RunTaskDeadlineError, type RunTaskDeadline } from '../../../src/aws/run-task-deadline.js';
import type { RunTaskInput } from '../../../src/aws/tasks.js';
import { RUN_TASK_PHASE_LIMIT_MS, runTaskDeadline, runTaskPhaseStart } from '../../../src/core/grace.js';
import { buildContainerOverrides } from '../../../src/core/run-plan.js';
import { buildTaskDefinition } from '../../../src/core/taskdef.js';

export const ID = '7k2m9x4qbd0e';
export const CLUSTER = 'runvoy-Cluster-ABC';
export const FAMILY = 'runvoy-runvoy-0123456789abcdef';
export const MINUTE = 60_000;
export const SPOT_NO_CAPACITY = 'Capacity is unavailable at this time. Please try again later';

export function input(deadline: RunTaskDeadline, overrides: Partial<RunTaskInput> = {}): RunTaskInput {
  return {
    cluster: CLUSTER,
    family: FAMILY,
    overrides: buildContainerOverrides({
      command: ['echo', 'hello'],
      shell: false,
      env: [],
      executionId: ID,
      cpu: 256,
      memory: 512,
    }),
    startedBy: `runvoy/${ID}`,
    clientToken: ID,
    tags: { 'runvoy:execution-id': ID },
    subnets: ['subnet-0abc1234'],
    securityGroups: ['sg-0abc1234'],
    assignPublicIp: 'ENABLED',
    spot: false,
    register: async () =>
      buildTaskDefinition(
        {
          image: 'public.ecr.aws/docker/library/alpine:3.20',
          arch: 'x86_64',
          executionRoleArn: 'arn:aws:iam::123456789012:role/runvoy/exec',
          taskRoleArn: 'arn:aws:iam::123456789012:role/runvoy/task',
          logGroup: '/runvoy/runvoy',
          region: 'us-east-1',
          secrets: [],
        },
        FAMILY,
      ),
    deadline,
    ...overrides,
  };
}

/** The deadline startExecution gives a run whose record was written, and lock taken, at these times. */
export function deadlineOf(createdAt: number, acquiredAt?: number, now?: () => number): RunTaskDeadline {
  const start = runTaskPhaseStart(
    new Date(createdAt).toISOString(),
    acquiredAt === undefined ? undefined : new Date(acquiredAt).toISOString(),
  );
  return { at: runTaskDeadline(start), limitMs: RUN_TASK_PHASE_LIMIT_MS, ...(now ? { now } : {}) };
}

export function started(): RunTaskCommandOutput {
  return {
    tasks: [
      { taskArn: `arn:aws:ecs:us-east-1:123456789012:task/${CLUSTER}/0123`, lastStatus: 'PROVISIONING' },
    ],
    failures: [],
    $metadata: { httpStatusCode: 200 },
  };
}

/** What the SDK throws when a call's abortSignal fires (node-http-handler, the retry middleware). */
export function abortError(): Error {
  return Object.assign(new Error('Request aborted'), { name: 'AbortError' });
}

export async function failure(promise: Promise<unknown>): Promise<RunTaskDeadlineError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RunTaskDeadlineError);
  return error as RunTaskDeadlineError;
}
