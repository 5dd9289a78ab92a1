/**
 * Malformed items against the emulator, at the level of the Store and the services (issue 11, items 1 and
 * 5): single reads are errors naming the item, batch reads skip and report, `locks release --force`
 * repairs a lock item, reconcile takes malformed records out of the `active` index; every write on a
 * malformed item is conditional on the item as read.
 */
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditItem, Store } from '../../../src/aws/store.js';
import { RunvoyError } from '../../../src/core/errors.js';
import { executionItem } from '../../../src/core/execution.js';
import type { BadItem } from '../../../src/core/items.js';
import { holderFinished } from '../../../src/services/lock-service.js';
import { releaseLock } from '../../../src/services/locks.js';
import { reconcile } from '../../../src/services/reconcile.js';
import type { StackCommandContext } from '../../../src/context.js';
import { resetMoto } from '../../support/moto.js';
import { auditEvents, newRecord, setUpStack, type Harness } from './harness.js';

let h: Harness;
let skipped: BadItem[];
let store: Store;
let doc: Awaited<ReturnType<Harness['clients']['documents']>>;

beforeEach(async () => {
  await resetMoto();
  h = await setUpStack();
  skipped = [];
  doc = await h.clients.documents();
  store = new Store(doc, h.stack.outputs.tableName, { skipped: (b) => skipped.push(b) });
});
afterEach(() => h.restore());

const table = () => h.stack.outputs.tableName;

async function put(Item: Record<string, unknown>): Promise<void> {
  await (await h.clients.documents()).send(new PutCommand({ TableName: table(), Item }));
}

async function raw(pk: string): Promise<Record<string, unknown> | undefined> {
  const out = await (
    await h.clients.documents()
  ).send(new GetCommand({ TableName: table(), Key: { pk, sk: 'META' }, ConsistentRead: true }));
  return out.Item;
}

const lockKeys = (name: string) => ({ pk: `LOCK#${name}`, sk: 'META', kindPk: 'LOCK', kindSk: name, name });

/** A RUNNING record in the active index whose status is unknown. */
async function putOddRecord(overrides: Record<string, unknown> = {}) {
  const record = newRecord(h, { status: 'RUNNING' });
  const item: Record<string, unknown> = { ...executionItem(record), status: 'EXPLODED', ...overrides };
  await put(item);
  return { record, item };
}

async function caught(promise: Promise<unknown>): Promise<RunvoyError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RunvoyError);
  return error as RunvoyError;
}

const executionsCtx = (): Pick<StackCommandContext, 'clients' | 'store' | 'stack'> => ({
  clients: h.clients,
  store,
  stack: h.stack,
});
const locksCtx = (): Pick<StackCommandContext, 'clients' | 'store' | 'stack'> => ({
  clients: h.clients,
  store,
  stack: h.stack,
});

describe('single reads of a malformed item', () => {
  it('getExecution and getLock are errors naming the table, the key and what is wrong', async () => {
    const { record } = await putOddRecord();
    const error = await caught(store.getExecution(record.id));
    expect(error.code).toBe('MALFORMED_ITEM');
    expect(error.what).toContain(`EXEC#${record.id} in table ${table()}`);
    expect(error.what).toContain('status: expected one of');

    await put({ ...lockKeys('deploy'), state: 'FREE', fence: 3 });
    const lockError = await caught(store.getLock('deploy'));
    expect(lockError.what).toBe(
      `The lock item LOCK#deploy in table ${table()} is malformed: version: missing.`,
    );
  });
});

describe('batch reads with malformed items', () => {
  it('skip each one and report it; the good ones come back', async () => {
    const good = newRecord(h, { status: 'RUNNING' });
    await h.store.createExecution(good);
    const { record: odd } = await putOddRecord();
    const numberDate = newRecord(h, { status: 'SUCCEEDED' });
    await put({ ...executionItem(numberDate), createdAt: Date.now() });

    const page = await store.queryExecutions({ limit: 10 });
    expect(page.items.map((r) => r.id)).toEqual([good.id]);
    expect(skipped.map((b) => b.key).sort()).toEqual([`EXEC#${odd.id}`, `EXEC#${numberDate.id}`].sort());

    skipped = [];
    const active = (await store.activeExecutions({ newestFirst: false })).items;
    expect(active.map((r) => r.id)).toEqual([good.id]);
    expect(skipped.map((b) => b.key)).toEqual([`EXEC#${odd.id}`]);

    skipped = [];
    const byId = await store.getExecutions([good.id, odd.id]);
    expect([...byId.keys()]).toEqual([good.id]);
    expect(skipped.map((b) => b.key)).toEqual([`EXEC#${odd.id}`]);
  });

  it('listLocks and queryAudit skip and report too', async () => {
    await put({ ...lockKeys('good'), state: 'FREE', fence: 1, version: 'v1' });
    await put({ ...lockKeys('bad'), state: 'FREE', fence: '7', version: 'v1' });
    expect((await store.listLocks()).map((l) => l.name)).toEqual(['good']);
    expect(skipped).toEqual([
      { kind: 'lock', key: 'LOCK#bad', problems: ['fence: expected a whole number, got "7"'] },
    ]);

    skipped = [];
    const at = new Date().toISOString();
    await put(auditItem({ id: 'good-run', at, action: 'run', actorArn: 'a', host: 'h' }));
    await put({ ...auditItem({ id: 'bad-run', at, action: 'run', actorArn: 'a', host: 'h' }), at: 5 });
    const events = await store.auditEvents({ since: new Date(Date.now() - 60_000) });
    expect(events.map((e) => e.id)).toEqual(['good-run']);
    expect(skipped.map((b) => b.key)).toEqual(['AUDIT#bad-run']);
  });
});

describe('locks release on a malformed lock item', () => {
  const confirm = async () => true;

  it('without --force: an error that names the item and says --force repairs it; nothing written', async () => {
    await put({ ...lockKeys('deploy'), state: 'HELD', fence: 3, holderExecutionId: 'x' });
    const before = await raw('LOCK#deploy');
    const error = await caught(releaseLock(locksCtx(), 'deploy', { force: false, confirm }));
    expect(error.code).toBe('MALFORMED_ITEM');
    expect(error.fix).toContain('runvoy locks release deploy --force');
    expect(await raw('LOCK#deploy')).toEqual(before);
  });

  it('with --force: a well-formed FREE lock that keeps a numeric fence, audited', async () => {
    await put({
      ...lockKeys('deploy'),
      state: 'HELD',
      fence: 3,
      holderExecutionId: 'gone00000001',
      leaseExpiresAt: 'soon',
      version: 'v1',
    });
    const result = await releaseLock(locksCtx(), 'deploy', { force: true, confirm });
    expect(result).toMatchObject({ released: true, forced: true, previousHolder: 'gone00000001' });
    const repaired = await store.getLock('deploy');
    expect(repaired).toEqual({ name: 'deploy', state: 'FREE', fence: 3, version: expect.any(String) });
    const audit = (await auditEvents(h)).filter((e) => e.action === 'lock-force-release');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      lockName: 'deploy',
      executionId: 'gone00000001',
      detail: {
        fence: 3,
        malformed: ['leaseExpiresAt: expected a whole number, got "soon"'],
        storedFence: 3,
      },
    });
  });

  it('with --force and no usable fence: the highest fence any execution of the lock recorded', async () => {
    for (const fence of [4, 9, 2]) await h.store.createExecution(newRecord(h, { lockName: 'deploy', fence }));
    await h.store.createExecution(newRecord(h, { lockName: 'other', fence: 50 }));
    await put({ ...lockKeys('deploy'), state: 'FREE', version: 'v1' });
    await releaseLock(locksCtx(), 'deploy', { force: true, confirm });
    expect(await store.getLock('deploy')).toMatchObject({ state: 'FREE', fence: 9 });
  });

  it('with --force and a string fence: its number, or the highest recorded fence if that is higher', async () => {
    await put({ ...lockKeys('a'), state: 'FREE', fence: '7', version: 'v1' });
    await releaseLock(locksCtx(), 'a', { force: true, confirm });
    expect(await store.getLock('a')).toMatchObject({ fence: 7 });

    // The old bug wrote "71" to the records too: a string fence in a record still counts.
    await put({ ...executionItem(newRecord(h, { lockName: 'b' })), fence: '71' });
    await put({ ...lockKeys('b'), state: 'FREE', fence: '7', version: 'v1' });
    await releaseLock(locksCtx(), 'b', { force: true, confirm });
    expect(await store.getLock('b')).toMatchObject({ fence: 71 });
  });

  it('when the confirmation is refused, or the item changed since it was read, writes nothing', async () => {
    await put({ ...lockKeys('deploy'), state: 'FREE', fence: 3 });
    const cancelled = await releaseLock(locksCtx(), 'deploy', {
      force: true,
      confirm,
      confirmRepair: async () => false,
    });
    expect(cancelled).toMatchObject({ released: false, reason: 'cancelled' });
    expect(await raw('LOCK#deploy')).not.toHaveProperty('version');

    const read = (await raw('LOCK#deploy')) as Record<string, unknown>;
    await put({ ...lockKeys('deploy'), state: 'FREE', fence: 4 });
    const written = await store.repairLock(
      read,
      { name: 'deploy', state: 'FREE', fence: 3, version: 'v-new' },
      { id: 'x', at: new Date().toISOString(), action: 'lock-force-release', actorArn: 'a', host: 'h' },
    );
    expect(written).toBe(false);
    expect(await raw('LOCK#deploy')).toMatchObject({ fence: 4 });
  });
});

describe('holderFinished with a malformed holder record', () => {
  it('decides as if there were no record: the lease, then ECS', async () => {
    const { record } = await putOddRecord();
    const lock = {
      name: 'deploy',
      state: 'HELD' as const,
      holderExecutionId: record.id,
      fence: 1,
      version: 'v1',
    };
    const ctx = h.lockCtx({ store });
    expect(await holderFinished(ctx, { ...lock, leaseExpiresAt: Date.now() + 60_000 }, Date.now())).toBe(
      false,
    );
    expect(await holderFinished(ctx, { ...lock, leaseExpiresAt: Date.now() - 1 }, Date.now())).toBe(true);
  });
});

describe('reconcile and malformed records in the active index', () => {
  it('a dry run reports them and writes nothing', async () => {
    const { record } = await putOddRecord();
    const report = await reconcile(executionsCtx(), { dryRun: true, graceMs: 15 * 60_000 });
    expect(report.counts.removedFromActive).toBe(1);
    expect(report.actions).toContainEqual(
      expect.objectContaining({ action: 'remove-from-active', executionId: record.id, from: 'EXPLODED' }),
    );
    expect(skipped.map((b) => b.key)).toEqual([`EXEC#${record.id}`]);
    expect(await raw(`EXEC#${record.id}`)).toHaveProperty('activePk', 'ACTIVE');
  });

  it('takes them out of the index, keeps every other attribute, audits it, and leaves good runs alone', async () => {
    const good = newRecord(h, { status: 'PENDING' });
    await h.store.createExecution(good);
    const taskArn = 'arn:aws:ecs:us-east-1:123456789012:task/c/abc';
    const { record, item } = await putOddRecord({ taskArn });
    const report = await reconcile(executionsCtx(), { dryRun: false, graceMs: 15 * 60_000 });
    expect(report.counts).toMatchObject({ removedFromActive: 1, active: 1, unchanged: 1 });
    const row = report.actions.find((a) => a.action === 'remove-from-active');
    expect(row?.detail).toContain('its task abc is not tracked');

    const { activePk: _a, activeSk: _s, ...rest } = item;
    expect(await raw(`EXEC#${record.id}`)).toEqual(rest);
    const audit = (await auditEvents(h)).filter((e) => e.action === 'remove-from-active');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      executionId: record.id,
      detail: {
        key: `EXEC#${record.id}`,
        status: 'EXPLODED',
        taskArn,
        problems: [expect.stringContaining('status')],
      },
    });

    const again = await reconcile(executionsCtx(), { dryRun: false, graceMs: 15 * 60_000 });
    expect(again.counts.removedFromActive).toBe(0);
  });

  it('removeFromActive does nothing to an item that changed since it was read', async () => {
    const { record, item } = await putOddRecord();
    await (
      await h.clients.documents()
    ).send(
      new UpdateCommand({
        TableName: table(),
        Key: { pk: `EXEC#${record.id}`, sk: 'META' },
        UpdateExpression: 'SET #s = :s',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':s': 'RUNNING' },
      }),
    );
    const removed = await store.removeFromActive(item, {
      id: 'x',
      at: new Date().toISOString(),
      action: 'remove-from-active',
      actorArn: 'a',
      host: 'h',
    });
    expect(removed).toBe(false);
    expect(await raw(`EXEC#${record.id}`)).toMatchObject({ status: 'RUNNING', activePk: 'ACTIVE' });
    expect((await auditEvents(h)).filter((e) => e.action === 'remove-from-active')).toEqual([]);
  });
});
