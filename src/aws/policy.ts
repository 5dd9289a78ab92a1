import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { EXECUTION_SK } from '../core/execution.js';
import { withoutKeys, type AuditEvent } from '../core/items.js';
import { decodePolicy, type PolicyChange, type TeamPolicy } from '../core/policy.js';
import type { ValidationIssue } from '../core/errors.js';
import { loadSdk } from './sdk.js';
import { auditItem, type TransactGuard } from './store.js';

/** The one team policy item of a stack's table (docs/data-model.md). */
export const POLICY_KEY = { pk: 'POLICY#team', sk: EXECUTION_SK } as const;

const lib = () => loadSdk('@aws-sdk/lib-dynamodb');

export interface ReadPolicy {
  policy: TeamPolicy;
  /** Values that do not match the key's rules (edited by hand): a run refuses to go on. */
  problems: ValidationIssue[];
  /** Keys a newer runvoy set that this one does not know. */
  unknownKeys: string[];
}

/** The team policy, read strongly consistent (one GetItem). No item is version 0, with no values. */
export async function readPolicy(doc: DynamoDBDocumentClient, table: string): Promise<ReadPolicy> {
  const { GetCommand } = await lib();
  const out = await doc.send(new GetCommand({ TableName: table, Key: POLICY_KEY, ConsistentRead: true }));
  return decodePolicy(out.Item ? withoutKeys(out.Item) : undefined);
}

/** Thrown by a start transaction whose policy version check failed: the policy changed since it was read. */
export class PolicyChanged extends Error {
  constructor(readonly expectedVersion: number) {
    super(`the team policy changed since version ${expectedVersion} was read`);
    this.name = 'PolicyChanged';
  }
}

/**
 * The ConditionCheck a run adds to its start transaction: the policy it was decided under is still the
 * one in the table (same version; or still no policy item at all, for version 0).
 */
export function policyVersionGuard(policy: TeamPolicy): TransactGuard {
  return {
    check:
      policy.version === 0
        ? { Key: POLICY_KEY, ConditionExpression: 'attribute_not_exists(pk)' }
        : {
            Key: POLICY_KEY,
            ConditionExpression: 'version = :policyVersion',
            ExpressionAttributeValues: { ':policyVersion': policy.version },
          },
    failed: () => new PolicyChanged(policy.version),
  };
}

/**
 * Writes one change (set or unset of one key), only if the policy is still at the version it was read
 * at, with its audit event in the same transaction: both or neither. Returns false when the version moved
 * (another admin wrote in between): read again and decide again, so that no change is lost and each
 * audit event names the value it replaced.
 */
export async function writePolicyChange(
  doc: DynamoDBDocumentClient,
  table: string,
  input: { read: TeamPolicy; change: PolicyChange; actorArn: string; at: string; audit: AuditEvent },
): Promise<boolean> {
  const { TransactWriteCommand } = await lib();
  const { read, change, actorArn, at } = input;
  const next = read.version + 1;
  const write =
    read.version === 0
      ? {
          Put: {
            TableName: table,
            Item: {
              ...POLICY_KEY,
              version: next,
              values: change.value === undefined ? {} : { [change.key]: change.value },
              updatedAt: at,
              updatedBy: actorArn,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        }
      : {
          Update: {
            TableName: table,
            Key: POLICY_KEY,
            UpdateExpression:
              change.value === undefined
                ? 'REMOVE #values.#key SET version = :next, updatedAt = :at, updatedBy = :by'
                : 'SET #values.#key = :value, version = :next, updatedAt = :at, updatedBy = :by',
            ConditionExpression: 'version = :expected AND attribute_type(#values, :map)',
            ExpressionAttributeNames: { '#values': 'values', '#key': change.key },
            ExpressionAttributeValues: {
              ':next': next,
              ':at': at,
              ':by': actorArn,
              ':expected': read.version,
              ':map': 'M',
              ...(change.value === undefined ? {} : { ':value': change.value }),
            },
          },
        };
  try {
    await doc.send(
      new TransactWriteCommand({
        TransactItems: [write, { Put: { TableName: table, Item: auditItem(input.audit) } }],
      }),
    );
    return true;
  } catch (error) {
    if ((error as Error).name === 'TransactionCanceledException') return false;
    throw error;
  }
}

/** An audit event ID for a policy change: the version it made, and something unique. */
export function policyAuditId(version: number): string {
  return `policy-v${version}-${randomUUID().slice(0, 8)}`;
}
