import { describe, expect, it } from 'vitest';
import { AwsUnresponsiveError } from '../../../src/aws/watchdog.js';
import { failureText, lostContactError } from '../../../src/services/lost-contact.js';
import { waitingLine } from '../../../src/ui/aws-wait.js';
import { executionRecord } from '../../support/records.js';

const record = executionRecord({
  id: 'abc123',
  status: 'RUNNING',
  callerArn: 'arn:aws:sts::123456789012:assumed-role/Dev/alice',
  host: 'laptop',
  command: ['sleep', '600'],
  image: 'alpine:3.20',
  createdAt: '2025-01-01T10:00:00.000Z',
  taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/runvoy/0123',
  lockName: 'deploy',
  fence: 7,
});
const base = {
  mode: 'attached' as const,
  record,
  cause: 'ECS DescribeTasks got no answer from https://ecs.us-east-1.amazonaws.com (us-east-1) within 60s',
  lastSeenAt: Date.parse('2025-01-01T10:05:00.000Z'),
  stackName: 'runvoy',
};

describe('lostContactError', () => {
  it('says the task still runs, the lock is kept until the detached deadline, and how to get back to it; exit 1', () => {
    const error = lostContactError({
      ...base,
      lease: { kind: 'extended', until: Date.parse('2025-01-15T10:05:00Z') },
    });
    expect(error).toMatchObject({ code: 'LOST_CONTACT', exitCode: 1 });
    expect(error.what).toBe(`Lost contact with AWS while attached to abc123: ${base.cause}.`);
    expect(error.why).toContain(
      `Its task ${record.taskArn} still runs on ECS as far as runvoy knows (last seen RUNNING at 2025-01-01T10:05:00.000Z)`,
    );
    expect(error.why).toContain(
      'It keeps the lock "deploy" (fence 7): its lease now lasts until 2025-01-15T10:05:00.000Z',
    );
    expect(error.fix).toBe(
      'When AWS answers again: follow it with `runvoy logs abc123 --follow`, see it with `runvoy status abc123`, or stop it with `runvoy kill abc123`.',
    );
    expect(error.data).toMatchObject({
      executionId: 'abc123',
      lock: 'deploy',
      fence: 7,
      leaseExtended: true,
      leaseUntil: '2025-01-15T10:05:00.000Z',
    });
  });

  it('says when the lease expires when it could not be extended, and why', () => {
    const error = lostContactError({
      ...base,
      lease: {
        kind: 'not-extended',
        expiresAt: Date.parse('2025-01-01T10:07:00Z'),
        reason: 'DynamoDB UpdateItem got no answer',
      },
    });
    expect(error.why).toContain(
      'It still holds the lock "deploy" (fence 7), but the lease could not be extended (DynamoDB UpdateItem got no answer): it expires at 2025-01-01T10:07:00.000Z',
    );
    expect(error.data).toMatchObject({ leaseExtended: false, leaseExpiresAt: '2025-01-01T10:07:00.000Z' });
  });

  it('says so when the lock was released by force meanwhile', () => {
    expect(lostContactError({ ...base, lease: { kind: 'released' } }).why).toContain(
      'The lock "deploy" (fence 7) is no longer held by this run',
    );
  });

  it('for `logs --follow`: holds no lock; keeps --stack in the commands; words a refusal as such', () => {
    const error = lostContactError({
      ...base,
      mode: 'following',
      refused: true,
      cause: 'AWS ECS DescribeTasks was denied',
      lease: { kind: 'none' },
      stackName: 'team',
    });
    expect(error.what).toBe('runvoy can no longer follow abc123: AWS ECS DescribeTasks was denied.');
    expect(error.why).toContain('following it neither takes nor renews the lock');
    expect(error.fix).toContain('`runvoy logs abc123 --follow --stack team`');
    expect(error.fix).toContain('`runvoy kill abc123 --stack team`');
  });

  it('says so, and that reconcile will record it, when ECS last said the task had stopped', () => {
    const error = lostContactError({ ...base, taskStatus: 'STOPPED', lease: { kind: 'none' } });
    expect(error.why).toContain(
      `Its task ${record.taskArn} has stopped (ECS said STOPPED at 2025-01-01T10:05:00.000Z)`,
    );
    expect(error.why).toContain('`runvoy reconcile` will');
    expect(error.why).not.toContain('still runs');
  });

  it('mentions the --timeout that still stops the task', () => {
    const timed = { ...record, timeoutAt: '2025-01-01T12:00:00.000Z' };
    expect(lostContactError({ ...base, record: timed, lease: { kind: 'none' } }).why).toContain(
      'Its --timeout still stops it at 2025-01-01T12:00:00.000Z.',
    );
  });
});

describe('failureText and waitingLine', () => {
  it('failureText: what an unresponsive call waited for, or the error’s own what', () => {
    const silent = new AwsUnresponsiveError(
      'ECS',
      'DescribeTasks',
      'http://127.0.0.1:9000',
      'us-east-1',
      60_000,
      60_000,
      4,
    );
    expect(failureText(silent)).toBe(
      'ECS DescribeTasks got no answer from http://127.0.0.1:9000 (us-east-1) within 60s',
    );
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED', $metadata: {} });
    expect(failureText(refused)).toMatch(/could not reach/);
  });

  it('waitingLine: service, operation, endpoint, region, wait, attempt, others, and the bound with its setting', () => {
    const wait = {
      service: 'DynamoDB',
      operation: 'Query',
      endpoint: 'http://127.0.0.1:9000',
      region: 'us-east-1',
      waitedMs: 3_100,
      attempt: 1,
      maxAttempts: 5,
      timeoutMs: 60_000,
      others: 0,
    };
    expect(waitingLine(wait)).toBe(
      'Waiting for DynamoDB Query at http://127.0.0.1:9000 (us-east-1): no answer for 3s; retrying for up to 60s (aws.timeout, RUNVOY_AWS_TIMEOUT)...',
    );
    expect(waitingLine({ ...wait, waitedMs: 18_000, attempt: 3, others: 2 })).toBe(
      'Waiting for DynamoDB Query (and 2 other requests) at http://127.0.0.1:9000 (us-east-1): no answer for 18s, attempt 3 of 5; retrying for up to 60s (aws.timeout, RUNVOY_AWS_TIMEOUT)...',
    );
  });
});
