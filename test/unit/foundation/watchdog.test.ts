import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  attemptOf,
  AwsUnresponsiveError,
  AwsWatchdog,
  isRead,
  operationOf,
  regionOf,
  type AwsWait,
  type HandlerOptionsLike,
  type HttpHandlerLike,
  type RequestLike,
} from '../../../src/aws/watchdog.js';

const DYNAMO = 'http://127.0.0.1:4566';

function request(
  operation: string,
  options: { attempt?: number; invocation?: string; hostname?: string; method?: string } = {},
): RequestLike {
  return {
    protocol: 'http:',
    hostname: options.hostname ?? '127.0.0.1',
    port: 4566,
    method: options.method ?? 'POST',
    path: '/',
    headers: {
      'x-amz-target': `DynamoDB_20120810.${operation}`,
      'amz-sdk-invocation-id': options.invocation ?? 'call-1',
      'amz-sdk-request': `attempt=${options.attempt ?? 1}; max=5`,
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKID/20240501/eu-west-1/dynamodb/aws4_request, SignedHeaders=host, Signature=x',
    },
  };
}

interface Sent {
  request: RequestLike;
  options: HandlerOptionsLike;
  answer(): void;
}

/**
 * The SDK's handler as the watchdog sees it: each request waits until the test answers it, or until its
 * requestTimeout (a TimeoutError) or its abort signal (an AbortError), as node-http-handler does.
 */
function fakeInner(options_: { ignoreTimeouts?: boolean } = {}): HttpHandlerLike & { sent: Sent[] } {
  const sent: Sent[] = [];
  return {
    sent,
    handle(req, options = {}) {
      return new Promise((resolve, reject) => {
        const timer =
          options.requestTimeout === undefined || options_.ignoreTimeouts
            ? undefined
            : setTimeout(
                () => reject(Object.assign(new Error('timed out'), { name: 'TimeoutError' })),
                options.requestTimeout,
              );
        options.abortSignal?.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(Object.assign(new Error('Request aborted'), { name: 'AbortError' }));
        });
        sent.push({
          request: req,
          options,
          answer: () => {
            clearTimeout(timer);
            resolve({ response: { statusCode: 200 } });
          },
        });
      });
    },
  };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('AwsWatchdog: time per attempt', () => {
  it('gives a read 5 s for its first attempt, doubling on each retry', async () => {
    const inner = fakeInner();
    const handler = new AwsWatchdog({ timeoutMs: 60_000 }).wrap('DynamoDB', inner);
    for (const attempt of [1, 2, 3]) {
      void handler.handle(request('Query', { attempt })).catch(() => undefined);
    }
    expect(inner.sent.map((s) => s.options.requestTimeout)).toEqual([5_000, 10_000, 20_000]);
  });

  it('gives a write 30 s for its first attempt: a write that timed out may have been carried out', async () => {
    const inner = fakeInner();
    const handler = new AwsWatchdog({ timeoutMs: 60_000 }).wrap('DynamoDB', inner);
    void handler.handle(request('TransactWriteItems')).catch(() => undefined);
    expect(inner.sent[0]?.options.requestTimeout).toBe(30_000);
  });

  it('never gives an attempt more than what is left of the call’s aws.timeout', async () => {
    const inner = fakeInner();
    const handler = new AwsWatchdog({ timeoutMs: 8_000 }).wrap('DynamoDB', inner);
    const first = handler.handle(request('Query', { attempt: 1 }));
    const firstFailed = expect(first).rejects.toMatchObject({ name: 'TimeoutError' });
    await vi.advanceTimersByTimeAsync(5_000);
    await firstFailed;
    void handler.handle(request('Query', { attempt: 2 })).catch(() => undefined);
    expect(inner.sent[1]?.options.requestTimeout).toBe(3_000);
  });

  it('passes the caller’s options through, with its own abort signal and timeout', async () => {
    const inner = fakeInner();
    const handler = new AwsWatchdog().wrap('DynamoDB', inner);
    void handler.handle(request('Query'), { isEventStream: false }).catch(() => undefined);
    expect(inner.sent[0]?.options).toMatchObject({ isEventStream: false, requestTimeout: 5_000 });
    expect(inner.sent[0]?.options.abortSignal).toBeInstanceOf(AbortSignal);
  });
});

describe('AwsWatchdog: giving up', () => {
  it('fails a call that had no answer within aws.timeout with AwsUnresponsiveError, naming what it waited for', async () => {
    const inner = fakeInner();
    const handler = new AwsWatchdog({ timeoutMs: 6_000 }).wrap('DynamoDB', inner);
    const first = handler.handle(request('Query', { attempt: 1 }));
    const firstFailed = expect(first).rejects.toMatchObject({ name: 'TimeoutError' });
    await vi.advanceTimersByTimeAsync(5_000);
    await firstFailed;
    const second = handler.handle(request('Query', { attempt: 2 }));
    const secondFailed = second.catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(1_000);
    const error = (await secondFailed) as AwsUnresponsiveError;
    expect(error).toBeInstanceOf(AwsUnresponsiveError);
    expect(error).toMatchObject({
      service: 'DynamoDB',
      operation: 'Query',
      endpoint: DYNAMO,
      region: 'eu-west-1',
      waitedMs: 6_000,
      timeoutMs: 6_000,
    });
    expect(error.message).toContain(`Query at ${DYNAMO} (eu-west-1)`);
  });

  it('then gives the silent endpoint up: what still waits on it fails at once, and nothing more is sent to it', async () => {
    const inner = fakeInner();
    const handler = new AwsWatchdog({ timeoutMs: 4_000 }).wrap('DynamoDB', inner);
    const a = handler.handle(request('Query', { invocation: 'a' })).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(2_000);
    const b = handler.handle(request('GetItem', { invocation: 'b' })).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(await a).toBeInstanceOf(AwsUnresponsiveError);
    // b had waited only 2 s of its 4, but the endpoint answered nothing in 4 s: it fails now too.
    expect(await b).toMatchObject({ name: 'AwsUnresponsiveError', operation: 'GetItem' });
    const c = await handler.handle(request('PutItem', { invocation: 'c' })).catch((e: unknown) => e);
    expect(c).toMatchObject({ name: 'AwsUnresponsiveError', operation: 'PutItem', waitedMs: 0 });
    expect(inner.sent).toHaveLength(2);
  });

  it('does not give up an endpoint that answered other calls meanwhile: only the slow call fails', async () => {
    const inner = fakeInner();
    const handler = new AwsWatchdog({ timeoutMs: 4_000 }).wrap('DynamoDB', inner);
    const slow = handler.handle(request('Query', { invocation: 'slow' })).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1_000);
    const quick = handler.handle(request('GetItem', { invocation: 'quick' }));
    inner.sent[1]?.answer();
    await quick;
    await vi.advanceTimersByTimeAsync(3_000);
    expect(await slow).toBeInstanceOf(AwsUnresponsiveError);
    const next = handler.handle(request('GetItem', { invocation: 'next' }));
    expect(inner.sent).toHaveLength(3);
    inner.sent[2]?.answer();
    await expect(next).resolves.toBeDefined();
  });

  it('gives up one endpoint only, while another answers: that one is still asked', async () => {
    const inner = fakeInner();
    const watchdog = new AwsWatchdog({ timeoutMs: 2_000 });
    const dynamo = watchdog.wrap('DynamoDB', inner);
    const ecs = watchdog.wrap('ECS', inner);
    const failed = dynamo.handle(request('Query')).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1_000);
    const answered = ecs.handle(request('ListTasks', { hostname: 'ecs.local', invocation: 'e1' }));
    inner.sent[1]?.answer();
    await answered;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await failed).toBeInstanceOf(AwsUnresponsiveError);
    await expect(dynamo.handle(request('GetItem', { invocation: 'd2' }))).rejects.toBeInstanceOf(
      AwsUnresponsiveError,
    );
    const other = ecs.handle(request('DescribeTasks', { hostname: 'ecs.local', invocation: 'e2' }));
    expect(inner.sent).toHaveLength(3);
    inner.sent[2]?.answer();
    await expect(other).resolves.toBeDefined();
  });

  it('gives everything up when nothing has answered for aws.timeout, even if each call failed sooner (refused)', async () => {
    const watchdog = new AwsWatchdog({ timeoutMs: 10_000 });
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    let sent = 0;
    const failing: HttpHandlerLike = {
      handle: () => {
        sent++;
        return Promise.reject(refused);
      },
    };
    const sts = watchdog.wrap('STS', failing);
    for (let i = 0; i < 5; i++) {
      await expect(sts.handle(request('GetCallerIdentity', { invocation: `c${i}` }))).rejects.toBe(refused);
      await vi.advanceTimersByTimeAsync(2_000);
    }
    // 10 s of requests, no answer: this one, and one to another endpoint, are not even sent.
    const next = await sts
      .handle(request('GetCallerIdentity', { invocation: 'c5' }))
      .catch((e: unknown) => e);
    expect(next).toMatchObject({ name: 'AwsUnresponsiveError', waitedMs: 0 });
    const inner = fakeInner();
    const other = await watchdog
      .wrap('ECS', inner)
      .handle(request('DescribeTasks', { hostname: 'ecs.local' }))
      .catch((e: unknown) => e);
    expect(other).toMatchObject({ name: 'AwsUnresponsiveError', service: 'ECS' });
    expect(sent).toBe(5);
    expect(inner.sent).toHaveLength(0);
  });

  it('counts afresh after an answer, or after a quiet spell with no request at all', async () => {
    const watchdog = new AwsWatchdog({ timeoutMs: 10_000 });
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    let answer = false;
    const flaky: HttpHandlerLike = {
      handle: () => (answer ? Promise.resolve({ response: {} }) : Promise.reject(refused)),
    };
    const sts = watchdog.wrap('STS', flaky);
    await expect(sts.handle(request('GetCallerIdentity', { invocation: 'a' }))).rejects.toBe(refused);
    await vi.advanceTimersByTimeAsync(9_000);
    answer = true;
    await expect(sts.handle(request('GetCallerIdentity', { invocation: 'b' }))).resolves.toBeDefined();
    answer = false;
    await vi.advanceTimersByTimeAsync(9_000);
    await expect(sts.handle(request('GetCallerIdentity', { invocation: 'c' }))).rejects.toBe(refused);
    // 11 s without a request (a prompt, say): the next failure is not 20 s of silence.
    await vi.advanceTimersByTimeAsync(11_000);
    await expect(sts.handle(request('GetCallerIdentity', { invocation: 'd' }))).rejects.toBe(refused);
  });

  it('leaves the caller’s own abort as it is (an AbortError, not a timeout)', async () => {
    const inner = fakeInner();
    const handler = new AwsWatchdog({ timeoutMs: 2_000 }).wrap('DynamoDB', inner);
    const abort = new AbortController();
    const call = handler.handle(request('Query'), { abortSignal: abort.signal }).catch((e: unknown) => e);
    abort.abort();
    expect(await call).toMatchObject({ name: 'AbortError' });
  });

  it('after giving up, lastChance (rearm) lets requests through again, with the new bound', async () => {
    const inner = fakeInner();
    const watchdog = new AwsWatchdog({ timeoutMs: 2_000 });
    const handler = watchdog.wrap('DynamoDB', inner);
    const failed = handler.handle(request('Query', { invocation: 'x' })).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(await failed).toBeInstanceOf(AwsUnresponsiveError);
    watchdog.rearm(1_000);
    expect(watchdog.timeoutMs).toBe(1_000);
    const write = handler.handle(request('UpdateItem', { invocation: 'y' }));
    expect(inner.sent).toHaveLength(2);
    expect(inner.sent[1]?.options.requestTimeout).toBe(1_000);
    inner.sent[1]?.answer();
    await expect(write).resolves.toBeDefined();
  });

  it('lets a network error that comes before the bound through to the SDK, which retries it', async () => {
    const watchdog = new AwsWatchdog({ timeoutMs: 60_000 });
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const handler = watchdog.wrap('STS', { handle: () => Promise.reject(refused) });
    await expect(handler.handle(request('GetCallerIdentity'))).rejects.toBe(refused);
  });
});

describe('AwsWatchdog: the waiting notice', () => {
  it('says so after 3 s without an answer, then every 15 s, once per endpoint, counting the others waiting', async () => {
    const inner = fakeInner({ ignoreTimeouts: true });
    const waits: AwsWait[] = [];
    const handler = new AwsWatchdog({ timeoutMs: 60_000, onWaiting: (w) => waits.push(w) }).wrap(
      'DynamoDB',
      inner,
    );
    void handler.handle(request('Query', { invocation: 'a', attempt: 1 })).catch(() => undefined);
    void handler.handle(request('GetItem', { invocation: 'b', attempt: 1 })).catch(() => undefined);
    await vi.advanceTimersByTimeAsync(2_500);
    expect(waits).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(750);
    expect(waits).toHaveLength(1);
    expect(waits[0]).toMatchObject({
      service: 'DynamoDB',
      operation: 'Query',
      endpoint: DYNAMO,
      region: 'eu-west-1',
      attempt: 1,
      maxAttempts: 5,
      timeoutMs: 60_000,
      others: 1,
    });
    expect(waits[0]?.waitedMs).toBeGreaterThanOrEqual(3_000);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(waits).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(waits).toHaveLength(2);
  });

  it('says nothing about requests that are answered in time', async () => {
    const inner = fakeInner();
    const waits: AwsWait[] = [];
    const handler = new AwsWatchdog({ onWaiting: (w) => waits.push(w) }).wrap('DynamoDB', inner);
    const call = handler.handle(request('Query'));
    await vi.advanceTimersByTimeAsync(2_000);
    inner.sent[0]?.answer();
    await call;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(waits).toEqual([]);
  });

  it('counts the wait from the call’s first attempt, across retries', async () => {
    const inner = fakeInner();
    const waits: AwsWait[] = [];
    const handler = new AwsWatchdog({ onWaiting: (w) => waits.push(w), noticeEveryMs: 1_000 }).wrap(
      'DynamoDB',
      inner,
    );
    const first = handler.handle(request('Query', { attempt: 1 })).catch(() => undefined);
    await vi.advanceTimersByTimeAsync(5_000);
    await first;
    void handler.handle(request('Query', { attempt: 2 })).catch(() => undefined);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(waits.at(-1)).toMatchObject({ attempt: 2 });
    expect(waits.at(-1)?.waitedMs).toBeGreaterThanOrEqual(6_000);
  });
});

describe('what the watchdog reads from a request', () => {
  it('operationOf: X-Amz-Target, else the query Action, else method and path', () => {
    expect(operationOf(request('Query'))).toBe('Query');
    expect(
      operationOf({ headers: {}, body: 'Action=GetCallerIdentity&Version=2011-06-15', method: 'POST' }),
    ).toBe('GetCallerIdentity');
    expect(operationOf({ headers: {}, method: 'GET', path: '/schedules/x' })).toBe('GET /schedules/x');
  });

  it('regionOf: the signature’s credential scope', () => {
    expect(regionOf(request('Query'))).toBe('eu-west-1');
    expect(regionOf({ headers: {} })).toBeUndefined();
  });

  it('attemptOf: amz-sdk-request, else the first attempt', () => {
    expect(attemptOf(request('Query', { attempt: 3 }))).toEqual({ attempt: 3, maxAttempts: 5 });
    expect(attemptOf({ headers: {} })).toEqual({ attempt: 1 });
  });

  it('isRead: Describe*, Get*, List*, Query, Scan, Filter*, and GET; everything else is a write', () => {
    for (const op of ['DescribeTasks', 'GetItem', 'ListTasks', 'Query', 'Scan', 'FilterLogEvents']) {
      expect(isRead(op, 'POST'), op).toBe(true);
    }
    for (const op of ['RunTask', 'TransactWriteItems', 'UpdateItem', 'CreateChangeSet', 'StopTask']) {
      expect(isRead(op, 'POST'), op).toBe(false);
    }
    expect(isRead('GET /schedules/x', 'GET')).toBe(true);
  });
});
