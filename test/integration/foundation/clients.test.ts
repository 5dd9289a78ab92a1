import { DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { ListClustersCommand } from '@aws-sdk/client-ecs';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { PutCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AwsCall } from '../../../src/aws/call-observer.js';
import { AwsClients, endpointFromEnv } from '../../../src/aws/clients.js';
import { toRunvoyError } from '../../../src/aws/errors.js';
import { getCallerIdentity } from '../../../src/aws/identity.js';
import { startAwsProxy, type AwsProxy } from '../../support/aws-proxy.js';
import { motoUrl, resetMoto, TEST_ACCOUNT, TEST_REGION } from '../../support/moto.js';
import { DEAD_ENDPOINT, isolatedAwsEnv, patchEnv } from '../../unit/foundation/helpers.js';

let restoreEnv: () => void;
let clients: AwsClients | undefined;

beforeEach(async () => {
  await resetMoto();
  restoreEnv = patchEnv(isolatedAwsEnv({ AWS_ENDPOINT_URL: motoUrl() }), { clearAws: true });
});
afterEach(() => {
  clients?.destroy();
  clients = undefined;
  restoreEnv();
});

describe('AwsClients against the emulator (AWS_ENDPOINT_URL)', () => {
  it('sts() answers GetCallerIdentity with the emulator account', async () => {
    clients = new AwsClients({ region: TEST_REGION });
    const out = await (await clients.sts()).send(new GetCallerIdentityCommand({}));
    expect(out.Account).toBe(TEST_ACCOUNT);
  });

  it('getCallerIdentity returns account, ARN and user ID', async () => {
    clients = new AwsClients({ region: TEST_REGION });
    const identity = await getCallerIdentity(clients);
    expect(identity.account).toBe(TEST_ACCOUNT);
    expect(identity.arn).toMatch(new RegExp(`^arn:aws:sts::${TEST_ACCOUNT}:`));
    expect(identity.userId.length).toBeGreaterThan(0);
  });

  it('region() comes from AWS_REGION when the settings have none', async () => {
    process.env.AWS_REGION = TEST_REGION;
    clients = new AwsClients({});
    expect(await clients.region()).toBe(TEST_REGION);
    expect((await getCallerIdentity(clients)).account).toBe(TEST_ACCOUNT);
  });

  it('hands out the same client twice, and that client keeps working', async () => {
    clients = new AwsClients({ region: TEST_REGION });
    const first = await clients.sts();
    const second = await clients.sts();
    expect(second).toBe(first);
    expect((await second.send(new GetCallerIdentityCommand({}))).Account).toBe(TEST_ACCOUNT);
    expect(await clients.ecs()).toBe(await clients.ecs());
  });

  it('ecs(), dynamo(), documents() and logs() reach the emulator', async () => {
    clients = new AwsClients({ region: TEST_REGION });
    expect((await (await clients.ecs()).send(new ListClustersCommand({}))).clusterArns).toEqual([]);
    await (
      await clients.dynamo()
    ).send(
      new CreateTableCommand({
        TableName: 'foundation',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    const documents = await clients.documents();
    await documents.send(
      new PutCommand({ TableName: 'foundation', Item: { pk: 'a', n: 1, gone: undefined } }),
    );
    const got = await documents.send(new GetCommand({ TableName: 'foundation', Key: { pk: 'a' } }));
    expect(got.Item).toEqual({ pk: 'a', n: 1 });
    expect((await (await clients.logs()).send(new DescribeLogGroupsCommand({}))).logGroups).toEqual([]);
  });

  it('AWS_ENDPOINT_URL_STS overrides AWS_ENDPOINT_URL for STS only', async () => {
    process.env.AWS_ENDPOINT_URL = DEAD_ENDPOINT;
    process.env.AWS_ENDPOINT_URL_STS = motoUrl();
    clients = new AwsClients({ region: TEST_REGION });
    expect((await getCallerIdentity(clients)).account).toBe(TEST_ACCOUNT);
    const ecsError = await (await clients.ecs()).send(new ListClustersCommand({})).then(
      () => undefined,
      (e: unknown) => toRunvoyError(e),
    );
    expect(ecsError?.code).toBe('NETWORK');
    expect(ecsError?.what).toBe(`AWS ECS ListClusters could not reach ${DEAD_ENDPOINT}.`);
    expect(endpointFromEnv('STS')).toBe(motoUrl());
    expect(endpointFromEnv('ECS')).toBe(DEAD_ENDPOINT);
  });

  it('the SDK reads AWS_ENDPOINT_URL_CLOUDWATCH_LOGS for CloudWatch Logs (see the endpointFromEnv bug)', async () => {
    process.env.AWS_ENDPOINT_URL = DEAD_ENDPOINT;
    process.env.AWS_ENDPOINT_URL_CLOUDWATCH_LOGS = motoUrl();
    clients = new AwsClients({ region: TEST_REGION });
    expect((await (await clients.logs()).send(new DescribeLogGroupsCommand({}))).logGroups).toEqual([]);
  });

  it('an emulator error comes back labelled with service, operation and request ID', async () => {
    clients = new AwsClients({ region: TEST_REGION });
    const error = await (
      await clients.dynamo()
    )
      .send(new DescribeTableCommand({ TableName: 'missing' }))
      .then(
        () => undefined,
        (e: unknown) => toRunvoyError(e),
      );
    expect(error?.code).toBe('AWS_ERROR');
    expect(error?.what).toMatch(/^AWS DynamoDB DescribeTable failed \(request ID \S+\)\.$/);
    expect(error?.why).toMatch(/^ResourceNotFoundException: /);
    expect(error?.data).toMatchObject({ service: 'DynamoDB', operation: 'DescribeTable' });
  });
});

describe('the call observer against the emulator', () => {
  let proxy: AwsProxy;
  beforeAll(async () => {
    proxy = await startAwsProxy(motoUrl());
  });
  afterAll(async () => proxy.close());
  beforeEach(() => {
    proxy.requests.length = 0;
    process.env.AWS_ENDPOINT_URL = proxy.url;
  });

  it('receives one call per request, with service, operation, request ID and duration', async () => {
    const calls: AwsCall[] = [];
    clients = new AwsClients({ region: TEST_REGION, observer: (call) => calls.push(call) });
    const sts = await clients.sts();
    const first = await sts.send(new GetCallerIdentityCommand({}));
    const second = await sts.send(new GetCallerIdentityCommand({}));
    await (await clients.ecs()).send(new ListClustersCommand({}));

    expect(proxy.requests.map((r) => r.operation)).toEqual([
      'GetCallerIdentity',
      'GetCallerIdentity',
      'AmazonEC2ContainerServiceV20141113.ListClusters',
    ]);
    expect(calls.map((c) => `${c.service} ${c.operation}`)).toEqual([
      'STS GetCallerIdentity',
      'STS GetCallerIdentity',
      'ECS ListClusters',
    ]);
    expect(calls[0]?.requestId).toBe(first.$metadata.requestId);
    expect(calls[1]?.requestId).toBe(second.$metadata.requestId);
    for (const call of calls) {
      expect(call.requestId).toMatch(/\S+/);
      expect(call.attempts).toBe(1);
      expect(call.error).toBeUndefined();
      expect(Number.isFinite(call.durationMs)).toBe(true);
      expect(call.durationMs).toBeGreaterThanOrEqual(0);
    }
  });

  it('receives a failed call with the error name and request ID', async () => {
    const calls: AwsCall[] = [];
    clients = new AwsClients({ region: TEST_REGION, observer: (call) => calls.push(call) });
    await expect(
      (await clients.dynamo()).send(new DescribeTableCommand({ TableName: 'missing' })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    expect(proxy.requests).toHaveLength(1);
    expect(calls).toEqual([
      expect.objectContaining({
        service: 'DynamoDB',
        operation: 'DescribeTable',
        error: 'ResourceNotFoundException',
        attempts: 1,
      }),
    ]);
    expect(calls[0]?.requestId).toMatch(/\S+/);
  });

  it('is told nothing about calls of clients made without it', async () => {
    const calls: AwsCall[] = [];
    const observed = new AwsClients({ region: TEST_REGION, observer: (call) => calls.push(call) });
    clients = new AwsClients({ region: TEST_REGION });
    await getCallerIdentity(clients);
    expect(calls).toEqual([]);
    await getCallerIdentity(observed);
    expect(calls).toHaveLength(1);
    observed.destroy();
  });
});
