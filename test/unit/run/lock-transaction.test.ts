/**
 * What createWithLock does when DynamoDB cancels the acquire transaction. The emulator only produces
 * ConditionalCheckFailed (see test/integration/run/locks.test.ts); the TransactionConflict reason, which AWS
 * gives when two transactions touch the lock item at the same moment, can only be mocked. Documents are
 * shaped like AWS's TransactionCanceledException.
 */
import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { executionRecord } from '../../support/records.js';
import { AwsClients } from '../../../src/aws/clients.js';
import { Store } from '../../../src/aws/store.js';
import { RunvoyError } from '../../../src/core/errors.js';
import { executionItem, type ExecutionRecord } from '../../../src/core/execution.js';
import type { LockItem } from '../../../src/core/lock-protocol.js';
import { DETACHED_LEASE_MS, createWithLock } from '../../../src/services/lock-service.js';

const TABLE = 'runvoy-Table-TEST';
const ARN = 'arn:aws:sts::123456789012:user/alice';

const docMock = mockClient(DynamoDBDocumentClient);
let clients: AwsClients;
let store: Store;

beforeEach(() => {
  docMock.reset();
  clients = new AwsClients({ region: 'us-east-1' });
  store = new Store(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })), TABLE);
});
afterEach(() => clients.destroy());

function record(id: string): ExecutionRecord {
  return executionRecord({
    id,
    status: 'PENDING',
    callerArn: ARN,
    host: 'laptop',
    command: ['terraform', 'apply'],
    image: 'hashicorp/terraform:1.9',
    createdAt: new Date().toISOString(),
  });
}

const holder = record('holder000001');
const heldLock: LockItem = {
  name: 'deploy',
  state: 'HELD',
  holderExecutionId: holder.id,
  holderArn: ARN,
  holderHost: 'laptop',
  command: holder.command,
  acquiredAt: new Date().toISOString(),
  leaseExpiresAt: Date.now() + DETACHED_LEASE_MS,
  fence: 1,
  version: '5f0c3c4e-7f39-4d7c-9d0b-1f1c1f1c1f1c',
};

function canceled(reasons: Array<{ Code: string; Message?: string; Item?: Record<string, unknown> }>) {
  return new TransactionCanceledException({
    message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`,
    $metadata: { httpStatusCode: 400 },
    CancellationReasons: reasons as never,
  });
}

function ctx() {
  return {
    clients,
    store,
    cluster: 'runvoy-Cluster-TEST',
    stackName: 'runvoy',
    sleep: async () => undefined,
  };
}

const options = { waitMs: 0, leaseUntil: (t: number) => t + DETACHED_LEASE_MS };

describe('createWithLock when the acquire transaction is cancelled', () => {
  it('on ConditionalCheckFailed, decides again on the lock from the cancellation reason and reports it held', async () => {
    docMock
      .on(GetCommand, { Key: { pk: 'LOCK#deploy', sk: 'META' } })
      .resolves({})
      .on(GetCommand, { Key: { pk: `EXEC#${holder.id}`, sk: 'META' } })
      .resolves({ Item: executionItem(holder) });
    docMock.on(TransactWriteCommand).rejects(
      canceled([
        { Code: 'None' },
        {
          Code: 'ConditionalCheckFailed',
          Message: 'The conditional request failed',
          Item: marshall({ ...heldLock, pk: 'LOCK#deploy', sk: 'META', kindPk: 'LOCK', kindSk: 'deploy' }),
        },
      ]),
    );
    const error = await createWithLock(ctx(), record('challenger01'), 'deploy', options).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RunvoyError);
    expect(error).toMatchObject({ exitCode: 3, code: 'LOCK_HELD' });
    expect((error as RunvoyError).message).toContain(holder.id);
    expect(docMock.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  // BUG: src/aws/store.ts createExecution maps only a `ConditionalCheckFailed` cancellation reason on the lock
  // item to TransactionConflict. When two CLIs race, AWS cancels the loser with the reason `TransactionConflict`
  // ("Transaction is ongoing for the item"), which the SDK does not retry: the raw TransactionCanceledException
  // escapes createWithLock and the CLI exits 1 ("unexpected"/AWS error) instead of re-reading the lock and
  // either taking it or exiting 3. Expected: treated like a condition failure (re-read, decide again).
  it('on TransactionConflict (another transaction on the lock item), re-reads the lock and reports it held', async () => {
    docMock
      .on(GetCommand, { Key: { pk: 'LOCK#deploy', sk: 'META' } })
      .resolvesOnce({})
      .resolves({ Item: { ...heldLock, pk: 'LOCK#deploy', sk: 'META', kindPk: 'LOCK', kindSk: 'deploy' } })
      .on(GetCommand, { Key: { pk: `EXEC#${holder.id}`, sk: 'META' } })
      .resolves({ Item: executionItem(holder) });
    docMock
      .on(TransactWriteCommand)
      .rejects(
        canceled([
          { Code: 'None' },
          { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' },
        ]),
      );
    const error = await createWithLock(ctx(), record('challenger02'), 'deploy', options).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RunvoyError);
    expect(error).toMatchObject({ exitCode: 3, code: 'LOCK_HELD' });
  });

  it('rethrows a cancellation that is not about the lock (the record’s own condition)', async () => {
    docMock.on(GetCommand).resolves({});
    docMock
      .on(TransactWriteCommand)
      .rejects(
        canceled([
          { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' },
          { Code: 'None' },
        ]),
      );
    const error = await createWithLock(ctx(), record('challenger03'), 'deploy', options).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TransactionCanceledException);
  });
});
