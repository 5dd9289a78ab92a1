import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  SPEC_HASH_TAG,
  buildTaskDefinition,
  canonicalJson,
  taskDefinitionFamily,
  taskDefinitionSpecHash,
  type TaskDefSpec,
} from '../../../src/core/taskdef.js';

const spec = (overrides: Partial<TaskDefSpec> = {}): TaskDefSpec => ({
  image: 'public.ecr.aws/docker/library/alpine:3.20',
  arch: 'x86_64',
  executionRoleArn: 'arn:aws:iam::123456789012:role/runvoy-execution',
  taskRoleArn: 'arn:aws:iam::123456789012:role/runvoy-task',
  logGroup: '/runvoy/runvoy',
  region: 'eu-west-1',
  secrets: [],
  ...overrides,
});

const DB = { name: 'DB_PASSWORD', valueFrom: '/prod/db/password' };
const TOKEN = {
  name: 'API_TOKEN',
  valueFrom: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/token-AbCdEf',
};

describe('canonicalJson', () => {
  it('sorts keys at every level and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('leaves out undefined properties', () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
  });
});

describe('taskDefinitionSpecHash', () => {
  it('is 64 hex digits', () => {
    expect(taskDefinitionSpecHash(spec())).toMatch(/^[0-9a-f]{64}$/);
  });

  it('does not depend on the order of keys or secrets', () => {
    const a = spec({ secrets: [DB, TOKEN] });
    const b: TaskDefSpec = {
      secrets: [
        { valueFrom: TOKEN.valueFrom, name: TOKEN.name },
        { valueFrom: DB.valueFrom, name: DB.name },
      ],
      region: 'eu-west-1',
      logGroup: '/runvoy/runvoy',
      taskRoleArn: a.taskRoleArn,
      executionRoleArn: a.executionRoleArn,
      arch: 'x86_64',
      image: a.image,
    };
    expect(taskDefinitionSpecHash(b)).toBe(taskDefinitionSpecHash(a));
  });

  it('does not hash fields outside the spec', () => {
    const wider = { ...spec(), command: ['echo'] } as TaskDefSpec;
    expect(taskDefinitionSpecHash(wider)).toBe(taskDefinitionSpecHash(spec()));
  });

  it('treats an absent ephemeral storage like an undefined one', () => {
    expect(taskDefinitionSpecHash(spec({ ephemeralStorageGiB: undefined }))).toBe(
      taskDefinitionSpecHash(spec()),
    );
  });

  it.each<[string, Partial<TaskDefSpec>]>([
    ['image', { image: 'alpine:3.19' }],
    ['architecture', { arch: 'arm64' }],
    ['execution role', { executionRoleArn: 'arn:aws:iam::123456789012:role/other' }],
    ['task role', { taskRoleArn: 'arn:aws:iam::123456789012:role/other' }],
    ['log group', { logGroup: '/runvoy/other' }],
    ['region', { region: 'us-east-1' }],
    ['secrets', { secrets: [DB] }],
    ['secret reference', { secrets: [{ ...DB, valueFrom: '/prod/db/other' }] }],
    ['ephemeral storage', { ephemeralStorageGiB: 50 }],
  ])('changes with the %s', (_label, change) => {
    expect(taskDefinitionSpecHash(spec(change))).not.toBe(taskDefinitionSpecHash(spec()));
  });

  it('is the sha256 of the canonical JSON, versioned', () => {
    const expected = createHash('sha256')
      .update(canonicalJson({ format: 1, ...spec({ secrets: [DB] }) }))
      .digest('hex');
    expect(taskDefinitionSpecHash(spec({ secrets: [DB] }))).toBe(expected);
  });
});

describe('taskDefinitionFamily', () => {
  it('is runvoy-<stack>-<first 16 hex of the hash>', () => {
    const hash = taskDefinitionSpecHash(spec());
    expect(taskDefinitionFamily(spec(), 'runvoy')).toBe(`runvoy-runvoy-${hash.slice(0, 16)}`);
  });

  it('is the same for the same spec and differs for another stack or spec', () => {
    expect(taskDefinitionFamily(spec(), 'runvoy')).toBe(taskDefinitionFamily(spec(), 'runvoy'));
    expect(taskDefinitionFamily(spec(), 'staging')).not.toBe(taskDefinitionFamily(spec(), 'runvoy'));
    expect(taskDefinitionFamily(spec({ arch: 'arm64' }), 'runvoy')).not.toBe(
      taskDefinitionFamily(spec(), 'runvoy'),
    );
  });

  it.each([
    ['team.a', 'team-a'],
    ['team a/b', 'team-a-b'],
    ['Team_A-1', 'Team_A-1'],
    ['', 'default'],
  ])('sanitises the stack %j to %j', (stack, safe) => {
    expect(taskDefinitionFamily(spec(), stack)).toMatch(new RegExp(`^runvoy-${safe}-[0-9a-f]{16}$`));
  });

  it('stays within 255 characters of letters, digits, "-" and "_"', () => {
    const family = taskDefinitionFamily(spec(), 's'.repeat(300));
    expect(family).toHaveLength(255);
    expect(family).toMatch(/^[A-Za-z0-9_-]+-[0-9a-f]{16}$/);
  });
});

describe('buildTaskDefinition', () => {
  it('builds the RegisterTaskDefinition input', () => {
    const s = spec({ secrets: [DB, TOKEN] });
    expect(buildTaskDefinition(s, 'runvoy-runvoy-0123456789abcdef')).toEqual({
      family: 'runvoy-runvoy-0123456789abcdef',
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: '256',
      memory: '512',
      runtimePlatform: { operatingSystemFamily: 'LINUX', cpuArchitecture: 'X86_64' },
      executionRoleArn: 'arn:aws:iam::123456789012:role/runvoy-execution',
      taskRoleArn: 'arn:aws:iam::123456789012:role/runvoy-task',
      containerDefinitions: [
        {
          name: 'runner',
          image: 'public.ecr.aws/docker/library/alpine:3.20',
          essential: true,
          memoryReservation: 128,
          secrets: [TOKEN, DB],
          logConfiguration: {
            logDriver: 'awslogs',
            options: {
              'awslogs-group': '/runvoy/runvoy',
              'awslogs-region': 'eu-west-1',
              'awslogs-stream-prefix': 'runvoy',
            },
          },
        },
      ],
      tags: [{ key: SPEC_HASH_TAG, value: taskDefinitionSpecHash(s) }],
    });
  });

  it('maps arm64 to the ARM64 platform', () => {
    expect(buildTaskDefinition(spec({ arch: 'arm64' }), 'f').runtimePlatform.cpuArchitecture).toBe('ARM64');
  });

  it('asks for ephemeral storage only when it is set', () => {
    expect(buildTaskDefinition(spec(), 'f')).not.toHaveProperty('ephemeralStorage');
    expect(buildTaskDefinition(spec({ ephemeralStorageGiB: 100 }), 'f').ephemeralStorage).toEqual({
      sizeInGiB: 100,
    });
  });

  it('does not reorder the caller’s secrets', () => {
    const secrets = [DB, TOKEN];
    buildTaskDefinition(spec({ secrets }), 'f');
    expect(secrets).toEqual([DB, TOKEN]);
  });

  it('tags the spec hash under runvoy:spec-hash', () => {
    expect(SPEC_HASH_TAG).toBe('runvoy:spec-hash');
  });
});
