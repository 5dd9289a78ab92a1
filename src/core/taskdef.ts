import { createHash } from 'node:crypto';
import { LOG_STREAM_PREFIX, RUNNER_CONTAINER_NAME } from './container.js';
import type { Architecture } from './run-options.js';

export interface TaskDefSpec {
  image: string;
  arch: Architecture;
  executionRoleArn: string;
  taskRoleArn: string;
  logGroup: string;
  region: string;
  secrets: Array<{ name: string; valueFrom: string }>;
  ephemeralStorageGiB?: number;
}

/** The RegisterTaskDefinition input runvoy sends, mirroring the ECS API shape. */
export interface TaskDefinitionInput {
  family: string;
  requiresCompatibilities: ['FARGATE'];
  networkMode: 'awsvpc';
  cpu: string;
  memory: string;
  runtimePlatform: { operatingSystemFamily: 'LINUX'; cpuArchitecture: 'X86_64' | 'ARM64' };
  executionRoleArn: string;
  taskRoleArn: string;
  ephemeralStorage?: { sizeInGiB: number };
  containerDefinitions: [ContainerDefinition];
  tags: Array<{ key: string; value: string }>;
}

export interface ContainerDefinition {
  name: string;
  image: string;
  essential: true;
  memoryReservation: number;
  secrets: Array<{ name: string; valueFrom: string }>;
  logConfiguration: { logDriver: 'awslogs'; options: Record<string, string> };
}

export const SPEC_HASH_TAG = 'runvoy:spec-hash';

/**
 * Bump when buildTaskDefinition changes what it registers: the version is hashed, so every spec moves to a
 * new family instead of silently reusing a definition registered by an older runvoy.
 */
const TASK_DEFINITION_FORMAT = 1;
const FAMILY_MAX_LENGTH = 255;
const HASH_CHARS_IN_FAMILY = 16;

/** sha256 (hex) of everything that goes into the task definition, independent of key and secret order. */
export function taskDefinitionSpecHash(spec: TaskDefSpec): string {
  const canonical = {
    format: TASK_DEFINITION_FORMAT,
    image: spec.image,
    arch: spec.arch,
    executionRoleArn: spec.executionRoleArn,
    taskRoleArn: spec.taskRoleArn,
    logGroup: spec.logGroup,
    region: spec.region,
    secrets: sortedSecrets(spec.secrets),
    ephemeralStorageGiB: spec.ephemeralStorageGiB,
  };
  return createHash('sha256').update(canonicalJson(canonical)).digest('hex');
}

/** `runvoy-<stack>-<16 hex digits>`: a warm run finds its task definition by name alone. */
export function taskDefinitionFamily(spec: TaskDefSpec, stack: string): string {
  const hash = taskDefinitionSpecHash(spec).slice(0, HASH_CHARS_IN_FAMILY);
  const room = FAMILY_MAX_LENGTH - 'runvoy-'.length - 1 - HASH_CHARS_IN_FAMILY;
  const safeStack = stack.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, room) || 'default';
  return `runvoy-${safeStack}-${hash}`;
}

/**
 * CPU and memory here are the smallest Fargate size: the real size of each run is a RunTask override, so
 * that it does not multiply task definitions.
 */
export function buildTaskDefinition(spec: TaskDefSpec, family: string): TaskDefinitionInput {
  return {
    family,
    requiresCompatibilities: ['FARGATE'],
    networkMode: 'awsvpc',
    cpu: '256',
    memory: '512',
    runtimePlatform: {
      operatingSystemFamily: 'LINUX',
      cpuArchitecture: spec.arch === 'arm64' ? 'ARM64' : 'X86_64',
    },
    executionRoleArn: spec.executionRoleArn,
    taskRoleArn: spec.taskRoleArn,
    ...(spec.ephemeralStorageGiB === undefined
      ? {}
      : { ephemeralStorage: { sizeInGiB: spec.ephemeralStorageGiB } }),
    containerDefinitions: [
      {
        name: RUNNER_CONTAINER_NAME,
        image: spec.image,
        essential: true,
        // Harmless on Fargate; the moto emulator cannot run a container without memory or memoryReservation.
        memoryReservation: 128,
        secrets: sortedSecrets(spec.secrets),
        logConfiguration: {
          logDriver: 'awslogs',
          options: {
            'awslogs-group': spec.logGroup,
            'awslogs-region': spec.region,
            'awslogs-stream-prefix': LOG_STREAM_PREFIX,
          },
        },
      },
    ],
    tags: [{ key: SPEC_HASH_TAG, value: taskDefinitionSpecHash(spec) }],
  };
}

function sortedSecrets(secrets: TaskDefSpec['secrets']): TaskDefSpec['secrets'] {
  return [...secrets]
    .sort((a, b) => compareStrings(a.name, b.name))
    .map(({ name, valueFrom }) => ({ name, valueFrom }));
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** JSON with object keys sorted at every level; undefined properties are left out, as JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => compareStrings(a, b)))
      : v,
  );
}
