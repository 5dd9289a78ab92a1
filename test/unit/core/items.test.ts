import { describe, expect, it } from 'vitest';
import { auditItem } from '../../../src/aws/store.js';
import { ExitCode } from '../../../src/core/errors.js';
import { executionItem, type ExecutionRecord } from '../../../src/core/execution.js';
import {
  decodeAll,
  decodeAudit,
  decodeExecution,
  decodeLock,
  fenceValue,
  KEY_ATTRIBUTES,
  malformedItemError,
  skippedItemWarning,
  withoutKeys,
  type AuditEvent,
  type BadItem,
  type Decoded,
} from '../../../src/core/items.js';
import type { LockItem } from '../../../src/core/lock-protocol.js';
import { executionRecord } from '../../support/records.js';

const TABLE = 'runvoy-Table-TEST';

/** A record with every field the data model has. */
const full: ExecutionRecord = executionRecord({
  id: '7k2m9x4qbd0e',
  status: 'SUCCEEDED',
  callerArn: 'arn:aws:sts::123456789012:assumed-role/Dev/alice',
  host: 'alice-laptop',
  command: ['terraform', 'apply'],
  image: 'hashicorp/terraform:1.9',
  createdAt: '2024-06-15T12:00:00.000Z',
  origin: 'cli',
  shell: true,
  taskDefinitionFamily: 'runvoy-runvoy-abc',
  taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/runvoy-runvoy-abc:1',
  taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/c/abc',
  clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/c',
  region: 'eu-west-1',
  cpu: 1024,
  memory: 2048,
  arch: 'arm64',
  spot: true,
  capacityProvider: 'FARGATE_SPOT',
  ephemeralStorageGiB: 50,
  lockName: 'deploy',
  fence: 42,
  tags: { team: 'infra' },
  envNames: ['A'],
  secretNames: ['DB_PASSWORD'],
  startedAt: '2024-06-15T12:00:10.000Z',
  pullStartedAt: '2024-06-15T12:00:05.000Z',
  stoppedAt: '2024-06-15T12:05:00.000Z',
  exitCode: 0,
  stopCode: 'EssentialContainerExited',
  stoppedReason: 'Essential container in task exited',
  containerReason: 'done',
  timeoutMs: 3_600_000,
  timeoutAt: '2024-06-15T13:00:00.000Z',
  timeoutScheduleName: 'runvoy-7k2m9x4qbd0e',
  detached: true,
  killedBy: 'arn:aws:sts::123456789012:assumed-role/Dev/bob',
  killedAt: '2024-06-15T12:04:00.000Z',
  cost: 0.0123,
  costStatus: 'exact',
  costReason: 'priced from the record',
});

const lock: LockItem = {
  name: 'deploy',
  state: 'HELD',
  holderExecutionId: full.id,
  holderArn: full.callerArn,
  holderHost: 'alice-laptop',
  command: ['terraform', 'apply'],
  acquiredAt: '2024-06-15T12:00:00.000Z',
  leaseExpiresAt: Date.parse('2024-06-15T12:02:00.000Z'),
  fence: 42,
  version: '5f0c3c4e-7f39-4d7c-9d0b-1f1c1f1c1f1c',
};
const lockStored = (fields: Record<string, unknown> = {}) => ({
  ...lock,
  pk: 'LOCK#deploy',
  sk: 'META',
  kindPk: 'LOCK',
  kindSk: 'deploy',
  ...fields,
});

const event: AuditEvent = {
  id: '7k2m9x4qbd0e-run',
  at: '2024-06-15T12:00:00.000Z',
  action: 'run',
  actorArn: full.callerArn,
  host: 'alice-laptop',
  executionId: full.id,
  lockName: 'deploy',
  detail: { image: full.image, command: full.command },
};

function bad<T>(decoded: Decoded<T>): BadItem {
  if (decoded.ok) throw new Error(`expected a bad item, got ${JSON.stringify(decoded.value)}`);
  return decoded.bad;
}

const stored = (fields: Record<string, unknown>) => ({ ...executionItem(full), ...fields });
const without = (item: Record<string, unknown>, field: string) => {
  const { [field]: _gone, ...rest } = item;
  return rest;
};

describe('withoutKeys', () => {
  it('strips every key attribute of the table and its indexes, and the TTL, and nothing else', () => {
    const item = executionItem(full);
    for (const key of KEY_ATTRIBUTES) {
      if (key === 'activePk' || key === 'activeSk') continue; // a finished run is not in `active`
      expect(item).toHaveProperty(key);
    }
    expect(withoutKeys({ ...item, activePk: 'ACTIVE', activeSk: 'x' })).toEqual(full);
  });
});

describe('decodeExecution', () => {
  it('gives back exactly the record that executionItem() stored, every field', () => {
    expect(decodeExecution(executionItem(full))).toEqual({ ok: true, value: full });
  });

  it('reads a record with only the required fields', () => {
    const minimal = executionRecord({
      id: 'abcd00000001',
      status: 'PENDING',
      callerArn: 'arn:aws:sts::123456789012:user/moto',
      host: 'h',
      command: [],
      image: 'alpine',
      createdAt: '2024-06-15T12:00:00.000Z',
    });
    expect(decodeExecution(executionItem(minimal))).toEqual({ ok: true, value: minimal });
  });

  it('reads exitCode null (a container that never ran) and an unfinished record in the active index', () => {
    const running = { ...full, status: 'RUNNING' as const, exitCode: null };
    expect(decodeExecution(executionItem(running))).toEqual({ ok: true, value: running });
  });

  it('drops attributes the data model does not know (a newer runvoy may add some)', () => {
    expect(decodeExecution(stored({ futureField: { a: 1 } }))).toEqual({ ok: true, value: full });
  });

  it('reads absent booleans as false and absent lists and maps as empty (runvoy leaves `shell` out)', () => {
    let item: Record<string, unknown> = executionItem(full);
    for (const field of ['shell', 'spot', 'tags', 'envNames', 'secretNames']) item = without(item, field);
    const decoded = decodeExecution(item);
    expect(decoded).toEqual({
      ok: true,
      value: { ...full, shell: false, spot: false, tags: {}, envNames: [], secretNames: [] },
    });
    // Each read gets its own empty list and map.
    const again = decodeExecution(item);
    if (!decoded.ok || !again.ok) throw new Error('unreadable');
    expect(again.value.tags).not.toBe(decoded.value.tags);
    expect(again.value.envNames).not.toBe(decoded.value.envNames);
  });

  it.each([
    'id',
    'status',
    'origin',
    'callerArn',
    'host',
    'command',
    'image',
    'region',
    'cpu',
    'memory',
    'arch',
    'createdAt',
  ])('reports a missing %s, naming the key', (field) => {
    expect(bad(decodeExecution(without(executionItem(full), field)))).toEqual({
      kind: 'execution',
      key: `EXEC#${full.id}`,
      problems: [`${field}: missing`],
    });
  });

  it.each<[string, unknown, string]>([
    // a string
    ['callerArn', 42, 'callerArn: expected a string, got 42'],
    ['host', null, 'host: expected a string, got null'],
    ['image', ['alpine'], 'image: expected a string, got a list'],
    ['taskArn', 7, 'taskArn: expected a string, got 7'],
    ['stoppedReason', true, 'stoppedReason: expected a string, got true'],
    ['id', '', 'id: expected a non-empty string, got ""'],
    // one of a list
    [
      'status',
      'EXPLODED',
      'status: expected one of PENDING, STARTING, RUNNING, SUCCEEDED, FAILED, STOPPED, TIMED_OUT, LOST, got "EXPLODED"',
    ],
    ['status', 'running', 'got "running"'],
    ['origin', 'manual', 'origin: expected one of cli, adopted, schedule, got "manual"'],
    ['arch', 'amd64', 'arch: expected one of x86_64, arm64, got "amd64"'],
    ['costStatus', 'guessed', 'costStatus: expected one of exact, estimated, unavailable, got "guessed"'],
    // an ISO 8601 time
    ['createdAt', 1_718_452_800_000, 'createdAt: expected an ISO 8601 time string, got 1718452800000'],
    ['createdAt', 'yesterday', 'createdAt: expected an ISO 8601 time string, got "yesterday"'],
    ['startedAt', 'soon', 'startedAt: expected an ISO 8601 time string, got "soon"'],
    ['pullStartedAt', 5, 'pullStartedAt: expected an ISO 8601 time string, got 5'],
    ['stoppedAt', '2024-06-15', 'stoppedAt: expected an ISO 8601 time string, got "2024-06-15"'],
    ['timeoutAt', {}, 'timeoutAt: expected an ISO 8601 time string, got a map'],
    ['killedAt', 'never', 'killedAt: expected an ISO 8601 time string, got "never"'],
    // a whole number (fence)
    ['fence', '7', 'fence: expected a whole number, got "7"'],
    ['fence', 1.5, 'fence: expected a whole number, got 1.5'],
    ['fence', -1, 'fence: expected a whole number, 0 or more, got -1'],
    // a number
    ['cpu', '256', 'cpu: expected a number, got "256"'],
    ['memory', -512, 'memory: expected a number, 0 or more, got -512'],
    ['cost', Number.POSITIVE_INFINITY, 'cost: expected a finite number, got Infinity'],
    ['timeoutMs', 'an hour', 'timeoutMs: expected a number, got "an hour"'],
    ['ephemeralStorageGiB', '50', 'ephemeralStorageGiB: expected a number, got "50"'],
    // a whole number or null
    ['exitCode', '0', 'exitCode: expected a whole number or null, got "0"'],
    ['exitCode', 1.5, 'exitCode: expected a whole number, got 1.5'],
    // true or false
    ['shell', 'no', 'shell: expected true or false, got "no"'],
    ['spot', 0, 'spot: expected true or false, got 0'],
    ['detached', 'yes', 'detached: expected true or false, got "yes"'],
    // a list of strings
    ['command', 'terraform apply', 'command: expected a list of strings, got "terraform apply"'],
    ['command', ['terraform', 7], 'command.1: expected a string, got 7'],
    ['envNames', 'A', 'envNames: expected a list of strings, got "A"'],
    ['secretNames', [null], 'secretNames.0: expected a string, got null'],
    // a map of strings
    ['tags', 'team=infra', 'tags: expected a map of strings, got "team=infra"'],
    ['tags', { team: 7 }, 'tags.team: expected a string, got 7'],
  ])('reports %s = %j', (field, value, problem) => {
    const found = bad(decodeExecution(stored({ [field]: value })));
    expect(found.key).toBe(`EXEC#${full.id}`);
    expect(found.problems).toHaveLength(1);
    expect(found.problems[0]).toContain(problem);
  });

  it('reports every bad attribute of one item, not only the first', () => {
    const found = bad(
      decodeExecution(without(stored({ status: 'EXPLODED', createdAt: 1_718_452_800_000 }), 'image')),
    );
    expect(found.problems).toEqual([
      expect.stringMatching(/^status: .*"EXPLODED"$/),
      'image: missing',
      expect.stringMatching(/^createdAt: .*1718452800000$/),
    ]);
  });

  it('reports an id that does not match its key', () => {
    expect(bad(decodeExecution(stored({ id: 'other0000001' }))).problems).toEqual([
      `id: "other0000001" does not match the key EXEC#${full.id}`,
    ]);
  });

  it('shortens a long bad value', () => {
    const [problem] = bad(decodeExecution(stored({ status: 'X'.repeat(500) }))).problems;
    expect(problem?.length).toBeLessThan(200);
    expect(problem).toMatch(/X\.\.\.$/);
  });

  it('names an item without pk as such', () => {
    const { pk: _pk, ...item } = stored({ status: 'EXPLODED' });
    expect(bad(decodeExecution(item)).key).toBe('(an item without pk)');
  });
});

describe('decodeLock', () => {
  it('gives back the lock as stored, held or free', () => {
    expect(decodeLock(lockStored())).toEqual({ ok: true, value: lock });
    const free: LockItem = { name: 'deploy', state: 'FREE', fence: 3, version: 'v3' };
    expect(decodeLock({ ...free, pk: 'LOCK#deploy', sk: 'META', kindPk: 'LOCK', kindSk: 'deploy' })).toEqual({
      ok: true,
      value: free,
    });
  });

  it('reads a held lock that names no holder: the acquire decision deals with it (take-expired)', () => {
    const item = without(lockStored(), 'holderExecutionId');
    expect(decodeLock(item).ok).toBe(true);
  });

  it.each(['name', 'state', 'fence', 'version'])('reports a missing %s', (field) => {
    expect(bad(decodeLock(without(lockStored(), field)))).toEqual({
      kind: 'lock',
      key: 'LOCK#deploy',
      problems: [`${field}: missing`],
    });
  });

  it.each<[string, unknown, string]>([
    ['version', '', 'version: expected a non-empty string, got ""'],
    ['version', 7, 'version: expected a string, got 7'],
    ['fence', '7', 'fence: expected a whole number, got "7"'],
    ['fence', 7.5, 'fence: expected a whole number, got 7.5'],
    ['fence', -2, 'fence: expected a whole number, 0 or more, got -2'],
    ['state', 'LOCKED', 'state: expected one of FREE, HELD, got "LOCKED"'],
    [
      'leaseExpiresAt',
      '2024-06-15T12:02:00.000Z',
      'leaseExpiresAt: expected a whole number, got "2024-06-15T12:02:00.000Z"',
    ],
    ['leaseExpiresAt', 1.5, 'leaseExpiresAt: expected a whole number, got 1.5'],
    ['acquiredAt', 'a while ago', 'acquiredAt: expected an ISO 8601 time string, got "a while ago"'],
    ['holderExecutionId', 12, 'holderExecutionId: expected a string, got 12'],
    ['holderArn', false, 'holderArn: expected a string, got false'],
    ['holderHost', [], 'holderHost: expected a string, got a list'],
    ['command', 'terraform apply', 'command: expected a list of strings, got "terraform apply"'],
  ])('reports %s = %j', (field, value, problem) => {
    expect(bad(decodeLock(lockStored({ [field]: value }))).problems).toEqual([problem]);
  });

  it('reports a name that does not match its key', () => {
    expect(bad(decodeLock(lockStored({ name: 'other' }))).problems).toEqual([
      'name: "other" does not match the key LOCK#deploy',
    ]);
  });
});

describe('decodeAudit', () => {
  it('gives back the event that auditItem() stored', () => {
    expect(decodeAudit(auditItem(event))).toEqual({ ok: true, value: event });
    const bare: AuditEvent = { id: 'x-kill', at: event.at, action: 'kill', actorArn: 'a', host: 'h' };
    expect(decodeAudit(auditItem(bare))).toEqual({ ok: true, value: bare });
  });

  it.each(['run', 'kill', 'lock-force-release', 'adopt', 'remove-from-active'] as const)(
    'reads the action %s',
    (action) => {
      expect(decodeAudit(auditItem({ ...event, action })).ok).toBe(true);
    },
  );

  it.each(['id', 'at', 'action', 'actorArn', 'host'])('reports a missing %s', (field) => {
    expect(bad(decodeAudit(without(auditItem(event), field)))).toEqual({
      kind: 'audit',
      key: `AUDIT#${event.id}`,
      problems: [`${field}: missing`],
    });
  });

  it.each<[string, unknown, string]>([
    [
      'action',
      'explode',
      'action: expected one of run, kill, lock-force-release, adopt, remove-from-active, policy-set, policy-unset, got "explode"',
    ],
    ['at', 1_718_452_800_000, 'at: expected an ISO 8601 time string, got 1718452800000'],
    ['detail', 'ran it', 'detail: expected a map, got "ran it"'],
    ['executionId', 5, 'executionId: expected a string, got 5'],
    ['lockName', null, 'lockName: expected a string, got null'],
  ])('reports %s = %j', (field, value, problem) => {
    expect(bad(decodeAudit({ ...auditItem(event), [field]: value })).problems).toEqual([problem]);
  });
});

describe('decodeAll', () => {
  it('keeps the good items in order and reports each bad one', () => {
    const second = { ...full, id: 'second000001' };
    const skipped: BadItem[] = [];
    const records = decodeAll(
      [
        executionItem(full),
        stored({ pk: 'EXEC#broken000001', id: 'broken000001', status: 'X' }),
        executionItem(second),
      ],
      decodeExecution,
      (b) => skipped.push(b),
    );
    expect(records).toEqual([full, second]);
    expect(skipped.map((b) => b.key)).toEqual(['EXEC#broken000001']);
  });
});

describe('fenceValue', () => {
  it.each<[unknown, number | undefined]>([
    [7, 7],
    [0, 0],
    ['7', 7],
    [' 71 ', 71],
    [7.5, undefined],
    [-1, undefined],
    ['7a', undefined],
    ['', undefined],
    [undefined, undefined],
    [null, undefined],
    [Number.MAX_SAFE_INTEGER + 2, undefined],
  ])('%j is %j', (value, expected) => {
    expect(fenceValue(value)).toBe(expected);
  });
});

describe('messages', () => {
  const badRecord: BadItem = {
    kind: 'execution',
    key: 'EXEC#abc',
    problems: ['status: missing', 'image: missing'],
  };
  const badLock: BadItem = { kind: 'lock', key: 'LOCK#deploy', problems: ['version: missing'] };

  it('a skipped item is one warning line naming the key, the table, what is wrong and where to read more', () => {
    const line = skippedItemWarning(badRecord, TABLE);
    expect(line).toBe(
      `Warning: skipped the malformed execution record EXEC#abc in table ${TABLE} (status: missing; image: missing); see "Malformed items" in docs/troubleshooting.md.`,
    );
    expect(line).not.toContain('\n');
  });

  it('a malformed lock read alone: exit 1, the item, the problems and `locks release --force`', () => {
    const error = malformedItemError(badLock, TABLE);
    expect(error.exitCode).toBe(ExitCode.Failure);
    expect(error.code).toBe('MALFORMED_ITEM');
    expect(error.what).toBe(`The lock item LOCK#deploy in table ${TABLE} is malformed: version: missing.`);
    expect(error.fix).toContain('runvoy locks release deploy --force');
    expect(error.fix).toContain(`aws dynamodb get-item --table-name ${TABLE}`);
    expect(error.data).toEqual({ table: TABLE, key: 'LOCK#deploy', problems: ['version: missing'] });
  });

  it('a malformed record read alone: how to look at it, and reconcile for one stuck in the active index', () => {
    const error = malformedItemError(badRecord, TABLE);
    expect(error.what).toContain('EXEC#abc');
    expect(error.fix).toContain(`--key '{"pk":{"S":"EXEC#abc"},"sk":{"S":"META"}}'`);
    expect(error.fix).toContain('runvoy reconcile');
    expect(error.fix).toContain('docs/troubleshooting.md');
  });
});
