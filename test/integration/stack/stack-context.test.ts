import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Cache } from '../../../src/config/cache.js';
import { RunvoyError } from '../../../src/core/errors.js';
import type { StackOutputs } from '../../../src/core/stack-outputs.js';
import { requireStack, STACK_CACHE_MAX_AGE } from '../../../src/services/stack-context.js';
import { TEST_ACCOUNT, TEST_REGION } from '../../support/moto.js';
import { tempDir } from '../../unit/foundation/helpers.js';
import { deploy, openSession, type StackSession } from './helpers.js';

let session: StackSession;
beforeEach(async () => {
  session = await openSession();
});
afterEach(async () => {
  await session.close();
});

async function rejection(promise: Promise<unknown>): Promise<RunvoyError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RunvoyError);
  return error as RunvoyError;
}

/** A cache in its own directory, so the outputs that deployStack remembered are not in it. */
const coldCache = () => new Cache({ RUNVOY_CONFIG_DIR: tempDir('runvoy-stack-cache-') });

describe('requireStack against the emulator', () => {
  it('a missing stack is exit 4 with "run `runvoy init`"', async () => {
    const error = await rejection(requireStack(session.clients, 'runvoy', { cache: session.cache }));
    expect(error.exitCode).toBe(4);
    expect(error.code).toBe('STACK_NOT_FOUND');
    expect(error.what).toContain('"runvoy"');
    expect(error.what).toContain(TEST_REGION);
    expect(error.what).toContain(TEST_ACCOUNT);
    expect(error.fix).toContain('Run `runvoy init`');
  });

  it('names --stack in the fix for a stack that is not the default one', async () => {
    const error = await rejection(requireStack(session.clients, 'team-a', { cache: session.cache }));
    expect(error.exitCode).toBe(4);
    expect(error.fix).toContain('`runvoy init --stack team-a`');
  });

  it('reads the outputs once, then answers from the cache with no DescribeStacks or STS call', async () => {
    const { result } = await deploy(session, { vpc: 'default' });
    const cache = coldCache();
    session.proxy.requests.length = 0;

    const first = await requireStack(session.clients, 'runvoy', { cache });
    expect(first.outputs).toEqual(result.outputs);
    expect(first.identity.account).toBe(TEST_ACCOUNT);
    expect(session.count('DescribeStacks')).toBe(1);
    expect(session.count('GetCallerIdentity')).toBe(1);

    session.proxy.requests.length = 0;
    const second = await requireStack(session.clients, 'runvoy', { cache });
    expect(second).toEqual(first);
    expect(session.operations()).toEqual([]);
  });

  it('the cache lives in the config directory: a new Cache over the same directory finds it', async () => {
    await deploy(session, { vpc: 'default' });
    const dir = tempDir('runvoy-stack-cache-');
    await requireStack(session.clients, 'runvoy', { cache: new Cache({ RUNVOY_CONFIG_DIR: dir }) });
    session.proxy.requests.length = 0;
    await requireStack(session.clients, 'runvoy', { cache: new Cache({ RUNVOY_CONFIG_DIR: dir }) });
    expect(session.count('DescribeStacks')).toBe(0);
  });

  it('refresh reads the stack again', async () => {
    await deploy(session, { vpc: 'default' });
    const cache = coldCache();
    await requireStack(session.clients, 'runvoy', { cache });
    session.proxy.requests.length = 0;
    await requireStack(session.clients, 'runvoy', { cache, refresh: true });
    expect(session.count('DescribeStacks')).toBe(1);
  });

  it('outputs older than a day are read again', async () => {
    const { result } = await deploy(session, { vpc: 'default' });
    const cache = coldCache();
    const stale = { ...(result.outputs as StackOutputs), clusterName: 'moved-away' };
    cache.set(
      `stack:${TEST_ACCOUNT}/${TEST_REGION}/runvoy`,
      stale,
      Date.now() - STACK_CACHE_MAX_AGE - 60_000,
    );
    session.proxy.requests.length = 0;
    const context = await requireStack(session.clients, 'runvoy', { cache });
    expect(context.outputs.clusterName).toBe(result.outputs?.clusterName);
    expect(session.count('DescribeStacks')).toBe(1);
  });

  it('keeps the cache per stack name: another stack is looked up, and missing', async () => {
    await deploy(session, { vpc: 'default' });
    const cache = coldCache();
    await requireStack(session.clients, 'runvoy', { cache });
    session.proxy.requests.length = 0;
    const error = await rejection(requireStack(session.clients, 'other', { cache }));
    expect(error.exitCode).toBe(4);
    expect(session.count('DescribeStacks')).toBe(1);
  });

  it('after the stack is deleted behind its back, a refresh is exit 4 and clears the cached outputs', async () => {
    await deploy(session, { vpc: 'default' });
    const cache = coldCache();
    await requireStack(session.clients, 'runvoy', { cache });
    const { DeleteStackCommand } = await import('@aws-sdk/client-cloudformation');
    const { directCfn } = await import('./helpers.js');
    const cfn = directCfn();
    await cfn.send(new DeleteStackCommand({ StackName: 'runvoy' }));
    cfn.destroy();

    // The cached outputs still answer until something suggests they moved.
    expect((await requireStack(session.clients, 'runvoy', { cache })).stackName).toBe('runvoy');
    expect(
      (await rejection(requireStack(session.clients, 'runvoy', { cache, refresh: true }))).exitCode,
    ).toBe(4);
    session.proxy.requests.length = 0;
    expect((await rejection(requireStack(session.clients, 'runvoy', { cache }))).exitCode).toBe(4);
    expect(session.count('DescribeStacks')).toBe(1);
  });

  it('a stack that is not a runvoy stack is refused, naming the missing outputs', async () => {
    const { CreateStackCommand } = await import('@aws-sdk/client-cloudformation');
    const { directCfn, foreignTemplate } = await import('./helpers.js');
    const cfn = directCfn();
    await cfn.send(
      new CreateStackCommand({ StackName: 'runvoy', TemplateBody: foreignTemplate({ Hello: 'world' }) }),
    );
    cfn.destroy();
    const error = await rejection(requireStack(session.clients, 'runvoy', { cache: session.cache }));
    expect(error.code).toBe('STACK_INVALID');
    expect(error.what).toContain('ClusterName');
  });
});
