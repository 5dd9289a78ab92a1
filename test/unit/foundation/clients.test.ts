import { ListClustersCommand } from '@aws-sdk/client-ecs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { attachCallObserver, ORIGIN, type AwsCall } from '../../../src/aws/call-observer.js';
import { AwsClients, CLIENT_DEFAULTS, endpointFromEnv } from '../../../src/aws/clients.js';
import { loadSdk } from '../../../src/aws/sdk.js';
import { toRunvoyError } from '../../../src/aws/errors.js';
import { AwsUnresponsiveError, type AwsWait } from '../../../src/aws/watchdog.js';
import { isolatedAwsEnv, patchEnv, startFakeAws, type FakeAws } from './helpers.js';

let restoreEnv: () => void;
let clients: AwsClients | undefined;
beforeEach(() => {
  restoreEnv = patchEnv(isolatedAwsEnv(), { clearAws: true });
});
afterEach(() => {
  clients?.destroy();
  clients = undefined;
  restoreEnv();
});

describe('AwsClients', () => {
  it('makes each client once and hands out the same instance afterwards', async () => {
    clients = new AwsClients({ region: 'us-east-1' });
    expect(await clients.sts()).toBe(await clients.sts());
    expect(await clients.ecs()).toBe(await clients.ecs());
    expect(await clients.dynamo()).toBe(await clients.dynamo());
    expect(await clients.logs()).toBe(await clients.logs());
    expect(await clients.cloudFormation()).toBe(await clients.cloudFormation());
    expect(await clients.scheduler()).toBe(await clients.scheduler());
    expect(await clients.ec2()).toBe(await clients.ec2());
    expect(await clients.documents()).toBe(await clients.documents());
  });

  it('makes different clients for different services', async () => {
    clients = new AwsClients({ region: 'us-east-1' });
    const all = await Promise.all([
      clients.sts(),
      clients.ecs(),
      clients.dynamo(),
      clients.logs(),
      clients.cloudFormation(),
      clients.scheduler(),
      clients.ec2(),
    ]);
    expect(new Set(all).size).toBe(7);
  });

  it('builds the document client on the cached DynamoDB client', async () => {
    clients = new AwsClients({ region: 'us-east-1' });
    const dynamo = await clients.dynamo();
    const documents = await clients.documents();
    expect(documents.config).toBe(dynamo.config);
  });

  // BUG (src/aws/clients.ts make(), line ~50): the cache is filled only after `await create()`, so two
  // calls that overlap (e.g. Promise.all([aws.dynamo(), aws.documents()]), or two services asking for
  // ECS at once) each build their own client; one of them is never cached and never destroyed, and
  // the observer is attached to both. Expected: the second call gets the first one's client (cache
  // the promise, not the client).
  it('hands out one instance to calls that overlap', async () => {
    clients = new AwsClients({ region: 'us-east-1' });
    const [a, b] = await Promise.all([clients.sts(), clients.sts()]);
    expect(a).toBe(b);
  });

  it('makes new clients after destroy', async () => {
    clients = new AwsClients({ region: 'us-east-1' });
    const first = await clients.sts();
    clients.destroy();
    expect(await clients.sts()).not.toBe(first);
  });

  it('gives every client the shared retry settings and the given region and profile', async () => {
    clients = new AwsClients({ region: 'eu-west-3', profile: 'team' });
    for (const client of [
      await clients.sts(),
      await clients.ecs(),
      await clients.dynamo(),
      await clients.logs(),
    ]) {
      expect(await client.config.maxAttempts()).toBe(CLIENT_DEFAULTS.maxAttempts);
      expect(await client.config.region()).toBe('eu-west-3');
      expect((client.config as { profile?: string }).profile).toBe('team');
    }
    expect(CLIENT_DEFAULTS.maxAttempts).toBeGreaterThan(1);
    expect(CLIENT_DEFAULTS.retryMode).toBe('standard');
  });

  it('region() is the settings region, else the one from the environment', async () => {
    clients = new AwsClients({ region: 'ap-south-1' });
    expect(await clients.region()).toBe('ap-south-1');
    process.env.AWS_REGION = 'sa-east-1';
    const fromEnv = new AwsClients({});
    expect(await fromEnv.region()).toBe('sa-east-1');
    fromEnv.destroy();
  });

  it('region() is read without loading the STS client', async () => {
    clients = new AwsClients({ region: 'eu-north-1' });
    expect(await clients.region()).toBe('eu-north-1');
    const made = [...(clients as unknown as { cache: Map<string, unknown> }).cache.keys()];
    expect(made).toEqual(['DynamoDB']);
  });

  it('region() fails with "Region is missing" when there is none', async () => {
    clients = new AwsClients({});
    await expect(clients.region()).rejects.toThrow(/region is missing/i);
  });
});

describe('loadSdk', () => {
  it('hands out the very classes an `import` of the package gives (one module cache)', async () => {
    expect((await loadSdk('@aws-sdk/client-sts')).STSClient).toBe(STSClient);
    expect((await loadSdk('@aws-sdk/client-ecs')).ListClustersCommand).toBe(ListClustersCommand);
  });

  it('loads every SDK package runvoy names', async () => {
    const names = [
      '@aws-sdk/client-cloudformation',
      '@aws-sdk/client-cloudwatch-logs',
      '@aws-sdk/client-dynamodb',
      '@aws-sdk/client-ec2',
      '@aws-sdk/client-ecs',
      '@aws-sdk/client-pricing',
      '@aws-sdk/client-scheduler',
      '@aws-sdk/client-sts',
      '@aws-sdk/lib-dynamodb',
      '@aws-sdk/util-dynamodb',
    ] as const;
    for (const name of names) {
      const loaded = await loadSdk(name);
      expect(Object.keys(loaded).length, name).toBeGreaterThan(0);
    }
  });
});

describe('AwsClients and the call observer, against a local HTTP endpoint', () => {
  let fake: FakeAws;
  afterEach(async () => fake.close());

  it('reports one call per request, with service, operation, request ID, attempts and duration', async () => {
    fake = await startFakeAws(() => ({
      status: 200,
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'ok-1' },
      body: JSON.stringify({ clusterArns: ['arn:aws:ecs:us-east-1:123456789012:cluster/runvoy'] }),
    }));
    process.env.AWS_ENDPOINT_URL = fake.url;
    const calls: AwsCall[] = [];
    clients = new AwsClients({ region: 'us-east-1', observer: (call) => calls.push(call) });
    const out = await (await clients.ecs()).send(new ListClustersCommand({}));
    expect(out.clusterArns).toEqual(['arn:aws:ecs:us-east-1:123456789012:cluster/runvoy']);
    expect(fake.requests).toHaveLength(1);
    expect(calls).toHaveLength(1);
    const [call] = calls;
    expect(call).toMatchObject({ service: 'ECS', operation: 'ListClusters', requestId: 'ok-1', attempts: 1 });
    expect(call?.error).toBeUndefined();
    expect(Number.isFinite(call?.durationMs)).toBe(true);
    expect(call?.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('works without an observer', async () => {
    fake = await startFakeAws(() => ({
      status: 200,
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'ok-2' },
      body: JSON.stringify({ clusterArns: [] }),
    }));
    process.env.AWS_ENDPOINT_URL = fake.url;
    clients = new AwsClients({ region: 'us-east-1' });
    await expect((await clients.ecs()).send(new ListClustersCommand({}))).resolves.toMatchObject({
      clusterArns: [],
    });
  });

  // BUG (src/aws/clients.ts CLIENT_DEFAULTS): with @smithy/node-http-handler 4.x, `requestTimeout` only
  // logs "[WARN] a request has exceeded the configured ... requestTimeout" (on the user's stderr, through
  // console) unless `throwOnRequestTimeout: true` is also set, and no socketTimeout is set: a call to an
  // endpoint that accepts the connection but never answers hangs forever, against SPEC 9 ("Every AWS
  // call has a timeout"). This test uses CLIENT_DEFAULTS' handler options with a 300 ms requestTimeout
  // instead of 30 s; today the call is still pending when the test gives up after 3 s.
  it('the shared handler options make a request that gets no answer fail with a TimeoutError', async () => {
    fake = await startFakeAws(() => 'hang');
    const quiet = { debug() {}, info() {}, warn() {}, error() {} };
    const sts = new STSClient({
      ...CLIENT_DEFAULTS,
      maxAttempts: 1,
      requestHandler: { ...CLIENT_DEFAULTS.requestHandler, requestTimeout: 300, logger: quiet },
      region: 'us-east-1',
      endpoint: fake.url,
    });
    const stillWaiting = new Promise((resolve) =>
      setTimeout(() => resolve('no answer and no error after 3 s'), 3_000),
    );
    try {
      const outcome = await Promise.race([
        sts.send(new GetCallerIdentityCommand({})).then(
          () => 'answered',
          (error: Error) => error.name,
        ),
        stillWaiting,
      ]);
      expect(outcome).toBe('TimeoutError');
    } finally {
      sts.destroy();
    }
  });
});

describe('AwsClients against an endpoint that accepts and never answers', () => {
  let fake: FakeAws;
  afterEach(async () => fake.close());

  // The bug (issue 11, item 13): 5 attempts of 30 s each, 151 s in all for `list`, without a word.
  it('gives up after aws.timeout with an AwsUnresponsiveError naming service, operation, endpoint and region', async () => {
    fake = await startFakeAws(() => 'hang');
    process.env.AWS_ENDPOINT_URL = fake.url;
    clients = new AwsClients({ region: 'eu-west-1', timeoutMs: 1_500 });
    const error = await (await clients.sts()).send(new GetCallerIdentityCommand({})).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsUnresponsiveError);
    expect(error).toMatchObject({
      service: 'STS',
      operation: 'GetCallerIdentity',
      endpoint: fake.url,
      region: 'eu-west-1',
      timeoutMs: 1_500,
    });
    expect(fake.requests.length).toBeGreaterThan(0);
    const shown = toRunvoyError(error);
    expect(shown).toMatchObject({ code: 'AWS_UNRESPONSIVE', exitCode: 1 });
    expect(shown.what).toContain('AWS STS did not answer');
    expect(shown.what).toContain(fake.url);
    expect(shown.fix).toContain('RUNVOY_AWS_TIMEOUT');
  });

  it('sends nothing more to an endpoint it gave up on: the next call, to any client on it, fails at once', async () => {
    fake = await startFakeAws(() => 'hang');
    process.env.AWS_ENDPOINT_URL = fake.url;
    clients = new AwsClients({ region: 'us-east-1', timeoutMs: 1_000 });
    await expect((await clients.sts()).send(new GetCallerIdentityCommand({}))).rejects.toBeInstanceOf(
      AwsUnresponsiveError,
    );
    const sent = fake.requests.length;
    const next = await (await clients.ecs()).send(new ListClustersCommand({})).catch((e: unknown) => e);
    expect(next).toMatchObject({ name: 'AwsUnresponsiveError', service: 'ECS', waitedMs: 0 });
    expect(fake.requests).toHaveLength(sent);
    expect(toRunvoyError(next).why).toMatch(/not sent/);
  });

  it(
    'numbers the attempts: the SDK retries an attempt that timed out, each with more time',
    { timeout: 20_000 },
    async () => {
      fake = await startFakeAws(() => 'hang');
      process.env.AWS_ENDPOINT_URL = fake.url;
      const waits: AwsWait[] = [];
      clients = new AwsClients({ region: 'us-east-1', timeoutMs: 7_000, onWaiting: (w) => waits.push(w) });
      await expect((await clients.ecs()).send(new ListClustersCommand({}))).rejects.toBeInstanceOf(
        AwsUnresponsiveError,
      );
      // 5 s for the first attempt of a read, then what is left of the 7 s for the second.
      expect(fake.requests.length).toBe(2);
      expect(waits[0]).toMatchObject({ service: 'ECS', operation: 'ListClusters', endpoint: fake.url });
    },
  );
});

describe('attachCallObserver', () => {
  type Middleware = (
    next: (args: unknown) => Promise<{ output: object }>,
    context: { commandName?: string },
  ) => (args: unknown) => Promise<{ output: object }>;

  function capture() {
    const added: Array<{ middleware: Middleware; options: { step: string; name: string } }> = [];
    const client = {
      middlewareStack: {
        add: (middleware: Middleware, options: never) => added.push({ middleware, options }),
      },
    };
    return { client, added };
  }

  it('adds one middleware at the initialize step, so that retries are inside it', () => {
    const { client, added } = capture();
    attachCallObserver(client, 'ECS', undefined);
    expect(added).toHaveLength(1);
    expect(added[0]?.options).toEqual({ step: 'initialize', name: 'runvoyCallObserver' });
  });

  it('labels an error with its origin, reports it, and rethrows the same error', async () => {
    const { client, added } = capture();
    const calls: AwsCall[] = [];
    attachCallObserver(client, 'DynamoDB', (call) => calls.push(call));
    const error = Object.assign(new Error('nope'), {
      name: 'ConditionalCheckFailedException',
      $metadata: { requestId: 'c-1', attempts: 2 },
    });
    const handler = added[0]?.middleware(() => Promise.reject(error), { commandName: 'PutItemCommand' });
    await expect(handler?.({})).rejects.toBe(error);
    expect((error as unknown as Record<symbol, unknown>)[ORIGIN]).toEqual({
      service: 'DynamoDB',
      operation: 'PutItem',
    });
    expect(Object.keys(error)).not.toContain(String(ORIGIN));
    expect(calls).toEqual([
      expect.objectContaining({
        service: 'DynamoDB',
        operation: 'PutItem',
        requestId: 'c-1',
        attempts: 2,
        error: 'ConditionalCheckFailedException',
      }),
    ]);
  });

  it('keeps the first origin when an error passes through two observed clients', async () => {
    const { client, added } = capture();
    attachCallObserver(client, 'STS', undefined);
    const error = new Error('x');
    Object.defineProperty(error, ORIGIN, { value: { service: 'ECS', operation: 'RunTask' } });
    const handler = added[0]?.middleware(() => Promise.reject(error), {
      commandName: 'GetCallerIdentityCommand',
    });
    await expect(handler?.({})).rejects.toBe(error);
    expect((error as unknown as Record<symbol, unknown>)[ORIGIN]).toEqual({
      service: 'ECS',
      operation: 'RunTask',
    });
  });

  it('rethrows a thrown non-object unchanged, and calls an operation without a name Unknown', async () => {
    const { client, added } = capture();
    const calls: AwsCall[] = [];
    attachCallObserver(client, 'ECS', (call) => calls.push(call));
    const handler = added[0]?.middleware(() => Promise.reject('plain string'), {});
    await expect(handler?.({})).rejects.toBe('plain string');
    expect(calls[0]).toMatchObject({ service: 'ECS', operation: 'Unknown' });
  });

  it('passes results through and reports their metadata', async () => {
    const { client, added } = capture();
    const calls: AwsCall[] = [];
    attachCallObserver(client, 'ECS', (call) => calls.push(call));
    const result = { output: { $metadata: { requestId: 'r-1', attempts: 1 }, tasks: [] } };
    const handler = added[0]?.middleware(() => Promise.resolve(result), {
      commandName: 'DescribeTasksCommand',
    });
    await expect(handler?.({})).resolves.toBe(result);
    expect(calls).toEqual([
      expect.objectContaining({ service: 'ECS', operation: 'DescribeTasks', requestId: 'r-1', attempts: 1 }),
    ]);
    expect(calls[0]?.error).toBeUndefined();
  });
});

describe('endpointFromEnv', () => {
  it('is undefined (AWS) when no endpoint variable is set', () => {
    expect(endpointFromEnv('STS', {})).toBeUndefined();
    expect(endpointFromEnv('STS', { AWS_ENDPOINT_URL: '' })).toBeUndefined();
  });

  it('uses AWS_ENDPOINT_URL for every service', () => {
    const env = { AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' };
    for (const service of ['STS', 'ECS', 'DynamoDB', 'CloudFormation', 'Scheduler']) {
      expect(endpointFromEnv(service, env)).toBe('http://127.0.0.1:5000');
    }
  });

  it('prefers AWS_ENDPOINT_URL_<SERVICE> for that service only', () => {
    const env = { AWS_ENDPOINT_URL: 'http://generic', AWS_ENDPOINT_URL_STS: 'http://sts-only' };
    expect(endpointFromEnv('STS', env)).toBe('http://sts-only');
    expect(endpointFromEnv('ECS', env)).toBe('http://generic');
  });

  it('maps service names to the SDK variable names', () => {
    expect(endpointFromEnv('DynamoDB', { AWS_ENDPOINT_URL_DYNAMODB: 'http://d' })).toBe('http://d');
    expect(endpointFromEnv('CloudFormation', { AWS_ENDPOINT_URL_CLOUDFORMATION: 'http://c' })).toBe(
      'http://c',
    );
    expect(endpointFromEnv('Scheduler', { AWS_ENDPOINT_URL_SCHEDULER: 'http://s' })).toBe('http://s');
    expect(endpointFromEnv('ECS', { AWS_ENDPOINT_URL_ECS: 'http://e' })).toBe('http://e');
  });

  it('ignores an empty service-specific variable', () => {
    expect(endpointFromEnv('STS', { AWS_ENDPOINT_URL: 'http://generic', AWS_ENDPOINT_URL_STS: '' })).toBe(
      'http://generic',
    );
  });

  it('reads process.env by default', () => {
    process.env.AWS_ENDPOINT_URL = 'http://from-process-env';
    expect(endpointFromEnv('ECS')).toBe('http://from-process-env');
  });

  // BUG (src/aws/clients.ts endpointFromEnv): the SDK derives the variable from the service ID
  // "CloudWatch Logs", i.e. AWS_ENDPOINT_URL_CLOUDWATCH_LOGS (test/integration/foundation/clients.test.ts
  // shows the SDK using it), but endpointFromEnv('CloudWatchLogs') reads AWS_ENDPOINT_URL_CLOUDWATCHLOGS,
  // so a network error from CloudWatch Logs names the wrong endpoint.
  it('maps CloudWatchLogs to AWS_ENDPOINT_URL_CLOUDWATCH_LOGS, as the SDK does', () => {
    const env = { AWS_ENDPOINT_URL: 'http://generic', AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: 'http://logs' };
    expect(endpointFromEnv('CloudWatchLogs', env)).toBe('http://logs');
  });
});
