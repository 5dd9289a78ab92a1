import type { DynamoDBDocumentClient, QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { loadSdk } from '../sdk.js';

const lib = () => loadSdk('@aws-sdk/lib-dynamodb');

export type QueryInput = Omit<QueryCommandInput, 'ExclusiveStartKey'>;

/** Runs one Query to its last page (the SDK's paginator); the items as stored, and the requests made. */
export async function queryAll(
  doc: DynamoDBDocumentClient,
  input: QueryInput,
): Promise<{ items: Record<string, unknown>[]; requests: number }> {
  const { paginateQuery } = await lib();
  const items: Record<string, unknown>[] = [];
  let requests = 0;
  for await (const page of paginateQuery({ client: doc }, input)) {
    requests++;
    items.push(...(page.Items ?? []));
  }
  return { items, requests };
}

/** A page of a Query that stops once it has `limit` items, and the key to go on from. */
export async function queryUpTo(
  doc: DynamoDBDocumentClient,
  input: QueryInput,
  limit: number,
  start: Record<string, unknown> | undefined,
  keep: (items: Record<string, unknown>[]) => number,
): Promise<{ next: Record<string, unknown> | undefined; requests: number }> {
  // Not the paginator: each request asks for what the page still lacks, so that the key returned is
  // right after the last item kept and the next page starts there.
  const { QueryCommand } = await lib();
  let kept = 0;
  let requests = 0;
  let next = start;
  do {
    const out = await doc.send(new QueryCommand({ ...input, Limit: limit - kept, ExclusiveStartKey: next }));
    requests++;
    kept += keep(out.Items ?? []);
    next = out.LastEvaluatedKey;
  } while (next && kept < limit);
  return { next, requests };
}

export function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;
}

export function decodeCursor(cursor: string | undefined): Record<string, unknown> | undefined {
  return cursor
    ? (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>)
    : undefined;
}

/** The `active` index, every item. */
export function activeQuery(table: string, newestFirst: boolean): QueryInput {
  return {
    TableName: table,
    IndexName: 'active',
    KeyConditionExpression: 'activePk = :a',
    ExpressionAttributeValues: { ':a': 'ACTIVE' },
    ScanIndexForward: !newestFirst,
  };
}

/** Audit events in a time range, oldest first (byKind index, kindPk AUDIT). */
export function auditQuery(table: string, range: { since: Date; until?: Date }): QueryInput {
  return {
    TableName: table,
    IndexName: 'byKind',
    KeyConditionExpression: 'kindPk = :k AND kindSk BETWEEN :from AND :to',
    ExpressionAttributeValues: {
      ':k': 'AUDIT',
      ':from': range.since.toISOString(),
      ':to': `${(range.until ?? new Date('9999-12-31T00:00:00Z')).toISOString()}~`,
    },
  };
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

/** Executions by creation time, from the byKind index (all) or byUser (one caller): never a Scan. */
export function executionQuery(table: string, query: ExecutionQuery): QueryInput {
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
  return {
    TableName: table,
    IndexName: index,
    KeyConditionExpression: `${pk} = :pk${range}`,
    ExpressionAttributeValues: { ...values, ...(query.filter?.values ?? {}) },
    ...(query.filter
      ? { FilterExpression: query.filter.expression, ExpressionAttributeNames: query.filter.names }
      : {}),
    ScanIndexForward: Boolean(query.ascending),
  };
}
