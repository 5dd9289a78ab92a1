import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { previousStatusesOf } from '../../../src/core/status.js';
import { resetMoto } from '../../support/moto.js';
import { auditEvents, newRecord, setUpStack, type Harness } from './harness.js';

let h: Harness;

beforeEach(async () => {
  await resetMoto();
  h = await setUpStack();
});
afterEach(() => h.restore());

async function activeIds(): Promise<string[]> {
  const doc = await h.clients.documents();
  const out = await doc.send(
    new QueryCommand({
      TableName: h.stack.outputs.tableName,
      IndexName: 'active',
      KeyConditionExpression: 'activePk = :a',
      ExpressionAttributeValues: { ':a': 'ACTIVE' },
    }),
  );
  return (out.Items ?? []).map((item) => String(item.id));
}

describe('Store.updateExecution', () => {
  it('moves a status forward only, from the statuses it names', async () => {
    const record = newRecord(h);
    await h.store.createExecution(record);

    const running = await h.store.updateExecution(record.id, previousStatusesOf('RUNNING'), {
      status: 'RUNNING',
      taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/c/abc',
    });
    expect(running).toMatchObject({
      status: 'RUNNING',
      taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/c/abc',
    });

    // Backwards: a late STARTING (from PENDING) must not overwrite RUNNING.
    expect(await h.store.updateExecution(record.id, ['PENDING'], { status: 'STARTING' })).toBeUndefined();
    expect(
      await h.store.updateExecution(record.id, previousStatusesOf('STARTING'), { status: 'STARTING' }),
    ).toBeUndefined();
    expect((await h.store.getExecution(record.id))?.status).toBe('RUNNING');

    const done = await h.store.updateExecution(record.id, previousStatusesOf('SUCCEEDED'), {
      status: 'SUCCEEDED',
      exitCode: 0,
    });
    expect(done).toMatchObject({ status: 'SUCCEEDED', exitCode: 0 });

    // Terminal is final: neither back to RUNNING nor sideways to another terminal status.
    expect(
      await h.store.updateExecution(record.id, previousStatusesOf('RUNNING'), { status: 'RUNNING' }),
    ).toBeUndefined();
    expect(
      await h.store.updateExecution(record.id, previousStatusesOf('LOST'), { status: 'LOST' }),
    ).toBeUndefined();
    expect(await h.store.getExecution(record.id)).toMatchObject({ status: 'SUCCEEDED', exitCode: 0 });
  });

  it('lets only one of two finalisers win', async () => {
    const record = newRecord(h, { status: 'RUNNING' });
    await h.store.createExecution(record);
    const [first, second] = await Promise.all([
      h.store.updateExecution(record.id, previousStatusesOf('SUCCEEDED'), { status: 'SUCCEEDED' }),
      h.store.updateExecution(record.id, previousStatusesOf('LOST'), { status: 'LOST' }),
    ]);
    expect([first, second].filter(Boolean)).toHaveLength(1);
    const winner = (first ?? second)?.status;
    expect((await h.store.getExecution(record.id))?.status).toBe(winner);
  });

  it('takes a finished execution out of the active index, and only then', async () => {
    const record = newRecord(h);
    await h.store.createExecution(record);
    expect(await activeIds()).toEqual([record.id]);
    await h.store.updateExecution(record.id, ['PENDING'], { status: 'RUNNING' });
    expect(await activeIds()).toEqual([record.id]);
    await h.store.updateExecution(record.id, ['RUNNING'], { status: 'FAILED', exitCode: 2 });
    expect(await activeIds()).toEqual([]);
  });

  it('does not create a record that does not exist', async () => {
    const record = newRecord(h);
    expect(await h.store.updateExecution(record.id, ['PENDING'], { status: 'RUNNING' })).toBeUndefined();
    expect(await h.store.getExecution(record.id)).toBeUndefined();
  });
});

describe('Store.createExecution', () => {
  it('writes the record and the audit event together, and never overwrites an existing record', async () => {
    const record = newRecord(h);
    const audit = {
      id: `${record.id}-run`,
      at: record.createdAt,
      action: 'run' as const,
      actorArn: record.callerArn,
      host: record.host,
      executionId: record.id,
    };
    await h.store.createExecution(record, undefined, audit);
    expect(await h.store.getExecution(record.id)).toMatchObject({ id: record.id, status: 'PENDING' });
    expect((await auditEvents(h)).map((e) => e.id)).toEqual([audit.id]);

    await expect(h.store.createExecution({ ...record, status: 'RUNNING' })).rejects.toThrow();
    expect((await h.store.getExecution(record.id))?.status).toBe('PENDING');
  });
});
