import { describe, expect, it } from 'vitest';
import {
  exitCodeForOutcome,
  taskOutcome,
  type EcsTask,
  type TaskOutcome,
} from '../../../src/core/task-result.js';

const TASK_ARN = 'arn:aws:ecs:eu-west-1:123456789012:task/runvoy-cluster/8f2a6c3e1b9d4e7fa0c5b2d1e3f4a5b6';

/** A stopped task as DescribeTasks returns it (trimmed to the fields that matter, plus some that do not). */
function stoppedTask(overrides: Partial<EcsTask> = {}, container: Record<string, unknown> = {}): EcsTask {
  return {
    taskArn: TASK_ARN,
    clusterArn: 'arn:aws:ecs:eu-west-1:123456789012:cluster/runvoy-cluster',
    taskDefinitionArn: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/runvoy-runvoy-0123456789abcdef:1',
    lastStatus: 'STOPPED',
    desiredStatus: 'STOPPED',
    launchType: 'FARGATE',
    platformVersion: '1.4.0',
    cpu: '256',
    memory: '512',
    createdAt: new Date('2024-06-15T12:00:00.000Z'),
    pullStartedAt: new Date('2024-06-15T12:00:05.120Z'),
    pullStoppedAt: new Date('2024-06-15T12:00:09.870Z'),
    startedAt: new Date('2024-06-15T12:00:11.000Z'),
    stoppingAt: new Date('2024-06-15T12:03:11.000Z'),
    stoppedAt: new Date('2024-06-15T12:03:25.000Z'),
    executionStoppedAt: new Date('2024-06-15T12:03:10.500Z'),
    stopCode: 'EssentialContainerExited',
    stoppedReason: 'Essential container in task exited',
    startedBy: 'runvoy/7f3kq9m2xw4h',
    containers: [
      {
        containerArn: 'arn:aws:ecs:eu-west-1:123456789012:container/runvoy-cluster/8f2a6c3e/5d1c',
        taskArn: TASK_ARN,
        name: 'runner',
        image: 'public.ecr.aws/docker/library/alpine:3.20',
        runtimeId: '8f2a6c3e1b9d4e7fa0c5b2d1e3f4a5b6-1234567890',
        lastStatus: 'STOPPED',
        exitCode: 0,
        networkInterfaces: [{ attachmentId: 'a1', privateIpv4Address: '10.0.1.23' }],
        healthStatus: 'UNKNOWN',
        ...container,
      },
    ],
    ...overrides,
  } as EcsTask;
}

const TIMES = {
  startedAt: '2024-06-15T12:00:11.000Z',
  stoppedAt: '2024-06-15T12:03:25.000Z',
  pullStartedAt: '2024-06-15T12:00:05.120Z',
};

describe('taskOutcome: a task that ran and stopped on its own', () => {
  it('exit code 0 is SUCCEEDED, with ECS times as ISO strings', () => {
    expect(taskOutcome(stoppedTask())).toEqual({
      finished: true,
      status: 'SUCCEEDED',
      exitCode: 0,
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
      ...TIMES,
    });
  });

  it.each([1, 2, 42, 127, 143, 255])('exit code %d is FAILED with that code', (code) => {
    const outcome = taskOutcome(stoppedTask({}, { exitCode: code }));
    expect(outcome).toMatchObject({ finished: true, status: 'FAILED', exitCode: code });
    expect(outcome).not.toHaveProperty('hint');
  });

  it('an essential container that exited without an exit code is FAILED', () => {
    const outcome = taskOutcome(stoppedTask({}, { exitCode: undefined }));
    expect(outcome).toMatchObject({ finished: true, status: 'FAILED', exitCode: null });
    expect(outcome.hint).toMatch(/without an exit code/);
  });

  it('running out of memory is FAILED with exit 137 and a hint to raise --memory', () => {
    const outcome = taskOutcome(
      stoppedTask({}, { exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' }),
    );
    expect(outcome).toMatchObject({
      finished: true,
      status: 'FAILED',
      exitCode: 137,
      containerReason: 'OutOfMemoryError: Container killed due to memory usage',
    });
    expect(outcome.hint).toMatch(/--memory/);
  });

  it('the container exit stands even when the CLI was stopping the task at that moment', () => {
    expect(taskOutcome(stoppedTask(), { timedOut: true }).status).toBe('SUCCEEDED');
    expect(taskOutcome(stoppedTask({}, { exitCode: 3 }), { killed: true })).toMatchObject({
      status: 'FAILED',
      exitCode: 3,
    });
  });

  it('reads dates given as JSON strings, and leaves out missing or invalid ones', () => {
    const outcome = taskOutcome(
      stoppedTask({
        startedAt: '2024-06-15T12:00:11Z',
        stoppedAt: 'not a date',
        pullStartedAt: undefined,
      }),
    );
    expect(outcome.startedAt).toBe('2024-06-15T12:00:11.000Z');
    expect(outcome).not.toHaveProperty('stoppedAt');
    expect(outcome).not.toHaveProperty('pullStartedAt');
  });
});

describe('taskOutcome: stopped by someone', () => {
  const userStop = { stopCode: 'UserInitiated', stoppedReason: 'Task stopped by runvoy kill' };

  it('context.timedOut is TIMED_OUT', () => {
    expect(taskOutcome(stoppedTask(userStop, { exitCode: 143 }), { timedOut: true })).toMatchObject({
      finished: true,
      status: 'TIMED_OUT',
      exitCode: 143,
      stopCode: 'UserInitiated',
    });
  });

  it('context.killed is STOPPED', () => {
    expect(taskOutcome(stoppedTask(userStop, { exitCode: 137 }), { killed: true })).toMatchObject({
      status: 'STOPPED',
      exitCode: 137,
    });
  });

  it('UserInitiated without an exit code (stopped before the container started) is STOPPED', () => {
    const task = stoppedTask(
      { ...userStop, startedAt: undefined },
      { exitCode: undefined, lastStatus: 'STOPPED' },
    );
    expect(taskOutcome(task)).toMatchObject({ finished: true, status: 'STOPPED', exitCode: null });
  });

  it('UserInitiated from another machine is STOPPED too, keeping the exit code for the record', () => {
    expect(taskOutcome(stoppedTask(userStop, { exitCode: 143 }))).toMatchObject({
      status: 'STOPPED',
      exitCode: 143,
    });
    expect(taskOutcome(stoppedTask(userStop, { exitCode: 0 }))).toMatchObject({
      status: 'STOPPED',
      exitCode: 0,
    });
  });

  it('timed out wins over killed', () => {
    expect(taskOutcome(stoppedTask(userStop), { timedOut: true, killed: true }).status).toBe('TIMED_OUT');
  });
});

describe('taskOutcome: failed to start', () => {
  const failedToStart = (stoppedReason: string, container: Record<string, unknown> = {}) =>
    stoppedTask(
      { stopCode: 'TaskFailedToStart', stoppedReason, startedAt: undefined },
      { exitCode: undefined, lastStatus: 'STOPPED', ...container },
    );

  it('an image that does not exist', () => {
    const reason =
      'CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref ' +
      'public.ecr.aws/docker/library/alpine:nope: public.ecr.aws/docker/library/alpine:nope: not found';
    const outcome = taskOutcome(failedToStart(reason));
    expect(outcome).toMatchObject({
      finished: true,
      status: 'FAILED',
      exitCode: null,
      stopCode: 'TaskFailedToStart',
      stoppedReason: reason,
    });
    expect(outcome.hint).toMatch(/^ECS could not pull the image: the image or tag does not exist\./);
    expect(outcome.hint).toMatch(/image name and tag/);
    expect(outcome.hint).toMatch(/registry credentials/);
    expect(outcome.hint).toMatch(/public IP, or a NAT gateway or VPC endpoints/);
    expect(outcome).not.toHaveProperty('startedAt');
  });

  it('a subnet with no route to the registry', () => {
    const reason =
      'CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref ' +
      'ghcr.io/org/app:v1: failed to do request: Head "https://ghcr.io/v2/org/app/manifests/v1": ' +
      'dial tcp 140.82.121.34:443: i/o timeout';
    expect(taskOutcome(failedToStart(reason)).hint).toMatch(/subnet could not reach the registry/);
  });

  it('a registry that refuses access', () => {
    const reason =
      'CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref ' +
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com/private:1: unexpected status from HEAD request: 403 Forbidden';
    expect(taskOutcome(failedToStart(reason)).hint).toMatch(/registry refused access/);
  });

  it('another pull error gets the general advice', () => {
    const reason = 'CannotPullContainerError: ref pull has been retried 1 time(s): failed to extract layer';
    expect(taskOutcome(failedToStart(reason)).hint).toMatch(/^ECS could not pull the image\. Check/);
  });

  it('the pull error in the container reason only', () => {
    const outcome = taskOutcome(
      failedToStart('Task failed to start', {
        reason: 'CannotPullContainerError: failed to resolve ref docker.io/library/nope:latest: not found',
      }),
    );
    expect(outcome).toMatchObject({ status: 'FAILED', exitCode: null });
    expect(outcome.containerReason).toMatch(/^CannotPullContainerError/);
    expect(outcome.hint).toMatch(/does not exist/);
  });

  it('secrets that cannot be read', () => {
    const reason =
      'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: ' +
      'unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret ' +
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf from secrets manager: ' +
      'AccessDeniedException: User is not authorized to perform: secretsmanager:GetSecretValue';
    const outcome = taskOutcome(failedToStart(reason));
    expect(outcome).toMatchObject({ status: 'FAILED', exitCode: null });
    expect(outcome.hint).toMatch(/execution role can read the secrets/);
    expect(outcome.hint).toMatch(/log group/);
    expect(outcome.hint).toMatch(/subnet can reach Secrets Manager, SSM, CloudWatch Logs and ECR/);
  });

  it('a log group that cannot be written', () => {
    const reason =
      'ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: ' +
      'failed to create Cloudwatch log stream: ResourceNotFoundException: The specified log group does not exist.';
    expect(taskOutcome(failedToStart(reason)).hint).toMatch(/^ECS could not prepare the task/);
  });

  it('a command that is not in the image', () => {
    const outcome = taskOutcome(
      failedToStart('Essential container in task exited', {
        reason:
          'CannotStartContainerError: ResourceInitializationError: failed to create new container runtime task: ' +
          'failed to create shim task: OCI runtime create failed: runc create failed: unable to start container ' +
          'process: exec: "terraform": executable file not found in $PATH: unknown',
      }),
    );
    expect(outcome.status).toBe('FAILED');
    expect(outcome.hint).toMatch(/command was not found in the image.*--shell/);
  });

  it('a command that is not in the image, as ECS reports it: the essential container exited', () => {
    const outcome = taskOutcome(
      stoppedTask(
        {},
        {
          exitCode: undefined,
          reason:
            'CannotStartContainerError: ResourceInitializationError: failed to create new container runtime task: ' +
            'OCI runtime create failed: runc create failed: unable to start container process: exec: "tf": ' +
            'executable file not found in $PATH: unknown',
        },
      ),
    );
    expect(outcome).toMatchObject({ status: 'FAILED', exitCode: null, stopCode: 'EssentialContainerExited' });
    expect(outcome.hint).toMatch(/command was not found in the image/);
  });

  it('a container that could not start and still reported an exit code keeps it, with the hint', () => {
    const outcome = taskOutcome(
      stoppedTask(
        {},
        { exitCode: 127, reason: 'CannotStartContainerError: exec: "tf": no such file or directory' },
      ),
    );
    expect(outcome).toMatchObject({ status: 'FAILED', exitCode: 127 });
    expect(outcome.hint).toMatch(/command was not found in the image/);
  });

  it('a container that cannot start for another reason', () => {
    const outcome = taskOutcome(failedToStart('x', { reason: 'CannotStartContainerError: API error (500)' }));
    expect(outcome.hint).toMatch(/could not start: check the command and the image entrypoint/);
  });

  it('an unknown start failure still says where to look', () => {
    const outcome = taskOutcome(
      failedToStart('Timeout waiting for network interface provisioning to complete.'),
    );
    expect(outcome).toMatchObject({ status: 'FAILED', exitCode: null });
    expect(outcome.hint).toBe('ECS could not start the task: see its stop reason.');
  });

  it('ignores an exit code on a task that failed to start', () => {
    expect(taskOutcome(failedToStart('CannotPullContainerError: x', { exitCode: 0 })).exitCode).toBeNull();
  });

  it('is FAILED even when the CLI had given up waiting', () => {
    expect(taskOutcome(failedToStart('CannotPullContainerError: x'), { timedOut: true }).status).toBe(
      'FAILED',
    );
  });

  it('recognises a start failure from the reason when the stop code is missing', () => {
    const task = failedToStart('ResourceInitializationError: unable to pull secrets or registry auth');
    delete task.stopCode;
    expect(taskOutcome(task)).toMatchObject({ status: 'FAILED', exitCode: null, hint: expect.any(String) });
  });
});

describe('taskOutcome: stopped by ECS', () => {
  it('a Spot interruption is FAILED with a hint to retry or run without --spot', () => {
    const outcome = taskOutcome(
      stoppedTask(
        {
          stopCode: 'SpotInterruption',
          stoppedReason: 'Your Spot Task was interrupted.',
          capacityProviderName: 'FARGATE_SPOT',
        },
        { exitCode: 143 },
      ),
    );
    expect(outcome).toMatchObject({
      finished: true,
      status: 'FAILED',
      exitCode: 143,
      stopCode: 'SpotInterruption',
    });
    expect(outcome.hint).toMatch(/Run it again, or without --spot/);
  });

  it('a termination notice on Fargate Spot gets the Spot hint', () => {
    const outcome = taskOutcome(
      stoppedTask({ stopCode: 'TerminationNotice', capacityProviderName: 'FARGATE_SPOT' }, { exitCode: 0 }),
    );
    expect(outcome).toMatchObject({ status: 'FAILED' });
    expect(outcome.hint).toMatch(/--spot/);
  });

  it.each(['TerminationNotice', 'ServiceSchedulerInitiated'])(
    '%s is FAILED: the command did not finish',
    (stopCode) => {
      const outcome = taskOutcome(
        stoppedTask({ stopCode, capacityProviderName: 'FARGATE' }, { exitCode: 0 }),
      );
      expect(outcome).toMatchObject({ finished: true, status: 'FAILED', exitCode: 0, stopCode });
      expect(outcome.hint).toBe(`ECS stopped the task (${stopCode}) before it finished. Run it again.`);
      expect(exitCodeForOutcome(outcome)).toBe(1);
    },
  );
});

describe('taskOutcome: the moto emulator (no stop code, no times)', () => {
  const motoTask = (): EcsTask => ({
    taskArn: TASK_ARN,
    lastStatus: 'STOPPED',
    desiredStatus: 'STOPPED',
    containers: [{ name: 'runner', exitCode: 0, lastStatus: 'STOPPED' }],
  });

  it('a stopped task with exit 0 is SUCCEEDED', () => {
    expect(taskOutcome(motoTask())).toEqual({ finished: true, status: 'SUCCEEDED', exitCode: 0 });
  });

  it('a task the CLI killed is STOPPED, and one it timed out is TIMED_OUT', () => {
    expect(taskOutcome(motoTask(), { killed: true }).status).toBe('STOPPED');
    expect(taskOutcome(motoTask(), { timedOut: true }).status).toBe('TIMED_OUT');
  });

  it('a non-zero exit is FAILED, an out-of-memory one says so', () => {
    const task = motoTask();
    task.containers = [
      { name: 'runner', exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' },
    ];
    expect(taskOutcome(task)).toMatchObject({
      status: 'FAILED',
      exitCode: 137,
      hint: expect.stringMatching(/--memory/),
    });
  });

  it('no containers at all is FAILED without an exit code', () => {
    expect(taskOutcome({ lastStatus: 'STOPPED' })).toMatchObject({
      finished: true,
      status: 'FAILED',
      exitCode: null,
    });
  });
});

describe('taskOutcome: which container counts', () => {
  it('the runner container, wherever it is in the list', () => {
    const task = stoppedTask();
    task.containers = [
      { name: 'sidecar', exitCode: 1 },
      { name: 'runner', exitCode: 0 },
    ];
    expect(taskOutcome(task).status).toBe('SUCCEEDED');
  });

  it('in an adopted task without a runner, a container that failed', () => {
    const task = stoppedTask();
    task.containers = [
      { name: 'app', exitCode: 0 },
      { name: 'migrate', exitCode: 2, reason: 'boom' },
    ];
    expect(taskOutcome(task)).toMatchObject({ status: 'FAILED', exitCode: 2, containerReason: 'boom' });
  });

  it('in an adopted task whose containers all succeeded, the first', () => {
    const task = stoppedTask();
    task.containers = [
      { name: 'app', exitCode: 0 },
      { name: 'sidecar', exitCode: 0 },
    ];
    expect(taskOutcome(task)).toMatchObject({ status: 'SUCCEEDED', exitCode: 0 });
  });
});

describe('taskOutcome: a task that has not stopped', () => {
  it.each([
    ['PROVISIONING', 'STARTING'],
    ['PENDING', 'STARTING'],
    ['ACTIVATING', 'STARTING'],
    ['RUNNING', 'RUNNING'],
    ['DEACTIVATING', 'RUNNING'],
    ['STOPPING', 'RUNNING'],
    ['DEPROVISIONING', 'RUNNING'],
    [undefined, 'STARTING'],
  ])('lastStatus %s is %s, not finished', (lastStatus, status) => {
    const task = stoppedTask(
      {
        lastStatus,
        desiredStatus: 'RUNNING',
        stopCode: undefined,
        stoppedReason: undefined,
        stoppedAt: undefined,
      },
      { exitCode: undefined, lastStatus: 'RUNNING' },
    );
    expect(taskOutcome(task)).toEqual({
      finished: false,
      status,
      exitCode: null,
      startedAt: TIMES.startedAt,
      pullStartedAt: TIMES.pullStartedAt,
    });
  });

  it('a task stopping because it failed to start is still STARTING', () => {
    const task = stoppedTask(
      { lastStatus: 'DEACTIVATING', stopCode: 'TaskFailedToStart', startedAt: undefined },
      { exitCode: undefined },
    );
    expect(taskOutcome(task)).toMatchObject({ finished: false, status: 'STARTING', exitCode: null });
  });

  it('keeps the stop code and reason of a task on its way down', () => {
    const task = stoppedTask({
      lastStatus: 'STOPPING',
      stopCode: 'UserInitiated',
      stoppedReason: 'Task stopped by runvoy kill',
    });
    expect(taskOutcome(task, { killed: true })).toMatchObject({
      finished: false,
      status: 'RUNNING',
      exitCode: null,
      stopCode: 'UserInitiated',
      stoppedReason: 'Task stopped by runvoy kill',
    });
  });

  it('ignores the context until the task has stopped', () => {
    const task = stoppedTask({ lastStatus: 'RUNNING' });
    expect(taskOutcome(task, { timedOut: true })).toMatchObject({ finished: false, status: 'RUNNING' });
  });
});

describe('exitCodeForOutcome', () => {
  const outcome = (status: TaskOutcome['status'], exitCode: number | null) => ({ status, exitCode });

  it.each([
    [outcome('SUCCEEDED', 0), 0],
    [outcome('FAILED', 2), 2],
    [outcome('FAILED', 137), 137],
    [outcome('FAILED', 255), 255],
    [outcome('FAILED', null), 1],
    [outcome('FAILED', 0), 1],
    [outcome('FAILED', 256), 1],
    [outcome('FAILED', -1), 1],
    [outcome('TIMED_OUT', 143), 124],
    [outcome('TIMED_OUT', null), 124],
    [outcome('STOPPED', 137), 130],
    [outcome('STOPPED', null), 130],
    [outcome('LOST', null), 1],
    [outcome('RUNNING', null), 1],
  ])('%j exits %d', (o, code) => {
    expect(exitCodeForOutcome(o)).toBe(code);
  });
});
