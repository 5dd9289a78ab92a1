import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { EXECUTION_SK, executionItem, executionPk, lockPk, type ExecutionRecord } from '../core/execution.js';
import { idPartition } from '../core/ids.js';
import {
  auditItem,
  decodeAll,
  decodeAudit,
  decodeExecution,
  decodeLock,
  fenceValue,
  lockItem,
  malformedItemError,
  type AuditEvent,
  type BadItem,
  type Decoded,
  type SkipReport,
} from '../core/items.js';
import type { LockItem } from '../core/lock-protocol.js';
import { isTerminal, type ExecutionStatus } from '../core/status.js';
import { loadSdk } from './sdk.js';
import { isConditionFailure, isTransactionCancelled, unchangedSinceReadParams } from './store/conditions.js';
import {
  activeQuery,
  auditQuery,
  decodeCursor,
  encodeCursor,
  executionQuery,
  queryAll,
  queryUpTo,
  type ExecutionQuery,
} from './store/queries.js';
import { warnOnStderr } from './store/skipped.js';

/*
 * The one module for the stack's table (docs/data-model.md): every read and write of executions, locks and
 * audit events goes through Store, and every item read is decoded and checked by core/items.ts. Its
 * pieces are in ./store/ (query building and paging, conditions, the skip warning); import this file.
 */
export { unchangedSinceRead } from './store/conditions.js';
export { deleteTable } from './store/delete-table.js';
export { warnOnStderr } from './store/skipped.js';
export type { ExecutionQuery } from './store/queries.js';
export { auditItem } from '../core/items.js';

const lib = () => loadSdk('@aws-sdk/lib-dynamodb');

export interface ExecutionPage {
  items: ExecutionRecord[];
  /** Opaque cursor for the next page; undefined when there is none. */
  cursor?: string;
  /** DynamoDB requests made for this page. */
  requests: number;
}

/** The `active` index as stored: the records that decode, and the malformed items, each kept as read. */
export interface ActiveIndex {
  records: ExecutionRecord[];
  malformed: Array<{ bad: BadItem; item: Record<string, unknown> }>;
}

export interface StoreOptions {
  /** What to do with each malformed item a batch read skips (default: a warning on stderr). */
  skipped?: SkipReport;
}

/** The lock write that goes into the acquire transaction. */
export interface LockWrite {
  item: LockItem;
  /** undefined: the lock must not exist yet. */
  expectVersion: string | undefined;
}

/**
 * A condition on another item that the start transaction must also hold (the team policy's version,
 * src/aws/policy.ts): when it fails, `failed()` is thrown instead of the transaction's error.
 */
export interface TransactGuard {
  check: { Key: Record<string, unknown>; ConditionExpression: string } & Record<string, unknown>;
  failed: () => Error;
}

export class TransactionConflict extends Error {
  constructor(readonly currentLock: LockItem | undefined) {
    super('lock changed since it was read');
    this.name = 'TransactionConflict';
  }
}

/** Executions, locks and audit events in the stack's one table (docs/data-model.md). */
export class Store {
  /** Where batch reads report the malformed items they skip. */
  readonly skipped: SkipReport;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    readonly table: string,
    options: StoreOptions = {},
  ) {
    this.skipped = options.skipped ?? warnOnStderr(table);
  }

  /** A single read's item: a malformed one is an error that names it and says how to repair it. */
  private one<T>(decoded: Decoded<T>): T {
    if (!decoded.ok) throw malformedItemError(decoded.bad, this.table);
    return decoded.value;
  }

  /**
   * Writes the new execution record and, when there is a lock, takes it, in one transaction: both or
   * neither. A lock that changed since it was read throws TransactionConflict with the lock as it is now.
   */
  async createExecution(
    record: ExecutionRecord,
    lock?: LockWrite,
    audit?: AuditEvent,
    guard?: TransactGuard,
  ): Promise<void> {
    const { TransactWriteCommand } = await lib();
    // The lock, when there is one, is the last item: its cancellation reason tells a held lock apart.
    const putRecord = {
      Put: {
        TableName: this.table,
        Item: executionItem(record),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
    const items: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']> = [
      putRecord,
    ];
    if (audit) items.push({ Put: { TableName: this.table, Item: auditItem(audit) } });
    const guardIndex = guard
      ? items.push({ ConditionCheck: { TableName: this.table, ...guard.check } }) - 1
      : -1;
    if (lock) {
      items.push({
        Put: {
          TableName: this.table,
          Item: lockItem(lock.item),
          ...(lock.expectVersion === undefined
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : {
                ConditionExpression: 'version = :expected',
                ExpressionAttributeValues: { ':expected': lock.expectVersion },
              }),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      });
    }
    try {
      await this.doc.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      const reasons = (
        error as { CancellationReasons?: Array<{ Code?: string; Item?: Record<string, unknown> }> }
      ).CancellationReasons;
      const guardCode = guard ? reasons?.[guardIndex]?.Code : undefined;
      if (guard && (guardCode === 'ConditionalCheckFailed' || guardCode === 'TransactionConflict')) {
        throw guard.failed();
      }
      const lockReason = reasons?.[items.length - 1];
      // ConditionalCheckFailed: the lock changed since it was read. TransactionConflict: another
      // transaction was writing it at that moment (not retried by the SDK). Either way, decide again.
      if (
        lock &&
        (lockReason?.Code === 'ConditionalCheckFailed' || lockReason?.Code === 'TransactionConflict')
      ) {
        const { unmarshall } = await loadSdk('@aws-sdk/util-dynamodb');
        const current = lockReason.Item
          ? this.one(decodeLock(unmarshall(lockReason.Item as never)))
          : undefined;
        throw new TransactionConflict(current);
      }
      throw error;
    }
  }

  async getExecution(id: string): Promise<ExecutionRecord | undefined> {
    const { GetCommand } = await lib();
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: executionPk(id), sk: EXECUTION_SK },
        ConsistentRead: true,
      }),
    );
    return out.Item ? this.one(decodeExecution(out.Item)) : undefined;
  }

  /** Execution IDs starting with a prefix of at least four characters (byIdPrefix index). */
  async idsWithPrefix(prefix: string, limit = 20): Promise<string[]> {
    const { QueryCommand } = await lib();
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'byIdPrefix',
        KeyConditionExpression: 'idPk = :p AND begins_with(idSk, :prefix)',
        ExpressionAttributeValues: { ':p': idPartition(prefix), ':prefix': prefix },
        Limit: limit,
      }),
    );
    return (out.Items ?? []).map((item) => String(item.idSk));
  }

  /**
   * Moves an execution forward, only from one of `from` (a status only moves forward, and two CLIs
   * finalising the same run cannot both win). Returns the updated record, or undefined when the
   * condition failed because someone else moved it first.
   */
  async updateExecution(
    id: string,
    from: readonly ExecutionStatus[],
    patch: Partial<ExecutionRecord>,
  ): Promise<ExecutionRecord | undefined> {
    const { UpdateCommand } = await lib();
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = {};
    const sets: string[] = [];
    const removes: string[] = [];
    Object.entries(patch).forEach(([key, value], index) => {
      if (key === 'id') return;
      names[`#f${index}`] = key;
      if (value === undefined) removes.push(`#f${index}`);
      else {
        values[`:v${index}`] = value;
        sets.push(`#f${index} = :v${index}`);
      }
    });
    if (patch.status && isTerminal(patch.status)) removes.push('activePk', 'activeSk');
    from.forEach((status, index) => (values[`:from${index}`] = status));
    const update = [
      sets.length ? `SET ${sets.join(', ')}` : '',
      removes.length ? `REMOVE ${removes.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join(' ');
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: executionPk(id), sk: EXECUTION_SK },
          UpdateExpression: update,
          ConditionExpression: `attribute_exists(pk) AND #status IN (${from.map((_, i) => `:from${i}`).join(', ')})`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return out.Attributes ? this.one(decodeExecution(out.Attributes)) : undefined;
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  /** One lock; a malformed lock item is an error that names it and the repair (`locks release --force`). */
  async getLock(name: string): Promise<LockItem | undefined> {
    const found = await this.inspectLock(name);
    return found ? this.one(found.decoded) : undefined;
  }

  /** One lock item as stored, and what decoding it gave: for the repair of a malformed one. */
  async inspectLock(
    name: string,
  ): Promise<{ item: Record<string, unknown>; decoded: Decoded<LockItem> } | undefined> {
    const { GetCommand } = await lib();
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: lockPk(name), sk: EXECUTION_SK },
        ConsistentRead: true,
      }),
    );
    return out.Item ? { item: out.Item, decoded: decodeLock(out.Item) } : undefined;
  }

  /** Every lock; malformed lock items are skipped and reported. */
  async listLocks(): Promise<LockItem[]> {
    const { items } = await queryAll(this.doc, {
      TableName: this.table,
      IndexName: 'byKind',
      KeyConditionExpression: 'kindPk = :k',
      ExpressionAttributeValues: { ':k': 'LOCK' },
    });
    return decodeAll(items, decodeLock, this.skipped);
  }

  /** Extends the holder's lease; false when the lock is no longer this execution's (fence changed). */
  async extendLease(name: string, executionId: string, fence: number, until: number): Promise<boolean> {
    return this.conditionalLockUpdate(name, 'SET leaseExpiresAt = :until, version = :version', {
      ':until': until,
      ':version': randomUUID(),
      ':id': executionId,
      ':fence': fence,
    });
  }

  /** Frees the lock, only if this execution still holds it with this fence. The fence is kept. */
  async releaseLock(name: string, executionId: string, fence: number): Promise<boolean> {
    return this.conditionalLockUpdate(
      name,
      'SET #state = :free, version = :version REMOVE holderExecutionId, holderArn, holderHost, command, acquiredAt, leaseExpiresAt',
      { ':free': 'FREE', ':version': randomUUID(), ':id': executionId, ':fence': fence },
    );
  }

  private async conditionalLockUpdate(
    name: string,
    update: string,
    values: Record<string, unknown>,
  ): Promise<boolean> {
    const { UpdateCommand } = await lib();
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: lockPk(name), sk: EXECUTION_SK },
          UpdateExpression: update,
          ConditionExpression: '#state = :held AND holderExecutionId = :id AND fence = :fence',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ...values, ':held': 'HELD' },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Frees someone else's lock (locks release --force) and records who did it, in one transaction. */
  async forceReleaseLock(lock: LockItem, audit: AuditEvent): Promise<boolean> {
    const { TransactWriteCommand } = await lib();
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.table,
                Key: { pk: lockPk(lock.name), sk: EXECUTION_SK },
                UpdateExpression:
                  'SET #state = :free, version = :version REMOVE holderExecutionId, holderArn, holderHost, command, acquiredAt, leaseExpiresAt',
                ConditionExpression: 'version = :expected',
                ExpressionAttributeNames: { '#state': 'state' },
                ExpressionAttributeValues: {
                  ':free': 'FREE',
                  ':version': randomUUID(),
                  ':expected': lock.version,
                },
              },
            },
            { Put: { TableName: this.table, Item: auditItem(audit) } },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (isTransactionCancelled(error)) return false;
      throw error;
    }
  }

  /**
   * Replaces a lock item that could not be decoded with a well-formed FREE lock (`locks release --force`),
   * and records who did it, in one transaction; only if the item is still as it was read. Returns false
   * when it changed meanwhile.
   */
  async repairLock(read: Record<string, unknown>, lock: LockItem, audit: AuditEvent): Promise<boolean> {
    const { TransactWriteCommand } = await lib();
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table,
                Item: lockItem(lock),
                ...unchangedSinceReadParams(read),
              },
            },
            { Put: { TableName: this.table, Item: auditItem(audit) } },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (isTransactionCancelled(error)) return false;
      throw error;
    }
  }

  /**
   * The highest fence recorded by any execution of a lock (byKind index, filtered on lockName): what a
   * repaired lock must not go below when its own fence is unreadable. Reads every execution's `fence`.
   */
  async highestRecordedFence(lockName: string): Promise<number> {
    const { items } = await queryAll(this.doc, {
      TableName: this.table,
      IndexName: 'byKind',
      KeyConditionExpression: 'kindPk = :k',
      FilterExpression: 'lockName = :lock',
      ProjectionExpression: 'fence',
      ExpressionAttributeValues: { ':k': 'EXEC', ':lock': lockName },
    });
    return Math.max(0, ...items.map((item) => fenceValue(item.fence) ?? 0));
  }

  /**
   * Takes a malformed execution out of the sparse `active` index (REMOVE activePk, activeSk) and records
   * it, in one transaction; only if the item is still as it was read. Nothing else of it changes: the
   * record stays, for people to read and repair. Returns false when it changed meanwhile.
   */
  async removeFromActive(read: Record<string, unknown>, audit: AuditEvent): Promise<boolean> {
    const { TransactWriteCommand } = await lib();
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.table,
                Key: { pk: read.pk, sk: read.sk },
                UpdateExpression: 'REMOVE activePk, activeSk',
                ...unchangedSinceReadParams(read),
              },
            },
            { Put: { TableName: this.table, Item: auditItem(audit) } },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (isTransactionCancelled(error)) return false;
      throw error;
    }
  }

  /** Several executions by ID (BatchGetItem, 100 keys per request, unprocessed keys retried). */
  async getExecutions(ids: readonly string[]): Promise<Map<string, ExecutionRecord>> {
    const { BatchGetCommand } = await lib();
    const found = new Map<string, ExecutionRecord>();
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += 100) {
      let keys: Array<Record<string, unknown>> | undefined = unique
        .slice(i, i + 100)
        .map((id) => ({ pk: executionPk(id), sk: EXECUTION_SK }));
      for (let attempt = 0; keys && keys.length > 0 && attempt < 8; attempt++) {
        if (attempt > 0) await sleep(50 * 2 ** attempt);
        const out = await this.doc.send(
          new BatchGetCommand({ RequestItems: { [this.table]: { Keys: keys, ConsistentRead: true } } }),
        );
        for (const record of decodeAll(out.Responses?.[this.table] ?? [], decodeExecution, this.skipped)) {
          found.set(record.id, record);
        }
        keys = out.UnprocessedKeys?.[this.table]?.Keys as Array<Record<string, unknown>> | undefined;
      }
    }
    return found;
  }

  /** Writes the record of a task reconcile adopted, with its audit event; false when it already exists. */
  async createAdoptedExecution(record: ExecutionRecord, audit: AuditEvent): Promise<boolean> {
    try {
      await this.createExecution(record, undefined, audit);
      return true;
    } catch (error) {
      if (isTransactionCancelled(error)) return false;
      throw error;
    }
  }

  /**
   * Executions newest first (oldest with `ascending`), from the byKind index (all) or byUser (one caller),
   * bounded by creation time: never a Scan. With a filter, DynamoDB may return fewer than `limit` items
   * per request, so this keeps reading until the page is full or the range is exhausted.
   */
  async queryExecutions(query: ExecutionQuery): Promise<ExecutionPage> {
    const items: ExecutionRecord[] = [];
    const { next, requests } = await queryUpTo(
      this.doc,
      executionQuery(this.table, query),
      query.limit,
      decodeCursor(query.cursor),
      (page) => {
        const decoded = decodeAll(page, decodeExecution, this.skipped);
        items.push(...decoded);
        return decoded.length;
      },
    );
    return { items, cursor: encodeCursor(next), requests };
  }

  /** Every unfinished execution (`active` index, newest first by default), and the Query requests made. */
  async activeExecutions(
    options: { newestFirst?: boolean } = {},
  ): Promise<{ items: ExecutionRecord[]; requests: number }> {
    const { items, requests } = await queryAll(
      this.doc,
      activeQuery(this.table, options.newestFirst ?? true),
    );
    return { items: decodeAll(items, decodeExecution, this.skipped), requests };
  }

  /**
   * The `active` index as stored, oldest first, split into the records that decode and the malformed
   * items, each kept as read (for reconcile, which takes malformed ones out of the index).
   */
  async readActiveIndex(): Promise<ActiveIndex> {
    const { items } = await queryAll(this.doc, activeQuery(this.table, false));
    const index: ActiveIndex = { records: [], malformed: [] };
    for (const item of items) {
      const decoded = decodeExecution(item);
      if (decoded.ok) index.records.push(decoded.value);
      else index.malformed.push({ bad: decoded.bad, item });
    }
    return index;
  }

  /** Audit events in a time range, oldest first (byKind index, kindPk AUDIT). */
  async auditEvents(range: { since: Date; until?: Date }): Promise<AuditEvent[]> {
    const { items } = await queryAll(this.doc, auditQuery(this.table, range));
    return decodeAll(items, decodeAudit, this.skipped);
  }

  async putAudit(event: AuditEvent): Promise<void> {
    const { PutCommand } = await lib();
    await this.doc.send(new PutCommand({ TableName: this.table, Item: auditItem(event) }));
  }
}

export function newLockVersion(): string {
  return randomUUID();
}
