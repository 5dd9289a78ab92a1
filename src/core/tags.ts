import type { ValidationIssue } from './errors.js';

/*
 * ECS's tag rules (ECS API Reference, data type Tag; RunTask `tags`):
 *   - at most 50 tags per resource; tags whose key starts with aws: do not count, and only AWS may use that
 *     prefix, in keys and values, in any case;
 *   - key 1 to 128, value 0 to 256 Unicode characters;
 *   - letters, digits, spaces and + - = . _ : / @ (pattern ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$).
 * A task carries the user's --tag values and runvoy's own runvoy:* tags, so both count against the 50.
 */
/** The tags runvoy puts on every task it starts: how reconcile and kill recognise and adopt its tasks. */
export const EXECUTION_ID_TAG = 'runvoy:execution-id';
export const CALLER_TAG = 'runvoy:caller';
export const HOST_TAG = 'runvoy:host';
export const LOCK_TAG = 'runvoy:lock';
/** The tag that marks a task started by a runvoy schedule, with the schedule's name (docs/schedules.md). */
export const SCHEDULE_TAG = 'runvoy:schedule';
/** A scheduled run's --timeout in seconds: reconcile stops the task once it has run that long. */
export const TIMEOUT_TAG = 'runvoy:timeout';

export const MAX_TAGS_PER_RESOURCE = 50;
export const TAG_KEY_MAX = 128;
export const TAG_VALUE_MAX = 256;
const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const TAG_CHAR = /[\p{L}\p{Z}\p{N}_.:/=+\-@]/u;
const AWS_PREFIX = 'aws:';
const RUNVOY_PREFIX = 'runvoy:';

export interface Tag {
  key: string;
  value: string;
}

/** `KEY=VALUE`, with ECS's tag rules; runvoy: keys are runvoy's own. */
export function parseTag(text: string, field = '--tag'): Tag | ValidationIssue {
  const allowed =
    `KEY=VALUE, the key 1 to ${TAG_KEY_MAX} and the value 0 to ${TAG_VALUE_MAX} letters, digits, spaces ` +
    'or _ . : / = + - @, the key not starting with aws: or runvoy: and the value not with aws:';
  const eq = text.indexOf('=');
  if (eq === -1) return { field, value: text, allowed, hint: `For an empty value, pass ${text}=` };
  const key = text.slice(0, eq);
  const value = text.slice(eq + 1);
  const keyLength = [...key].length;
  const valueLength = [...value].length;
  if (keyLength === 0) return { field, value: text, allowed, hint: 'The key is empty.' };
  if (keyLength > TAG_KEY_MAX)
    return { field, value: text, allowed, hint: `The key is ${keyLength} characters.` };
  if (valueLength > TAG_VALUE_MAX) {
    return { field, value: text, allowed, hint: `The value is ${valueLength} characters.` };
  }
  if (!TAG_CHARS.test(key) || !TAG_CHARS.test(value)) return { field, value: text, allowed };
  const reserved = [AWS_PREFIX, RUNVOY_PREFIX].find((prefix) => key.toLowerCase().startsWith(prefix));
  if (reserved) {
    return { field, value: text, allowed, hint: `Keys starting with ${reserved} are reserved.` };
  }
  if (value.toLowerCase().startsWith(AWS_PREFIX)) {
    return { field, value: text, allowed, hint: 'Values starting with aws: are reserved for AWS.' };
  }
  return { key, value };
}

export interface RunvoyTagInput {
  executionId: string;
  callerArn: string;
  host: string;
  lockName?: string;
}

/**
 * The tags runvoy puts on every task, so that reconcile can adopt or match tasks without a record. Their
 * values are made valid tag values (an assumed-role session name may hold ",", a host name anything).
 */
export function runvoyTaskTags(input: RunvoyTagInput): Record<string, string> {
  return {
    [EXECUTION_ID_TAG]: tagValue(input.executionId),
    [CALLER_TAG]: tagValue(input.callerArn),
    [HOST_TAG]: tagValue(input.host),
    ...(input.lockName ? { [LOCK_TAG]: tagValue(input.lockName) } : {}),
  };
}

/** How many tags runvoy adds to a task of its own (with or without a lock). */
export function runvoyTagCount(withLock: boolean): number {
  const sample = { executionId: 'x', callerArn: 'x', host: 'x' };
  return Object.keys(runvoyTaskTags(withLock ? { ...sample, lockName: 'x' } : sample)).length;
}

/** Any text as a valid tag value: characters ECS refuses become "_", at most 256 characters, no aws:. */
export function tagValue(text: string): string {
  const cleaned = [...text]
    .slice(0, TAG_VALUE_MAX)
    .map((c) => (TAG_CHAR.test(c) ? c : '_'))
    .join('');
  return cleaned.toLowerCase().startsWith(AWS_PREFIX) ? `_${cleaned.slice(1)}` : cleaned;
}

/** The user's tags and runvoy's own must fit in ECS's 50 tags per task. */
export function validateTagCount(
  userTags: number,
  withLock: boolean,
  field = '--tag',
): ValidationIssue | undefined {
  const own = runvoyTagCount(withLock);
  const room = MAX_TAGS_PER_RESOURCE - own;
  if (userTags <= room) return undefined;
  return {
    field,
    value: `${userTags} tags`,
    allowed: `at most ${room} distinct tag keys: ECS allows ${MAX_TAGS_PER_RESOURCE} tags per task, and runvoy adds ${own} of its own (runvoy:execution-id, runvoy:caller, runvoy:host${withLock ? ', runvoy:lock' : ''})`,
    hint: `Drop ${userTags - room} of them.`,
  };
}
