import type { DynamoDBDocumentClient, QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { loadSdk } from './sdk.js';
import type { ExecutionRecord } from '../core/execution.js';
import {
  decodeAll,
  decodeAudit,
  decodeExecution,
  type AuditEvent,
  type BadItem,
  type SkipReport,
} from '../core/items.js';
import { warnOnStderr } from './store.js';

const lib = () => loadSdk('@aws-sdk/lib-dynamodb');

export interface ExecutionPage {
  items: ExecutionRecord[];
  /** Opaque cursor for the next page; undefined when there is none. */
  cursor?: string;
  /** DynamoDB requests made for this page. */
  requests: number;
}

export interface ExecutionQuery {
  /** Only executions of this caller ARN (byUser index); otherwise all (byKind index). */
  callerArn?: string;
  since?: Date;
  until?: Date;
  /** Items per page. */
  limit: number;
  cursor?: string;
  /** Extra conditions on non-key attributes (e.g. status, lockName, image). */
  filter?: { expression: string; names: Record<string, string>; values: Record<string, unknown> };
  /** Oldest first instead of newest first. */
  ascending?: boolean;
}

function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;
}

function decodeCursor(cursor: string | undefined): Record<string, unknown> | undefined {
  return cursor
    ? (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>)
    : undefined;
}

/**
 * Executions newest first, from the byKind index (all) or byUser (one caller), bounded by creation time:
 * never a Scan. With a filter, DynamoDB may return fewer than `limit` items per request, so this keeps
 * reading until the page is full or the range is exhausted.
 */
export async function queryExecutions(
  doc: DynamoDBDocumentClient,
  table: string,
  query: ExecutionQuery,
  skipped: SkipReport = warnOnStderr(table),
): Promise<ExecutionPage> {
  const { QueryCommand } = await lib();
  const byUser = query.callerArn !== undefined;
  const [pk, sk, index] = byUser ? ['userPk', 'userSk', 'byUser'] : ['kindPk', 'kindSk', 'byKind'];
  const values: Record<string, unknown> = { ':pk': byUser ? `USER#${query.callerArn}` : 'EXEC' };
  let range = '';
  // Sort keys are `<createdAt ISO>#<id>`: '#' sorts before digits, '~' after every ID character.
  if (query.since && query.until) {
    range = ` AND ${sk} BETWEEN :from AND :to`;
    values[':from'] = query.since.toISOString();
    values[':to'] = `${query.until.toISOString()}~`;
  } else if (query.since) {
    range = ` AND ${sk} >= :from`;
    values[':from'] = query.since.toISOString();
  } else if (query.until) {
    range = ` AND ${sk} <= :to`;
    values[':to'] = `${query.until.toISOString()}~`;
  }
  const items: ExecutionRecord[] = [];
  let start = decodeCursor(query.cursor);
  let requests = 0;
  do {
    const out = await doc.send(
      new QueryCommand({
        TableName: table,
        IndexName: index,
        KeyConditionExpression: `${pk} = :pk${range}`,
        ExpressionAttributeValues: { ...values, ...(query.filter?.values ?? {}) },
        ...(query.filter
          ? { FilterExpression: query.filter.expression, ExpressionAttributeNames: query.filter.names }
          : {}),
        ScanIndexForward: Boolean(query.ascending),
        Limit: query.limit - items.length,
        ExclusiveStartKey: start,
      }),
    );
    requests++;
    items.push(...decodeAll(out.Items ?? [], decodeExecution, skipped));
    start = out.LastEvaluatedKey;
  } while (start && items.length < query.limit);
  return { items, cursor: encodeCursor(start), requests };
}

type QueryInput = QueryCommandInput;

/** Runs one Query to the last page; the items as stored (decode them), and how many requests it took. */
export async function queryAll(
  doc: DynamoDBDocumentClient,
  input: Omit<QueryInput, 'ExclusiveStartKey'>,
): Promise<{ items: Record<string, unknown>[]; requests: number }> {
  const { QueryCommand } = await lib();
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  let requests = 0;
  do {
    const out = await doc.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
    requests++;
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return { items, requests };
}

/** Every execution not yet in a terminal status, from the sparse `active` index. */
export async function queryActiveExecutions(
  doc: DynamoDBDocumentClient,
  table: string,
  skipped: SkipReport = warnOnStderr(table),
): Promise<ExecutionRecord[]> {
  return (await queryActiveExecutionsCounted(doc, table, false, skipped)).items;
}

/**
 * The `active` index as stored, oldest first, split into the records that decode and the malformed items,
 * each kept as read (for reconcile, which takes malformed ones out of the index).
 */
export async function readActiveIndex(
  doc: DynamoDBDocumentClient,
  table: string,
): Promise<{
  records: ExecutionRecord[];
  malformed: Array<{ bad: BadItem; item: Record<string, unknown> }>;
}> {
  const { items } = await queryAll(doc, activeQuery(table, false));
  const records: ExecutionRecord[] = [];
  const malformed: Array<{ bad: BadItem; item: Record<string, unknown> }> = [];
  for (const item of items) {
    const decoded = decodeExecution(item);
    if (decoded.ok) records.push(decoded.value);
    else malformed.push({ bad: decoded.bad, item });
  }
  return { records, malformed };
}

function activeQuery(table: string, newestFirst: boolean): Omit<QueryInput, 'ExclusiveStartKey'> {
  return {
    TableName: table,
    IndexName: 'active',
    KeyConditionExpression: 'activePk = :a',
    ExpressionAttributeValues: { ':a': 'ACTIVE' },
    ScanIndexForward: !newestFirst,
  };
}

/** Audit events in a time range, oldest first (byKind index, kindPk AUDIT). */
export async function queryAudit(
  doc: DynamoDBDocumentClient,
  table: string,
  range: { since: Date; until?: Date },
  skipped: SkipReport = warnOnStderr(table),
): Promise<AuditEvent[]> {
  const { items } = await queryAll(doc, {
    TableName: table,
    IndexName: 'byKind',
    KeyConditionExpression: 'kindPk = :k AND kindSk BETWEEN :from AND :to',
    ExpressionAttributeValues: {
      ':k': 'AUDIT',
      ':from': range.since.toISOString(),
      ':to': `${(range.until ?? new Date('9999-12-31T00:00:00Z')).toISOString()}~`,
    },
  });
  return decodeAll(items, decodeAudit, skipped);
}

/** Every unfinished execution (newest first by default), with the number of Query requests (for `list`). */
export async function queryActiveExecutionsCounted(
  doc: DynamoDBDocumentClient,
  table: string,
  newestFirst = true,
  skipped: SkipReport = warnOnStderr(table),
): Promise<{ items: ExecutionRecord[]; requests: number }> {
  const { items, requests } = await queryAll(doc, activeQuery(table, newestFirst));
  return { items: decodeAll(items, decodeExecution, skipped), requests };
}
