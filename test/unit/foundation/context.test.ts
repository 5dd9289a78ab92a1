import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsClients } from '../../../src/aws/clients.js';
import { createCommandContext, inStack, systemClock } from '../../../src/context.js';
import { resolveSettings, typedSettings } from '../../../src/core/settings.js';
import type { StackContext } from '../../../src/services/stack-context.js';
import type { OutputMode } from '../../../src/ui/output-mode.js';

const output: OutputMode = {
  colour: { stdout: false, stderr: false },
  ci: true,
  liveView: false,
  liveProgress: false,
  boxedTables: false,
  prompts: false,
};

const stack: StackContext = {
  identity: { account: '123456789012', arn: 'arn:aws:iam::123456789012:user/erin', userId: 'AIDA' },
  region: 'eu-west-1',
  stackName: 'team',
  outputs: { tableName: 'runvoy-team-table', clusterName: 'runvoy-team' } as StackContext['outputs'],
};

const dynamo = mockClient(DynamoDBDocumentClient);
let clients: AwsClients;

beforeEach(() => {
  dynamo.reset();
  clients = new AwsClients({ region: 'eu-west-1' });
  // The document client the context's table uses; its requests go to the mock.
  Object.assign(clients, {
    documents: async () => DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })),
  });
});
afterEach(() => clients.destroy());

function settings(flags: Record<string, string | undefined> = {}) {
  return typedSettings(resolveSettings({ flags, env: {}, file: {} }));
}

describe('createCommandContext', () => {
  it('resolves the stack of the settings once, on the first call, and not before', async () => {
    const asked: string[] = [];
    const ctx = createCommandContext({
      clients,
      settings: settings({ stack: 'team' }),
      output,
      warn: () => undefined,
      resolveStack: async (_, name) => {
        asked.push(name);
        return stack;
      },
    });
    expect(asked).toEqual([]);
    const [a, b] = await Promise.all([ctx.requireStack(), ctx.requireStack()]);
    expect(a).toBe(stack);
    expect(b).toBe(stack);
    expect(asked).toEqual(['team']);
  });

  it('asks again after a failed resolution, instead of keeping the failure', async () => {
    let calls = 0;
    const ctx = createCommandContext({
      clients,
      settings: settings(),
      output,
      warn: () => undefined,
      resolveStack: async () => {
        calls++;
        if (calls === 1) throw new Error('throttled');
        return stack;
      },
    });
    await expect(ctx.requireStack()).rejects.toThrow('throttled');
    await expect(ctx.requireStack()).resolves.toBe(stack);
    expect(calls).toBe(2);
  });

  it("gives the stack's table, whose batch reads report skipped items where the context says", async () => {
    dynamo.on(QueryCommand).resolves({
      Items: [{ pk: 'LOCK#bad', sk: 'META', kindPk: 'LOCK', kindSk: 'bad', name: 'bad', state: 'ODD' }],
    });
    const skipped: string[] = [];
    const ctx = createCommandContext({
      clients,
      settings: settings(),
      output,
      warn: () => undefined,
      skipped: (bad) => skipped.push(bad.key),
      resolveStack: async () => stack,
    });
    const scoped = await inStack(ctx);
    expect(scoped.stack).toBe(stack);
    expect(scoped.store.table).toBe('runvoy-team-table');
    expect(await ctx.table()).toBe(scoped.store);
    expect(await scoped.store.listLocks()).toEqual([]);
    expect(skipped).toEqual(['LOCK#bad']);
    expect(dynamo.commandCalls(QueryCommand)[0]?.args[0].input.TableName).toBe('runvoy-team-table');
  });

  it('keeps settings, output, warn and clock as given, and defaults the clock to the system one', async () => {
    const warnings: string[] = [];
    const ctx = createCommandContext({
      clients,
      settings: settings({ cpu: '1024', spot: 'true' }),
      output,
      warn: (m) => warnings.push(m),
    });
    ctx.warn('careful');
    expect(warnings).toEqual(['careful']);
    expect(ctx.settings).toMatchObject({ stack: 'runvoy', cpu: 1024, memory: 2048, spot: true });
    expect(ctx.output).toBe(output);
    expect(ctx.clock).toBe(systemClock);
  });
});

describe('systemClock.sleep', () => {
  it('ends early with an AbortError when its signal aborts', async () => {
    const controller = new AbortController();
    const sleeping = systemClock.sleep(60_000, controller.signal);
    controller.abort();
    await expect(sleeping).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('typedSettings', () => {
  it('types every key and keeps where each came from', () => {
    const typed = typedSettings(
      resolveSettings({
        flags: { region: 'eu-west-1' },
        env: { RUNVOY_BUDGET_MONTHLY: '25', RUNVOY_AWS_TIMEOUT: '30s' },
        file: { arch: 'arm64', image: 'alpine:3.20', timeout: '2h', spotDiscount: 0.5 },
      }),
    );
    expect(typed).toMatchObject({
      stack: 'runvoy',
      region: 'eu-west-1',
      image: 'alpine:3.20',
      cpu: 256,
      memory: 512,
      arch: 'arm64',
      timeout: '2h',
      spot: false,
      budget: { monthly: 25 },
      spotDiscount: 0.5,
      awsTimeoutMs: 30_000,
    });
    expect(typed.profile).toBeUndefined();
    expect(typed.sources.region).toEqual({ value: 'eu-west-1', source: 'flag', origin: '--region' });
    expect(typed.sources['budget.monthly'].source).toBe('env');
    expect(typed.sources.arch.source).toBe('config');
  });
});
