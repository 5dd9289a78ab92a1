import type { DynamoDBDocumentClient, QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { loadSdk } from './sdk.js';
import { recordFromItem, type ExecutionRecord } from '../core/execution.js';
import type { AuditEvent } from './store.js';

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
    items.push(...(out.Items ?? []).map((item) => recordFromItem(item)));
    start = out.LastEvaluatedKey;
  } while (start && items.length < query.limit);
  return { items, cursor: encodeCursor(start), requests };
}

type QueryInput = QueryCommandInput;

/** Runs one Query to the last page, mapping every item; also says how many requests it took. */
export async function queryAll<T>(
  doc: DynamoDBDocumentClient,
  input: Omit<QueryInput, 'ExclusiveStartKey'>,
  map: (item: Record<string, unknown>) => T,
): Promise<{ items: T[]; requests: number }> {
  const { QueryCommand } = await lib();
  const items: T[] = [];
  let start: Record<string, unknown> | undefined;
  let requests = 0;
  do {
    const out = await doc.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
    requests++;
    items.push(...(out.Items ?? []).map(map));
    start = out.LastEvaluatedKey;
  } while (start);
  return { items, requests };
}

/** Every execution not yet in a terminal status, from the sparse `active` index. */
export async function queryActiveExecutions(
  doc: DynamoDBDocumentClient,
  table: string,
): Promise<ExecutionRecord[]> {
  return (await queryActiveExecutionsCounted(doc, table, false)).items;
}

/** Audit events in a time range, oldest first (byKind index, kindPk AUDIT). */
export async function queryAudit(
  doc: DynamoDBDocumentClient,
  table: string,
  range: { since: Date; until?: Date },
): Promise<AuditEvent[]> {
  const { items } = await queryAll(
    doc,
    {
      TableName: table,
      IndexName: 'byKind',
      KeyConditionExpression: 'kindPk = :k AND kindSk BETWEEN :from AND :to',
      ExpressionAttributeValues: {
        ':k': 'AUDIT',
        ':from': range.since.toISOString(),
        ':to': `${(range.until ?? new Date('9999-12-31T00:00:00Z')).toISOString()}~`,
      },
    },
    (item) => {
      const { pk: _pk, sk: _sk, kindPk: _k, kindSk: _s, expiresAt: _e, ...event } = item;
      return event as unknown as AuditEvent;
    },
  );
  return items;
}

/** Every unfinished execution (newest first by default), with the number of Query requests (for `list`). */
export function queryActiveExecutionsCounted(
  doc: DynamoDBDocumentClient,
  table: string,
  newestFirst = true,
): Promise<{ items: ExecutionRecord[]; requests: number }> {
  return queryAll(
    doc,
    {
      TableName: table,
      IndexName: 'active',
      KeyConditionExpression: 'activePk = :a',
      ExpressionAttributeValues: { ':a': 'ACTIVE' },
      ScanIndexForward: !newestFirst,
    },
    (item) => recordFromItem(item),
  );
}
