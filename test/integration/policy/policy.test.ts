/**
 * The team policy against the emulator: conditional, audited writes (two admins never lose a change),
 * and the version check in a run's start transaction, with the re-read and retry when it failed.
 */
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  POLICY_KEY,
  PolicyChanged,
  policyVersionGuard,
  readPolicy,
  writePolicyChange,
} from '../../../src/aws/policy.js';
import { Cache } from '../../../src/config/cache.js';
import { systemClock, type StackCommandContext } from '../../../src/context.js';
import { RunvoyError } from '../../../src/core/errors.js';
import type { TeamPolicy } from '../../../src/core/policy.js';
import type { RunRequest } from '../../../src/core/run-request.js';
import type { TransactGuard } from '../../../src/aws/store.js';
import {
  changePolicy,
  policyCacheKey,
  teamPolicyForRun,
  type PolicyContext,
} from '../../../src/services/policy.js';
import { startUnderPolicy } from '../../../src/services/run-policy.js';
import { startExecution } from '../../../src/services/run.js';
import { keepTasksRunning, resetMoto } from '../../support/moto.js';
import { tempDir } from '../../unit/foundation/helpers.js';
import { auditEvents, runDeps, runRequest, setUpStack, type Harness } from '../run/harness.js';

const ALICE = 'arn:aws:iam::123456789012:user/alice';
const BOB = 'arn:aws:iam::123456789012:user/bob';

let h: Harness;
let doc: DynamoDBDocumentClient;

beforeEach(async () => {
  await resetMoto();
  await keepTasksRunning();
  h = await setUpStack();
  caches.clear();
  doc = await h.clients.documents();
});
afterEach(() => h.restore());

const caches = new Map<string, Cache>();

/**
 * The command context of one user (the same stack, another identity), with a cache of their own; its
 * clients hand out `ctxDoc` as their document client.
 */
function as(
  arn: string,
  ctxDoc: DynamoDBDocumentClient = doc,
): PolicyContext & Pick<StackCommandContext, 'clock'> {
  if (!caches.has(arn)) caches.set(arn, new Cache({ RUNVOY_CACHE_DIR: tempDir() }));
  const clients = new Proxy(h.clients, {
    get: (target, prop, receiver) =>
      prop === 'documents' ? async () => ctxDoc : (Reflect.get(target, prop, receiver) as unknown),
  });
  return {
    clients,
    stack: { ...h.stack, identity: { ...h.stack.identity, arn } },
    cache: caches.get(arn) as Cache,
    clock: systemClock,
  };
}

async function policyItem(): Promise<Record<string, unknown> | undefined> {
  return (await doc.send(new GetCommand({ TableName: h.stack.outputs.tableName, Key: POLICY_KEY }))).Item;
}

/** A document client that runs `before` once, just before its first TransactWriteItems goes out. */
function interceptFirstWrite(before: () => Promise<void>): DynamoDBDocumentClient {
  let done = false;
  return new Proxy(doc, {
    get(target, prop, receiver) {
      if (prop !== 'send') return Reflect.get(target, prop, receiver) as unknown;
      return async (command: { constructor: { name: string } }) => {
        if (!done && command.constructor.name === 'TransactWriteCommand') {
          done = true;
          await before();
        }
        return target.send(command as never);
      };
    },
  });
}

describe('policy set and unset', () => {
  it('writes the first version, then the next, each with an audit event naming who, the key, old and new', async () => {
    const first = await changePolicy(as(ALICE), { key: 'budget.perRun', value: 0.01 });
    expect(first).toMatchObject({ changed: true, old: '(unset)', new: '0.01', version: 1, by: ALICE });
    const second = await changePolicy(as(BOB), { key: 'budget.perRun', value: 0.5 });
    expect(second).toMatchObject({ changed: true, old: '0.01', new: '0.5', version: 2, by: BOB });
    const unset = await changePolicy(as(ALICE), { key: 'budget.perRun', value: undefined });
    expect(unset).toMatchObject({ changed: true, old: '0.5', new: '(unset)', version: 3 });

    expect(await policyItem()).toMatchObject({ version: 3, values: {}, updatedBy: ALICE });
    const events = (await auditEvents(h)).filter((e) => e.action.startsWith('policy'));
    expect(events.map((e) => [e.action, e.actorArn, e.detail])).toEqual([
      ['policy-set', ALICE, { key: 'budget.perRun', old: null, new: 0.01, version: 1 }],
      ['policy-set', BOB, { key: 'budget.perRun', old: 0.01, new: 0.5, version: 2 }],
      ['policy-unset', ALICE, { key: 'budget.perRun', old: 0.5, new: null, version: 3 }],
    ]);
  });

  it('writes nothing for a change that changes nothing', async () => {
    await changePolicy(as(ALICE), { key: 'runs.maxConcurrent', value: 3 });
    const again = await changePolicy(as(BOB), { key: 'runs.maxConcurrent', value: 3 });
    const none = await changePolicy(as(BOB), { key: 'cpu', value: undefined });
    expect(again).toMatchObject({ changed: false, version: 1 });
    expect(none).toMatchObject({ changed: false, version: 1 });
    expect((await auditEvents(h)).filter((e) => e.action.startsWith('policy'))).toHaveLength(1);
  });

  it('is a conditional write: a write decided on an older version writes nothing, audit event included', async () => {
    const v0 = (await readPolicy(doc, h.stack.outputs.tableName)).policy;
    await changePolicy(as(ALICE), { key: 'image', value: 'alpine:3.20' });
    const written = await writePolicyChange(doc, h.stack.outputs.tableName, {
      read: v0,
      change: { key: 'image', value: 'busybox:1' },
      actorArn: BOB,
      at: new Date().toISOString(),
      audit: {
        id: 'stale',
        at: new Date().toISOString(),
        action: 'policy-set',
        actorArn: BOB,
        host: 'h',
        detail: {},
      },
    });
    expect(written).toBe(false);
    expect(await policyItem()).toMatchObject({ version: 1, values: { image: 'alpine:3.20' } });
    expect((await auditEvents(h)).map((e) => e.id)).not.toContain('stale');
  });

  it('two admins writing at once: both changes land, and the second audit event names the first value as old', async () => {
    // Bob reads version 0; Alice writes version 1 before Bob's write goes out; Bob's write fails its
    // condition, he reads again and writes version 2 on top of Alice's.
    const bobDoc = interceptFirstWrite(async () => {
      await changePolicy(as(ALICE), { key: 'budget.perRun', value: 1 });
    });
    const bob = await changePolicy(as(BOB, bobDoc), { key: 'budget.perRun', value: 2 });
    expect(bob).toMatchObject({ changed: true, old: '1', new: '2', version: 2 });

    const other = interceptFirstWrite(async () => {
      await changePolicy(as(ALICE), { key: 'budget.monthly', value: 100 });
    });
    await changePolicy(as(BOB, other), { key: 'timeout.max', value: '2h' });
    expect(await policyItem()).toMatchObject({
      version: 4,
      values: { 'budget.perRun': 2, 'budget.monthly': 100, 'timeout.max': '2h' },
    });
    const events = (await auditEvents(h)).filter((e) => e.action === 'policy-set');
    expect(events.map((e) => [e.actorArn, e.detail?.key, e.detail?.old, e.detail?.new])).toEqual([
      [ALICE, 'budget.perRun', null, 1],
      [BOB, 'budget.perRun', 1, 2],
      [ALICE, 'budget.monthly', null, 100],
      [BOB, 'timeout.max', null, '2h'],
    ]);
  });

  it('refuses a memory the policy cpu cannot have (exit 2), writing nothing', async () => {
    await changePolicy(as(ALICE), { key: 'cpu', value: 1024 });
    const error = await changePolicy(as(ALICE), { key: 'memory', value: 512 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunvoyError);
    expect((error as RunvoyError).exitCode).toBe(2);
    expect((error as RunvoyError).what).toContain('for cpu 1024');
    expect(await policyItem()).toMatchObject({ version: 1, values: { cpu: 1024 } });
  });

  it("brings the writer's own cache up to date, so its next run reads nothing", async () => {
    const ctx = as(ALICE);
    await changePolicy(ctx, { key: 'budget.perRun', value: 3 });
    expect(ctx.cache.get<TeamPolicy>(policyCacheKey(ctx.stack), 60_000)).toMatchObject({
      version: 1,
      values: { 'budget.perRun': 3 },
    });
  });
});

describe("a run's start transaction checks the policy version", () => {
  it('starts under the cached version when it is still current', async () => {
    const ctx = as(ALICE);
    await changePolicy(ctx, { key: 'budget.perRun', value: 5 });
    const seen: number[] = [];
    const record = await startUnderPolicy(
      ctx,
      async (policy) => {
        seen.push(policy.version);
        return runRequest();
      },
      (request, guard) => startExecution(runDeps(h), request, { guard }),
    );
    expect(seen).toEqual([1]);
    expect(record.taskArn).toBeTruthy();
  });

  it('fails with PolicyChanged when the policy moved, writing neither record nor lock', async () => {
    const ctx = as(ALICE);
    await changePolicy(ctx, { key: 'budget.perRun', value: 5 });
    const stale = (await teamPolicyForRun(ctx)).policy;
    await changePolicy(as(BOB), { key: 'budget.perRun', value: 6 });
    const error = await startExecution(runDeps(h), runRequest({ lockName: 'deploy' }), {
      guard: policyVersionGuard(stale),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolicyChanged);
    expect(await h.store.getLock('deploy')).toBeUndefined();
    expect((await auditEvents(h)).filter((e) => e.action === 'run')).toEqual([]);
  });

  it('with no policy cached as version 0, a policy created since fails the check too', async () => {
    const error = await startExecution(runDeps(h), runRequest(), {
      guard: policyVersionGuard({ version: 0, values: {} }),
    }).then(
      () => 'started',
      (e: unknown) => e,
    );
    expect(error).toBe('started');
    await changePolicy(as(BOB), { key: 'cpu', value: 512 });
    const after = await startExecution(runDeps(h), runRequest(), {
      guard: policyVersionGuard({ version: 0, values: {} }),
    }).catch((e: unknown) => e);
    expect(after).toBeInstanceOf(PolicyChanged);
  });

  it('re-reads the policy, decides again and starts once when the cache was stale', async () => {
    const ctx = as(ALICE);
    await changePolicy(ctx, { key: 'budget.perRun', value: 5 });
    await changePolicy(as(BOB), { key: 'budget.perRun', value: 0.01 });
    const seen: number[] = [];
    const reread: number[] = [];
    const refused = await startUnderPolicy(
      ctx,
      async (policy) => {
        seen.push(policy.version);
        if (policy.values['budget.perRun'] === 0.01)
          throw new RunvoyError({ what: 'over budget', exitCode: 5 });
        return runRequest();
      },
      (request, guard) => startExecution(runDeps(h), request, { guard }),
      (policy) => reread.push(policy.version),
    ).catch((e: unknown) => e);
    expect(seen).toEqual([1, 2]);
    expect(reread).toEqual([2]);
    expect((refused as RunvoyError).exitCode).toBe(5);
    // The cache now holds the new version: the next run decides under it at once.
    expect(ctx.cache.get<TeamPolicy>(policyCacheKey(ctx.stack), 60_000)?.version).toBe(2);
  });

  it('a run the cached policy refuses is decided again under the policy read afresh (a raised limit lets it start)', async () => {
    const ctx = as(ALICE);
    await changePolicy(ctx, { key: 'budget.perRun', value: 0.01 });
    await changePolicy(as(BOB), { key: 'budget.perRun', value: 1 });
    const seen: Array<unknown> = [];
    const decide = async (policy: TeamPolicy) => {
      seen.push(policy.values['budget.perRun']);
      if (policy.values['budget.perRun'] === 0.01)
        throw new RunvoyError({ what: 'over budget', exitCode: 5 });
      return runRequest();
    };
    const record = await startUnderPolicy(ctx, decide, (request, guard) =>
      startExecution(runDeps(h), request, { guard }),
    );
    expect(seen).toEqual([0.01, 1]);
    expect(record.taskArn).toBeTruthy();

    // Lowered again: the cached policy lets the run through, the start transaction finds it changed.
    await changePolicy(as(BOB), { key: 'budget.perRun', value: 0.01 });
    seen.length = 0;
    const start = (request: RunRequest, guard: TransactGuard) =>
      startExecution(runDeps(h), request, { guard });
    const refused = await startUnderPolicy(ctx, decide, start).catch((e: unknown) => e);
    expect((refused as RunvoyError).exitCode).toBe(5);
    expect(seen).toEqual([1, 0.01]);

    // Refused under a cached policy that is still current: one read to make sure, and the refusal stands.
    seen.length = 0;
    const again = await startUnderPolicy(ctx, decide, start).catch((e: unknown) => e);
    expect((again as RunvoyError).exitCode).toBe(5);
    expect(seen).toEqual([0.01]);
  });

  it('refuses to run under a policy item edited into a shape it cannot read', async () => {
    await doc.send(
      new PutCommand({
        TableName: h.stack.outputs.tableName,
        Item: { ...POLICY_KEY, version: 7, values: { 'budget.perRun': 'cheap' } },
      }),
    );
    const error = await teamPolicyForRun(as(ALICE)).catch((e: unknown) => e);
    expect((error as RunvoyError).code).toBe('MALFORMED_POLICY');
    expect((error as RunvoyError).fix).toContain('runvoy policy unset KEY');
    // An admin repairs it with policy set, which writes on the version it read.
    await changePolicy(as(ALICE), { key: 'budget.perRun', value: 1 });
    expect((await teamPolicyForRun(as(BOB))).policy).toMatchObject({
      version: 8,
      values: { 'budget.perRun': 1 },
    });
  });
});
