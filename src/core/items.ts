/**
 * The one way to write and read an item of the table (docs/data-model.md). Writing adds the keys of the
 * indexes an item belongs to (executionItem() in execution.ts, lockItem(), auditItem()). Reading strips the
 * key attributes, then checks every attribute against the data model. An item that does not match (edited by hand, written by
 * another tool, or by a runvoy that had a bug) comes back as a BadItem naming its key and what is wrong,
 * never as a record that would make a command crash, spin, or write something built from it.
 *
 * Attributes that the data model does not know are dropped, so that a newer runvoy can add some.
 */
import * as v from 'valibot';
import { ExitCode, RunvoyError } from './errors.js';
import { EXECUTION_SK, lockPk, type ExecutionRecord } from './execution.js';
import type { LockItem } from './lock-protocol.js';
import { EXECUTION_STATUSES } from './status.js';

/** The table's and its indexes' key attributes, and the TTL: where an item is, not what it says. */
export const KEY_ATTRIBUTES = [
  'pk',
  'sk',
  'kindPk',
  'kindSk',
  'userPk',
  'userSk',
  'idPk',
  'idSk',
  'activePk',
  'activeSk',
  'expiresAt',
] as const;

/** The item without its key attributes. */
export function withoutKeys(item: Record<string, unknown>): Record<string, unknown> {
  const rest = { ...item };
  for (const key of KEY_ATTRIBUTES) delete rest[key];
  return rest;
}

export type ItemKind = 'execution' | 'lock' | 'audit';

/** An item that does not match the data model. */
export interface BadItem {
  kind: ItemKind;
  /** Its partition key, e.g. `EXEC#7k2m9x4qbd0e`, `LOCK#deploy`, `AUDIT#...`. */
  key: string;
  /** One line per bad attribute: `status: expected one of ..., got "EXPLODED"`. */
  problems: string[];
}

export type Decoded<T> = { ok: true; value: T } | { ok: false; bad: BadItem };

/** What a batch read does with an item it skips. */
export type SkipReport = (bad: BadItem) => void;

/** One audit event (docs/data-model.md). */
export interface AuditEvent {
  id: string;
  at: string;
  action: AuditAction;
  actorArn: string;
  host: string;
  executionId?: string;
  lockName?: string;
  detail?: Record<string, unknown>;
}

export const AUDIT_ACTIONS = [
  'run',
  'kill',
  'lock-force-release',
  'adopt',
  'remove-from-active',
  'policy-set',
  'policy-unset',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

// Each schema's message says what is expected; a decoding problem reads `<attribute>: expected <message>, got <value>`.
const text = v.string('a string');
const optionalText = v.optional(text);
const texts = v.array(text, 'a list of strings');
const isoTime = v.pipe(
  v.string('an ISO 8601 time string'),
  v.isoTimestamp('an ISO 8601 time string'),
  v.check((s) => !Number.isNaN(Date.parse(s)), 'an ISO 8601 time string'),
);
const count = v.pipe(
  v.number('a whole number'),
  v.integer('a whole number'),
  v.minValue(0, 'a whole number, 0 or more'),
);
const amount = v.pipe(
  v.number('a number'),
  v.finite('a finite number'),
  v.minValue(0, 'a number, 0 or more'),
);
const flag = v.boolean('true or false');
const oneOf = <const T extends readonly string[]>(values: T) =>
  v.picklist(values, `one of ${values.join(', ')}`);

const executionSchema = v.object({
  id: v.pipe(text, v.nonEmpty('a non-empty string')),
  status: oneOf(EXECUTION_STATUSES),
  origin: oneOf(['cli', 'adopted', 'schedule'] as const),
  scheduleName: optionalText,
  callerArn: text,
  host: text,
  command: texts,
  // Left out by runvoy itself when --shell was not given: absent means false.
  shell: v.optional(flag, false),
  image: text,
  taskDefinitionFamily: optionalText,
  taskDefinitionArn: optionalText,
  taskArn: optionalText,
  clusterArn: optionalText,
  region: text,
  cpu: amount,
  memory: amount,
  arch: oneOf(['x86_64', 'arm64'] as const),
  spot: v.optional(flag, false),
  capacityProvider: optionalText,
  ephemeralStorageGiB: v.optional(amount),
  lockName: optionalText,
  fence: v.optional(count),
  tags: v.optional(v.record(v.string(), text, 'a map of strings'), () => ({})),
  envNames: v.optional(texts, () => []),
  secretNames: v.optional(texts, () => []),
  createdAt: isoTime,
  startedAt: v.optional(isoTime),
  pullStartedAt: v.optional(isoTime),
  stoppedAt: v.optional(isoTime),
  exitCode: v.optional(v.nullable(v.pipe(v.number('a whole number or null'), v.integer('a whole number')))),
  stopCode: optionalText,
  stoppedReason: optionalText,
  containerReason: optionalText,
  timeoutMs: v.optional(amount),
  timeoutAt: v.optional(isoTime),
  timeoutScheduleName: optionalText,
  detached: v.optional(flag),
  killedBy: optionalText,
  killedAt: v.optional(isoTime),
  cost: v.optional(amount),
  costStatus: v.optional(oneOf(['exact', 'estimated', 'unavailable'] as const)),
  costReason: optionalText,
});

const lockSchema = v.object({
  name: v.pipe(text, v.nonEmpty('a non-empty string')),
  state: oneOf(['FREE', 'HELD'] as const),
  holderExecutionId: optionalText,
  holderArn: optionalText,
  holderHost: optionalText,
  command: v.optional(texts),
  acquiredAt: v.optional(isoTime),
  leaseExpiresAt: v.optional(count),
  fence: count,
  version: v.pipe(text, v.nonEmpty('a non-empty string')),
});

const auditSchema = v.object({
  id: v.pipe(text, v.nonEmpty('a non-empty string')),
  at: isoTime,
  action: oneOf(AUDIT_ACTIONS),
  actorArn: text,
  host: text,
  executionId: optionalText,
  lockName: optionalText,
  detail: v.optional(v.record(v.string(), v.unknown(), 'a map')),
});

// The schemas and the types that the rest of the code uses must describe the same thing, attribute for
// attribute: a field added to a type but not to its schema would be dropped on every read.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Matches<S extends v.GenericSchema, T> =
  Same<v.InferOutput<S>, T> extends true ? Same<keyof v.InferOutput<S>, keyof T> : false;
const sameShape: [
  Matches<typeof executionSchema, ExecutionRecord>,
  Matches<typeof lockSchema, LockItem>,
  Matches<typeof auditSchema, AuditEvent>,
] = [true, true, true];
void sameShape;

/** A value as a problem line shows it: JSON for scalars, shortened. */
function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object' && value !== null) return 'a map';
  const shown = typeof value === 'number' ? String(value) : JSON.stringify(value);
  return shown.length > 60 ? `${shown.slice(0, 57)}...` : shown;
}

function problemsOf(issues: readonly v.BaseIssue<unknown>[]): string[] {
  const seen = new Set<string>();
  for (const issue of issues) {
    const path = (issue.path ?? []).map((step) => String(step.key)).join('.') || '(item)';
    // A missing attribute comes back as an issue whose input is undefined (DynamoDB stores no undefined).
    seen.add(
      issue.input === undefined
        ? `${path}: missing`
        : `${path}: expected ${issue.message}, got ${describeValue(issue.input)}`,
    );
  }
  return [...seen];
}

function keyOf(item: Record<string, unknown>): string {
  return typeof item.pk === 'string' ? item.pk : '(an item without pk)';
}

function decode<T>(
  kind: ItemKind,
  schema: v.GenericSchema<unknown, T>,
  item: Record<string, unknown>,
  extra: (value: T) => string[] = () => [],
): Decoded<T> {
  const result = v.safeParse(schema, withoutKeys(item));
  const problems = result.success ? extra(result.output) : problemsOf(result.issues);
  if (result.success && problems.length === 0) return { ok: true, value: result.output };
  return { ok: false, bad: { kind, key: keyOf(item), problems } };
}

/** An execution record (`EXEC#<id>`), as stored by executionItem(). */
export function decodeExecution(item: Record<string, unknown>): Decoded<ExecutionRecord> {
  return decode('execution', executionSchema, item, (record) =>
    typeof item.pk === 'string' && item.pk !== `EXEC#${record.id}`
      ? [`id: ${JSON.stringify(record.id)} does not match the key ${item.pk}`]
      : [],
  );
}

/** A lock (`LOCK#<name>`). */
export function decodeLock(item: Record<string, unknown>): Decoded<LockItem> {
  return decode('lock', lockSchema, item, (lock) =>
    typeof item.pk === 'string' && item.pk !== `LOCK#${lock.name}`
      ? [`name: ${JSON.stringify(lock.name)} does not match the key ${item.pk}`]
      : [],
  );
}

/** An audit event (`AUDIT#<id>`), as stored by auditItem(). */
export function decodeAudit(item: Record<string, unknown>): Decoded<AuditEvent> {
  return decode('audit', auditSchema, item);
}

/** The lock item to write: the lock plus its keys (byKind index, kindPk LOCK). */
export function lockItem(lock: LockItem): Record<string, unknown> {
  return { ...lock, pk: lockPk(lock.name), sk: EXECUTION_SK, kindPk: 'LOCK', kindSk: lock.name };
}

/** The audit item to write: the event plus its keys (byKind index, kindPk AUDIT) and its TTL. */
export function auditItem(event: AuditEvent): Record<string, unknown> {
  return {
    ...event,
    pk: `AUDIT#${event.id}`,
    sk: EXECUTION_SK,
    kindPk: 'AUDIT',
    kindSk: `${event.at}#${event.id}`,
    expiresAt: Math.floor(Date.parse(event.at) / 1000) + 400 * 86_400,
  };
}

/** Decodes every item of a batch read; each bad one is reported and left out. */
export function decodeAll<T>(
  items: readonly Record<string, unknown>[],
  decoder: (item: Record<string, unknown>) => Decoded<T>,
  skipped: SkipReport,
): T[] {
  const good: T[] = [];
  for (const item of items) {
    const decoded = decoder(item);
    if (decoded.ok) good.push(decoded.value);
    else skipped(decoded.bad);
  }
  return good;
}

const NOUN: Record<ItemKind, string> = {
  execution: 'execution record',
  lock: 'lock item',
  audit: 'audit event',
};

export const MALFORMED_HELP = 'see "Malformed items" in docs/troubleshooting.md';

/** The one-line warning for an item that a batch read left out. */
export function skippedItemWarning(bad: BadItem, table: string): string {
  return `Warning: skipped the malformed ${NOUN[bad.kind]} ${bad.key} in table ${table} (${bad.problems.join('; ')}); ${MALFORMED_HELP}.`;
}

/** A fence as a number: a whole number, or a string of digits (as an old bug wrote it); otherwise undefined. */
export function fenceValue(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value === 'string' && /^\s*\d{1,15}\s*$/.test(value)) return Number(value.trim());
  return undefined;
}

/** The lock name of a lock item's key. */
export function lockNameOfKey(key: string): string {
  return key.startsWith('LOCK#') ? key.slice('LOCK#'.length) : key;
}

/** A command that read one item and cannot go on with it: what is wrong, where, and how to repair it. */
export function malformedItemError(bad: BadItem, table: string): RunvoyError {
  const getItem = `aws dynamodb get-item --table-name ${table} --key '${JSON.stringify({ pk: { S: bad.key }, sk: { S: 'META' } })}'`;
  const fix =
    bad.kind === 'lock'
      ? `Repair it with \`runvoy locks release ${lockNameOfKey(bad.key)} --force\`: it writes a well-formed FREE lock that keeps the fence (or the next safe one). Look at it first with: ${getItem}`
      : `Look at it with: ${getItem}, and repair the attributes named above (docs/data-model.md lists them). ` +
        `\`runvoy reconcile\` takes a malformed unfinished run out of the active index; ${MALFORMED_HELP}.`;
  return new RunvoyError({
    what: `The ${NOUN[bad.kind]} ${bad.key} in table ${table} is malformed: ${bad.problems.join('; ')}.`,
    why: 'runvoy did not write it in this shape: it was edited by hand or by another tool. runvoy does not act on an item it cannot read, and never writes one built from it.',
    fix,
    exitCode: ExitCode.Failure,
    code: 'MALFORMED_ITEM',
    data: { table, key: bad.key, problems: bad.problems },
  });
}
