/**
 * Whether a task may have started although RunTask threw (issue 11 item 3): only then may runvoy not mark
 * the run FAILED and free its lock. Errors are shaped as the SDK throws them (AWS error documents with
 * their HTTP status, network errors with their code), labelled with their operation as runvoy's call
 * observer does.
 */
import {
  AccessDeniedException,
  ClientException,
  InvalidParameterException,
  ServerException,
} from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { ORIGIN } from '../../../src/aws/call-observer.js';
import { runTaskMayHaveStarted, SpotCapacityError } from '../../../src/aws/tasks.js';
import { RunvoyError } from '../../../src/core/errors.js';

function from<T extends object>(operation: string, error: T): T {
  Object.defineProperty(error, ORIGIN, { value: { service: 'ECS', operation }, enumerable: false });
  return error;
}

const meta = (httpStatusCode: number | undefined, attempts = 1) => ({
  $metadata: { httpStatusCode, attempts, requestId: 'c0ffee00-0000-4000-8000-000000000000' },
});

function networkError(code: string, attempts: number, operation = 'RunTask'): Error {
  return from(
    operation,
    Object.assign(new Error(code === 'ECONNRESET' ? 'socket hang up' : `connect ${code} 10.0.0.1:443`), {
      name: code === 'ECONNRESET' ? 'TimeoutError' : 'Error',
      code,
      ...meta(undefined, attempts),
    }),
  );
}

describe('runTaskMayHaveStarted', () => {
  it('is false when ECS answered: no task and a reason, a client error, throttling on the only attempt', () => {
    expect(
      runTaskMayHaveStarted(
        new RunvoyError({ what: 'ECS did not start the task.', code: 'RUN_TASK_FAILED' }),
      ),
    ).toBe(false);
    expect(runTaskMayHaveStarted(new SpotCapacityError('Capacity is unavailable at this time.'))).toBe(false);
    const denied = new AccessDeniedException({
      message: 'not authorized to perform: ecs:RunTask',
      ...meta(400),
    });
    expect(runTaskMayHaveStarted(from('RunTask', denied))).toBe(false);
    const invalid = new InvalidParameterException({ message: 'subnet-0 does not exist', ...meta(400, 1) });
    expect(runTaskMayHaveStarted(from('RunTask', invalid))).toBe(false);
    const throttled = Object.assign(new Error('Rate exceeded'), {
      name: 'ThrottlingException',
      ...meta(400, 1),
    });
    expect(runTaskMayHaveStarted(from('RunTask', throttled))).toBe(false);
  });

  it('is false when the request never left: no credentials, a refused connection, a failed registration', () => {
    const noCredentials = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });
    expect(runTaskMayHaveStarted(noCredentials)).toBe(false);
    expect(runTaskMayHaveStarted(networkError('ECONNREFUSED', 5))).toBe(false);
    expect(runTaskMayHaveStarted(networkError('ENOTFOUND', 5))).toBe(false);
    // RegisterTaskDefinition runs only after RunTask answered that the family does not exist.
    const registerFailed = new ClientException({ message: 'Too many concurrent attempts', ...meta(400) });
    expect(runTaskMayHaveStarted(from('RegisterTaskDefinition', registerFailed))).toBe(false);
    expect(runTaskMayHaveStarted(networkError('ECONNRESET', 5, 'RegisterTaskDefinition'))).toBe(false);
  });

  it('is true when the answer may have been lost: a reset or timed-out connection, a server error, throttling after retries', () => {
    expect(runTaskMayHaveStarted(networkError('ECONNRESET', 5))).toBe(true);
    const timeout = from(
      'RunTask',
      Object.assign(new Error('Connection timed out after 30000 ms'), {
        name: 'TimeoutError',
        ...meta(undefined, 5),
      }),
    );
    expect(runTaskMayHaveStarted(timeout)).toBe(true);
    const server = new ServerException({ message: 'Service Unavailable', ...meta(500, 5) });
    expect(runTaskMayHaveStarted(from('RunTask', server))).toBe(true);
    const throttledLater = Object.assign(new Error('Rate exceeded'), {
      name: 'ThrottlingException',
      ...meta(400, 5),
    });
    expect(runTaskMayHaveStarted(from('RunTask', throttledLater))).toBe(true);
    // moto answers a crash with an HTML 500 that the SDK cannot parse.
    const html = from(
      'RunTask',
      Object.assign(new SyntaxError('Unexpected token < in JSON at position 0'), meta(500, 5)),
    );
    expect(runTaskMayHaveStarted(html)).toBe(true);
  });
});
