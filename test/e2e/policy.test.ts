/**
 * The team policy end to end (issue 14 item 2): the built CLI against the emulator, as three identities
 * (the stack's creator, and the IAM users alice and bob with access keys of their own, so that
 * GetCallerIdentity tells them apart), each with a config and cache directory of their own. Requests are
 * counted through the recording proxy.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAwsProxy, type AwsProxy, type ProxiedRequest } from '../support/aws-proxy.js';
import { awsCli, jsonResult, newConfigDir, runCli, streamResult, type CliResult } from '../support/cli.js';
import { motoUrl, resetMoto, stopTasksAtOnce, TEST_ACCOUNT } from '../support/moto.js';

const IMAGE = 'public.ecr.aws/docker/library/alpine:3.20';
const ALICE = `arn:aws:iam::${TEST_ACCOUNT}:user/alice`;
const BOB = `arn:aws:iam::${TEST_ACCOUNT}:user/bob`;
/** The request's operation: `TransactWriteItems`, `CreateSchedule`. */
const op = (r: ProxiedRequest) => r.iamAction.split(':').pop() ?? r.iamAction;

interface User {
  configDir: string;
  env: Record<string, string>;
}

function iamUser(name: string): User {
  awsCli(['iam', 'create-user', '--user-name', name]);
  const { AccessKey } = awsCli(['iam', 'create-access-key', '--user-name', name]) as {
    AccessKey: { AccessKeyId: string; SecretAccessKey: string };
  };
  return {
    configDir: newConfigDir(),
    env: { AWS_ACCESS_KEY_ID: AccessKey.AccessKeyId, AWS_SECRET_ACCESS_KEY: AccessKey.SecretAccessKey },
  };
}

let alice: User;
let bob: User;
let proxy: AwsProxy;

beforeEach(async () => {
  await resetMoto();
  await stopTasksAtOnce();
  const init = await runCli(['init', '--yes', '--vpc', 'default'], { configDir: newConfigDir() });
  expect(init.exitCode, init.stderr).toBe(0);
  alice = iamUser('alice');
  bob = iamUser('bob');
  // One endpoint for the whole test: the identity cache is per credentials and endpoint.
  proxy = await startAwsProxy(motoUrl());
});

afterEach(async () => {
  await proxy?.close();
});

/** `runvoy ARGS` as `user`, through the recording proxy. */
function as(user: User, args: string[]): Promise<CliResult> {
  return runCli(args, { configDir: user.configDir, env: { ...user.env, AWS_ENDPOINT_URL: proxy.url } });
}

/** The requests that what `action` runs sends, with its result. */
async function recorded<T>(action: () => Promise<T>): Promise<{ result: T; requests: ProxiedRequest[] }> {
  const from = proxy.requests.length;
  const result = await action();
  return { result, requests: proxy.requests.slice(from) };
}

const RUN = ['run', '--detach', '--image', IMAGE, '--timeout', '1h', '--', 'echo', 'hi'];

describe('runvoy policy', () => {
  it("alice sets budget.perRun 0.01; bob's over-budget run is refused with exit 5 naming the team policy; audit shows the change", async () => {
    // Bob has run before: his cache holds the policy as it was then (none at all).
    const before = await as(bob, RUN);
    expect(before.exitCode, before.stderr).toBe(0);

    const set = await as(alice, ['policy', 'set', 'budget.perRun', '0.01']);
    expect(set.exitCode, set.stderr).toBe(0);
    expect(set.stdout).toContain('Set budget.perRun = 0.01 in the team policy (was (unset); version 1)');

    const { result: refused, requests } = await recorded(() => as(bob, RUN));
    expect(refused.exitCode, refused.stderr).toBe(5);
    expect(refused.stderr).toContain("Refused by the team policy's budget");
    expect(refused.stderr).toContain("of the team policy's budget.perRun $0.0100");
    expect(refused.stderr).toContain('runvoy policy set budget.perRun');
    expect(refused.stdout).toBe('');
    // The start transaction found the policy changed, the policy was read again, and nothing was started.
    const ops = requests.map(op);
    expect(ops.filter((o) => o === 'TransactWriteItems')).toHaveLength(1);
    expect(ops.filter((o) => o === 'GetItem')).toHaveLength(1);
    expect(ops).not.toContain('RunTask');

    // --over-budget does not lift a team budget unless the policy allows it.
    const forced = await as(bob, [...RUN.slice(0, -3), '--over-budget', '--', 'echo', 'hi']);
    expect(forced.exitCode).toBe(5);
    expect(forced.stderr).toContain('budget.allowOverride is true');

    const audit = await as(bob, ['audit']);
    expect(audit.exitCode, audit.stderr).toBe(0);
    const line = audit.stdout.split('\n').find((l) => l.includes('policy-set'));
    expect(line).toContain('alice');
    expect(line).toContain('team policy budget.perRun: (unset) -> 0.01');
    const json = jsonResult<{
      events: Array<{ action: string; who: string; what: string; executionId?: string }>;
    }>((await as(bob, ['audit', '--json'])).stdout);
    expect(json.events.filter((e) => e.action === 'policy-set')).toEqual([
      expect.objectContaining({ who: ALICE, what: 'team policy budget.perRun: (unset) -> 0.01' }),
    ]);
    // Bob's earlier run is his; the refused ones left no record.
    expect(json.events.filter((e) => e.action === 'run').map((e) => e.who)).toEqual([BOB]);
  });

  it('a warm run makes no extra request: the policy version rides in the start transaction', async () => {
    await as(alice, ['policy', 'set', 'budget.perRun', '5']);
    const first = await as(bob, RUN);
    expect(first.exitCode, first.stderr).toBe(0);

    const { result, requests } = await recorded(() => as(bob, RUN));
    expect(result.exitCode, result.stderr).toBe(0);
    const ops = requests.map(op);
    expect(ops).toEqual(['TransactWriteItems', 'RunTask', 'CreateSchedule', 'UpdateItem']);
    const transaction = requests.find((r) => op(r) === 'TransactWriteItems');
    const check = (
      JSON.parse(transaction?.body ?? '{}') as { TransactItems: Array<Record<string, unknown>> }
    ).TransactItems.find((item) => 'ConditionCheck' in item);
    expect(check).toEqual({
      ConditionCheck: expect.objectContaining({
        Key: { pk: { S: 'POLICY#team' }, sk: { S: 'META' } },
        ConditionExpression: 'version = :policyVersion',
        ExpressionAttributeValues: { ':policyVersion': { N: '1' } },
      }),
    });
  });

  it('checks keys and values before any request (exit 2), and get, unset and list show the policy', async () => {
    const { result: bad, requests } = await recorded(async () => [
      await as(alice, ['policy', 'set', 'budget.perRun', 'cheap']),
      await as(alice, ['policy', 'set', 'region', 'eu-west-1']),
      await as(alice, ['policy', 'get', 'nope']),
      await as(alice, ['policy', 'unset', 'nope']),
    ]);
    expect(bad.map((r) => r.exitCode)).toEqual([2, 2, 2, 2]);
    expect(bad[0]?.stderr).toContain('budget.perRun: "cheap" is not valid');
    expect(bad[1]?.stderr).toContain('runvoy config set region VALUE');
    expect(requests).toEqual([]);

    expect(
      (await as(alice, ['policy', 'set', 'images.allowed', 'docker.io/library/*,ghcr.io/acme/*'])).exitCode,
    ).toBe(0);
    expect((await as(bob, ['policy', 'set', 'timeout.max', '2h'])).exitCode).toBe(0);
    const get = await as(bob, ['policy', 'get', 'images.allowed']);
    expect(get.stdout.trim()).toBe('docker.io/library/*,ghcr.io/acme/*');
    const list = await as(bob, ['policy', 'list']);
    expect(list.stdout).toMatch(/^timeout\.max\s+2h$/m);
    expect(list.stdout).toMatch(/^budget\.perRun\s+\(unset\)$/m);
    expect(list.stderr).toContain(`version 2, last changed by ${BOB}`);
    const unset = await as(alice, ['policy', 'unset', 'timeout.max', '--json']);
    expect(jsonResult(unset.stdout)).toMatchObject({
      key: 'timeout.max',
      old: '2h',
      new: '(unset)',
      version: 3,
      by: ALICE,
    });
    const listed = jsonResult<{
      version: number;
      values: object;
    }>((await as(bob, ['policy', 'list', '--json'])).stdout);
    expect(listed).toMatchObject({
      version: 3,
      values: { 'images.allowed': ['docker.io/library/*', 'ghcr.io/acme/*'] },
    });
  });

  it('enforces allowed images and timeout.max (exit 2, no RunTask), runs.maxConcurrent (exit 1), and gives its defaults', async () => {
    await as(alice, ['policy', 'set', 'images.allowed', 'public.ecr.aws/docker/library/*']);
    await as(alice, ['policy', 'set', 'timeout.max', '30m']);
    await as(alice, ['policy', 'set', 'image', IMAGE]);
    await as(alice, ['policy', 'set', 'cpu', '512']);

    const { result: image, requests } = await recorded(() =>
      as(bob, ['run', '--image', 'ghcr.io/acme/app:1', '--', 'true']),
    );
    expect(image.exitCode).toBe(2);
    expect(image.stderr).toContain('Refused by the team policy: --image: "ghcr.io/acme/app:1" is not valid');
    expect(image.stderr).toContain('public.ecr.aws/docker/library/*');
    expect(requests.map(op)).not.toContain('RunTask');

    const long = await as(bob, ['run', '--image', IMAGE, '--timeout', '1h', '--', 'true']);
    expect(long.exitCode).toBe(2);
    expect(long.stderr).toContain("at most 30m00s (the team policy's timeout.max)");

    // No --image, no --timeout, no --cpu: the team's image, size and longest timeout.
    const defaulted = await as(bob, ['run', '--detach', '--json', '--', 'true']);
    expect(defaulted.exitCode, defaulted.stderr).toBe(0);
    const started = streamResult<{
      execution: { image: string; cpu: number; memory: number; timeoutMs: number };
    }>(defaulted.stdout);
    expect(started.execution).toMatchObject({ image: IMAGE, cpu: 512, memory: 1024, timeoutMs: 1_800_000 });
    // A flag still wins over the team default.
    const flagged = await as(bob, ['run', '--detach', '--json', '--cpu', '256', '--', 'true']);
    expect(streamResult(flagged.stdout)).toMatchObject({
      execution: { cpu: 256, memory: 512 },
    });

    await as(alice, ['policy', 'set', 'runs.maxConcurrent', '1']);
    await as(alice, ['reconcile']);
    const first = await as(bob, ['run', '--detach', '--', 'true']);
    expect(first.exitCode, first.stderr).toBe(0);
    const second = await as(bob, ['run', '--detach', '--', 'true']);
    expect(second.exitCode).toBe(1);
    expect(second.stderr).toContain('runs.maxConcurrent is 1');
  });
});
