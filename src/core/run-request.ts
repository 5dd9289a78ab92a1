import { validationError, type ValidationIssue } from './errors.js';
import {
  parseEnvFile,
  parseEnvPair,
  parseSecret,
  parseTag,
  validateUniqueNames,
  type EnvVar,
  type SecretRef,
} from './env.js';
import { parseIntStrict, validateSize } from './fargate-validation.js';
import { defaultMemoryFor } from './fargate.js';
import { parseDuration, validateDuration } from './duration.js';
import { validateImage } from './image.js';
import { validateLockName } from './lock-name.js';
import {
  validateArch,
  validateEphemeralStorage,
  validateOverridesSize,
  type Architecture,
} from './run-options.js';
import { buildContainerOverrides } from './run-plan.js';
import { EXECUTION_ID_LENGTH } from './ids.js';
import { validateTagCount } from './tags.js';
import { isValidationIssue } from './validation.js';

/** Everything `runvoy run` was asked to do, checked before any AWS call. */
export interface RunRequest {
  image: string;
  command: string[];
  shell: boolean;
  cpu: number;
  memory: number;
  arch: Architecture;
  spot: boolean;
  env: EnvVar[];
  secrets: SecretRef[];
  tags: Record<string, string>;
  lockName?: string;
  lockWaitMs: number;
  timeoutMs?: number;
  detach: boolean;
  taskRoleArn?: string;
  ephemeralStorageGiB?: number;
}

/** A setting with where it came from: a flag, or a config key or variable (for messages). */
export interface Sourced<T> {
  value: T | undefined;
  field: string;
}

export interface RunInput {
  image: Sourced<string>;
  command: string[];
  shell: boolean;
  cpu: Sourced<string | number>;
  memory: Sourced<string | number>;
  /** True when memory was not set anywhere, so the smallest valid one for the CPU applies. */
  memoryDefaulted: boolean;
  arch: Sourced<string>;
  spot: boolean;
  env: string[];
  envFiles: Array<{ path: string; content: string }>;
  secrets: string[];
  tags: string[];
  lock?: string;
  lockWait?: string;
  timeout: Sourced<string>;
  detach: boolean;
  taskRole?: string;
  ephemeralStorage?: number;
  /** A task file's variables and secrets (see task-file.ts): --env, --env-file and --secret override them by name. */
  base?: { env: EnvVar[]; secrets: SecretRef[] };
}

/**
 * An IAM role ARN: an optional path (/a/b/, at most 512 characters) and a name of 1 to 64 characters
 * (IAM API Reference, Role: RoleName, Path), as RegisterTaskDefinition's taskRoleArn needs it.
 */
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role(\/(?:[\w+=,.@-]+\/)*)([\w+=,.@-]{1,64})$/;
const ROLE_PATH_MAX = 512;
/** The longest fence we reserve room for when checking the overrides size. */
const FENCE_ROOM = 999_999_999_999;
/** --timeout: from a minute to 14 days. */
export const TIMEOUT_BOUNDS = { min: 60_000, max: 14 * 86_400_000 };

/** Parses and checks every run option; throws one UsageError listing every bad value. */
export function parseRunRequest(input: RunInput): RunRequest {
  const issues: ValidationIssue[] = [];
  const take = <T>(result: T | ValidationIssue): T | undefined => {
    if (isValidationIssue(result)) {
      issues.push(result);
      return undefined;
    }
    return result;
  };

  const image = input.image.value;
  if (image === undefined || image === '') {
    issues.push({
      field: '--image',
      value: '',
      allowed: 'an image reference',
      hint: 'Pass --image, or set a default with `runvoy config set image IMAGE`.',
    });
  } else {
    const issue = validateImage(image, input.image.field);
    if (issue) issues.push(issue);
  }

  const cpu = toInt(input.cpu, issues);
  let memory = input.memoryDefaulted ? undefined : toInt(input.memory, issues);
  if (cpu !== undefined && memory === undefined && input.memoryDefaulted) memory = defaultMemoryFor(cpu);
  const sizeIssue = validateSize(cpu, memory, { cpu: input.cpu.field, memory: input.memory.field });
  if (sizeIssue) issues.push(sizeIssue);

  const arch = input.arch.value ?? 'x86_64';
  const archIssue = validateArch(arch, input.arch.field);
  if (archIssue) issues.push(archIssue);

  // A later --env-file overrides an earlier one, and --env overrides them all, as with docker run.
  const byName = new Map<string, EnvVar>();
  const put = (variable: EnvVar) => {
    byName.delete(variable.name);
    byName.set(variable.name, variable);
  };
  for (const file of input.envFiles) {
    const parsed = parseEnvFile(file.content, file.path);
    issues.push(...parsed.issues);
    parsed.vars.forEach(put);
  }
  for (const pair of input.env) {
    const parsed = take(parseEnvPair(pair));
    if (parsed) put(parsed);
  }
  const given = [...byName.values()];
  const givenSecrets = input.secrets
    .map((s) => take(parseSecret(s)))
    .filter((s): s is SecretRef => s !== undefined);
  const dupes = validateUniqueNames(
    [...given.map((e) => e.name), ...givenSecrets.map((s) => s.name)],
    '--env, --env-file and --secret',
  );
  if (dupes) issues.push(dupes);
  const overridden = new Set([...given, ...givenSecrets].map((v) => v.name));
  const env = [...(input.base?.env ?? []).filter((v) => !overridden.has(v.name)), ...given];
  const secrets = [...(input.base?.secrets ?? []).filter((s) => !overridden.has(s.name)), ...givenSecrets];

  const tags: Record<string, string> = {};
  for (const text of input.tags) {
    const tag = take(parseTag(text));
    if (tag) tags[tag.key] = tag.value;
  }
  const tagCountIssue = validateTagCount(Object.keys(tags).length, input.lock !== undefined);
  if (tagCountIssue) issues.push(tagCountIssue);

  if (input.lock !== undefined) {
    const issue = validateLockName(input.lock);
    if (issue) issues.push(issue);
  }
  let lockWaitMs = 0;
  if (input.lockWait !== undefined) {
    if (input.lock === undefined) {
      issues.push({ field: '--lock-wait', value: input.lockWait, allowed: 'only together with --lock' });
    } else {
      lockWaitMs = take(parseLockWait(input.lockWait)) ?? 0;
    }
  }
  let timeoutMs: number | undefined;
  if (input.timeout.value !== undefined && input.timeout.value !== '') {
    const issue = validateDuration(input.timeout.value, input.timeout.field, TIMEOUT_BOUNDS);
    if (issue) issues.push(issue);
    else timeoutMs = parseDuration(input.timeout.value);
  }
  if (input.taskRole !== undefined && !isRoleArn(input.taskRole)) {
    issues.push({
      field: '--task-role',
      value: input.taskRole,
      allowed:
        'an IAM role ARN such as arn:aws:iam::123456789012:role/app (a role name of at most 64 characters)',
    });
  }
  if (input.ephemeralStorage !== undefined) {
    const issue = validateEphemeralStorage(input.ephemeralStorage);
    if (issue) issues.push(issue);
  }

  if (issues.length === 0 && cpu !== undefined && memory !== undefined) {
    const worstCase = buildContainerOverrides({
      command: input.command,
      shell: input.shell,
      env,
      executionId: 'x'.repeat(EXECUTION_ID_LENGTH),
      lockName: input.lock,
      fence: input.lock === undefined ? undefined : FENCE_ROOM,
      cpu,
      memory,
    });
    const issue = validateOverridesSize(worstCase);
    if (issue) issues.push(issue);
  }
  if (issues.length > 0 || cpu === undefined || memory === undefined || image === undefined) {
    throw validationError(issues);
  }
  return {
    image,
    command: input.command,
    shell: input.shell,
    cpu,
    memory,
    arch: arch as Architecture,
    spot: input.spot,
    env,
    secrets,
    tags,
    lockName: input.lock,
    lockWaitMs,
    timeoutMs,
    detach: input.detach,
    taskRoleArn: input.taskRole,
    ephemeralStorageGiB: input.ephemeralStorage,
  };
}

function toInt(setting: Sourced<string | number>, issues: ValidationIssue[]): number | undefined {
  if (setting.value === undefined) return undefined;
  if (typeof setting.value === 'number') return setting.value;
  const n = parseIntStrict(setting.value);
  if (n === undefined) issues.push({ field: setting.field, value: setting.value, allowed: 'a whole number' });
  return n;
}

/** --lock-wait: a duration, or zero (`0`, `0s`...: fail at once) in milliseconds. */
export function parseLockWait(text: string, field = '--lock-wait'): number | ValidationIssue {
  if (/^0+(\.0+)?[smhd]?$/.test(text.trim())) return 0;
  return validateDuration(text, field) ?? parseDuration(text) ?? 0;
}

export function isRoleArn(text: string): boolean {
  const path = ROLE_ARN.exec(text)?.[1];
  return path !== undefined && path.length <= ROLE_PATH_MAX;
}
