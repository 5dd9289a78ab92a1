/**
 * The RunTask phase deadline with the real SDK stack (retries, the watchdog) against a loopback endpoint:
 * an attempt the SDK would retry after the deadline is never sent, and a call in flight is aborted when
 * the wall clock passes the deadline, even when no timer would have fired then (the clock jumped).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AwsClients } from '../../../src/aws/clients.js';
import { runTask, runTaskMayHaveStarted } from '../../../src/aws/tasks.js';
import { isolatedAwsEnv, jsonError, patchEnv, startFakeAws, type FakeAws } from '../foundation/helpers.js';
import { deadlineOf, failure, input, MINUTE } from './run-task-fixtures.js';

const RUN_TASK = 'AmazonEC2ContainerServiceV20141113.RunTask';

describe('the RunTask phase deadline (the SDK against a loopback endpoint)', () => {
  let fake: FakeAws;
  let restore: () => void;
  let clients: AwsClients;

  afterEach(async () => {
    clients.destroy();
    restore();
    await fake.close();
  });

  async function endpoint(answer: Parameters<typeof startFakeAws>[0]): Promise<void> {
    fake = await startFakeAws(answer);
    restore = patchEnv(isolatedAwsEnv({ AWS_ENDPOINT_URL: fake.url, AWS_REGION: 'us-east-1' }), {
      clearAws: true,
    });
    clients = new AwsClients({ region: 'us-east-1' });
  }

  it('sends no retry after the deadline: the SDK would retry a 500, the attempt is refused, and the first may have started', async () => {
    let clock = Date.now();
    const deadline = deadlineOf(clock - 4 * MINUTE, undefined, () => clock);
    await endpoint(() => {
      clock = deadline.at;
      return jsonError('ServerException', 'Service unavailable', 500);
    });
    const error = await failure(runTask(clients, input(deadline)));
    expect(fake.requests.map((r) => r.target)).toEqual([RUN_TASK]);
    expect(error).toMatchObject({ operation: 'RunTask', sent: true });
    expect(runTaskMayHaveStarted(error)).toBe(true);
  });

  it('aborts a RunTask in flight once the clock passes the deadline, through the watchdog, and does not retry it', async () => {
    let clock = Date.now();
    const deadline = deadlineOf(clock - 4 * MINUTE, undefined, () => clock);
    await endpoint(() => {
      // The machine's clock jumps past the deadline while RunTask waits (a laptop that slept, say).
      clock = deadline.at + MINUTE;
      return 'hang';
    });
    const error = await failure(runTask(clients, input(deadline)));
    expect(fake.requests.map((r) => r.target)).toEqual([RUN_TASK]);
    expect(error).toMatchObject({ operation: 'RunTask', sent: true });
    expect(runTaskMayHaveStarted(error)).toBe(true);
  });

  it('a RunTask that answers with a task before the deadline starts the run as usual', async () => {
    await endpoint(() => ({
      status: 200,
      headers: { 'content-type': 'application/x-amz-json-1.1' },
      body: JSON.stringify({
        tasks: [{ taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/c/1' }],
        failures: [],
      }),
    }));
    const result = await runTask(clients, input(deadlineOf(Date.now())));
    expect(result.task.taskArn).toBe('arn:aws:ecs:us-east-1:123456789012:task/c/1');
  });
});
