/*
 * Task files: a task is a saved set of `runvoy run` flags with a name. `.runvoy/NAME.yml` holds one task
 * (named after the file); `runvoy.yml` holds several under `tasks:`. Every value is checked with the
 * validators the flags use, and every message names the file, the line and the key
 * (`runvoy.yml:7 tasks.migrate.cpu`). See docs/task-files.md.
 */
import { resolve } from 'node:path';
import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Document,
  type Node,
  type YAMLMap,
} from 'yaml';
import { UsageError, validationError, type ValidationIssue } from './errors.js';
import {
  parseEnvFile,
  parseEnvPair,
  parseSecret,
  parseTag,
  validateUniqueNames,
  type EnvVar,
  type SecretRef,
} from './env.js';
import { parseConfigValue } from './config-schema.js';
import { parseIntStrict, validateSize } from './fargate-validation.js';
import { validateDuration } from './duration.js';
import { validateImage } from './image.js';
import { validateLockName } from './lock-name.js';
import { validateArch, validateEphemeralStorage, type Architecture } from './run-options.js';
import { isRoleArn, parseLockWait, TIMEOUT_BOUNDS } from './run-request.js';
import { closestMatch } from './suggest.js';
import { validateTagCount } from './tags.js';
import { isValidationIssue } from './validation.js';

export const TASK_KEYS = [
  'description',
  'image',
  'cpu',
  'memory',
  'arch',
  'spot',
  'lock',
  'lockWait',
  'env',
  'envFile',
  'secrets',
  'timeout',
  'tags',
  'taskRole',
  'ephemeralStorage',
  'shell',
  'command',
] as const;
export type TaskKey = (typeof TASK_KEYS)[number];

/** The keys of `runvoy.yml` itself. */
const FILE_KEYS = ['tasks'] as const;

/** Task names: they are typed as `runvoy run NAME`, so never a flag, a path or anything to quote. */
export const TASK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const TASK_NAME_SYNTAX =
  '1 to 64 letters, digits, "_", "." or "-", starting with a letter or digit (it is typed as `runvoy run NAME`)';

/** One task file as read from disk. */
export interface TaskFileSource {
  /** The path as messages show it (relative to the current directory). */
  path: string;
  /** The file's directory, absolute: envFile paths are relative to it. */
  dir: string;
  text: string;
  /** `.runvoy/NAME.yml`: the one task in the file, named after it. Absent for `runvoy.yml`. */
  task?: string;
}

/** An env file a task names: read by the caller (services/task-files.ts), then checked by taskEnvironment. */
export interface TaskEnvFile {
  /** Absolute. */
  path: string;
  /** As written in the task file. */
  written: string;
  /** Where it is written, for messages. */
  field: string;
}

export interface Task {
  name: string;
  /** The task file, as messages show it. */
  file: string;
  /** The line of the task: its name in runvoy.yml, 1 in .runvoy/NAME.yml. */
  line: number;
  description?: string;
  image?: string;
  cpu?: number;
  memory?: number;
  arch?: Architecture;
  spot?: boolean;
  lock?: string;
  /** As written: it becomes --lock-wait. */
  lockWait?: string;
  /** The `env:` map, in file order. */
  env: EnvVar[];
  envFiles: TaskEnvFile[];
  secrets: SecretRef[];
  /** As written: it becomes --timeout. */
  timeout?: string;
  tags: Record<string, string>;
  taskRole?: string;
  ephemeralStorage?: number;
  shell: boolean;
  /** An argument vector; with `shell`, a string command is one element, the script. */
  command: string[];
  /** Where each key is written (`runvoy.yml:7 tasks.migrate.cpu`), for messages. */
  fields: Partial<Record<TaskKey, string>>;
}

/**
 * Parses and checks task files (all those of one directory): YAML syntax, structure, unknown keys, every
 * value, and that each task name is defined once. Throws a UsageError (exit 2) naming file, line and key.
 */
export function parseTaskFiles(sources: readonly TaskFileSource[]): Task[] {
  const issues: ValidationIssue[] = [];
  const tasks: Task[] = [];
  for (const source of sources) {
    const found: ValidationIssue[] = [];
    tasks.push(...parseTaskFile(source, found));
    issues.push(...byLine(found, source.path));
  }

  const first = new Map<string, Task>();
  for (const task of tasks) {
    const earlier = first.get(task.name);
    if (earlier) {
      issues.push({
        field: `${task.file}:${task.line}`,
        value: task.name,
        allowed: 'each task name once (in .runvoy/ and runvoy.yml together)',
        hint: `${task.name} is also defined at ${earlier.file}:${earlier.line}.`,
      });
    } else {
      first.set(task.name, task);
    }
  }
  if (issues.length > 0) throw taskFileError(issues);
  return tasks;
}

/** A validation error about task files: the issues, and how to get past them. */
export function taskFileError(issues: ValidationIssue[]): UsageError {
  const error = validationError(issues);
  return new UsageError({
    code: error.code,
    what: error.what,
    why: error.why,
    fix:
      'Correct the task file and run the command again (`runvoy run -- CMD` runs a command without ' +
      'reading task files). Nothing was sent to AWS.',
    data: error.data,
  });
}

interface FileContext {
  source: TaskFileSource;
  doc: Document;
  lines: LineCounter;
  issues: ValidationIssue[];
}

function parseTaskFile(source: TaskFileSource, issues: ValidationIssue[]): Task[] {
  const lines = new LineCounter();
  const doc = parseDocument(source.text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  const [syntax] = doc.errors;
  if (syntax) {
    const [pos] = syntax.linePos ?? [];
    const where = pos ? `${source.path}:${pos.line}:${pos.col}` : source.path;
    const [headline = syntax.message, ...frame] = syntax.message.split('\n');
    throw new UsageError({
      code: 'TASK_FILE_SYNTAX',
      what: `${where}: the file is not valid YAML: ${headline.replace(/ at line \d+, column \d+:?$/, '')}.`,
      why: frame.join('\n').replace(/^\n+|\n+$/g, '') || undefined,
      fix:
        'Correct the file and run the command again (`runvoy run -- CMD` runs a command without reading ' +
        'task files). Nothing was sent to AWS.',
    });
  }
  const ctx: FileContext = { source, doc, lines, issues };
  const root = deref(doc.contents, doc);

  if (source.task !== undefined) {
    const name = source.task;
    if (!TASK_NAME.test(name)) {
      issues.push({ field: source.path, value: name, allowed: `a task name: ${TASK_NAME_SYNTAX}` });
      return [];
    }
    if (!isMap(root)) {
      issues.push(notAMap(ctx, root, source.path, '', 'the task: a map of keys such as image and command'));
      return [];
    }
    return [parseTask(ctx, name, root, 1, '')];
  }

  if (!isMap(root)) {
    issues.push(notAMap(ctx, root, source.path, '', '`tasks:`, a map of task names to tasks'));
    return [];
  }
  let tasksNode: Node | null | undefined;
  for (const pair of root.items) {
    const key = keyText(pair.key);
    if (key === 'tasks') tasksNode = deref(pair.value as Node | null, doc);
    else issues.push(unknownKey(ctx, pair.key, key, '', FILE_KEYS));
  }
  if (tasksNode === undefined) {
    issues.push({
      field: `${source.path}:1`,
      value: 'tasks',
      allowed: '`tasks:`, a map of task names to tasks',
      hint: 'The key `tasks` is missing.',
    });
    return [];
  }
  if (!isMap(tasksNode)) {
    issues.push(notAMap(ctx, tasksNode, source.path, 'tasks', 'a map of task names to tasks'));
    return [];
  }
  const tasks: Task[] = [];
  for (const pair of tasksNode.items) {
    const name = keyText(pair.key);
    const line = lineOf(ctx, pair.key);
    if (!TASK_NAME.test(name)) {
      issues.push({
        field: `${source.path}:${line} tasks`,
        value: name,
        allowed: `a task name: ${TASK_NAME_SYNTAX}`,
      });
      continue;
    }
    const body = deref(pair.value as Node | null, doc);
    if (!isMap(body)) {
      issues.push(
        notAMap(
          ctx,
          body ?? pair.key,
          source.path,
          `tasks.${name}`,
          'a map of keys such as image and command',
        ),
      );
      continue;
    }
    tasks.push(parseTask(ctx, name, body, line, `tasks.${name}.`));
  }
  return tasks;
}

function parseTask(ctx: FileContext, name: string, map: YAMLMap, line: number, prefix: string): Task {
  const task: Task = {
    name,
    file: ctx.source.path,
    line,
    env: [],
    envFiles: [],
    secrets: [],
    tags: {},
    shell: false,
    command: [],
    fields: {},
  };
  const nodes = new Map<TaskKey, Node | null>();
  /** The key's path in the document (`tasks.migrate.env`), for the messages about its items. */
  const paths = new Map<TaskKey, string>();
  for (const pair of map.items) {
    const key = keyText(pair.key);
    if (!(TASK_KEYS as readonly string[]).includes(key)) {
      ctx.issues.push(unknownKey(ctx, pair.key, key, prefix, TASK_KEYS));
      continue;
    }
    const taskKey = key as TaskKey;
    nodes.set(taskKey, deref(pair.value as Node | null, ctx.doc) ?? null);
    paths.set(taskKey, `${prefix}${key}`);
    task.fields[taskKey] = `${ctx.source.path}:${lineOf(ctx, pair.key)} ${prefix}${key}`;
  }
  const at = (key: TaskKey) => task.fields[key] ?? `${ctx.source.path}:${line}`;
  const issues = ctx.issues;
  const checked = <T>(result: T | ValidationIssue | undefined): T | undefined => {
    if (result === undefined) return undefined;
    if (isValidationIssue(result)) {
      issues.push(result);
      return undefined;
    }
    return result;
  };
  const text = (key: TaskKey, allowed: string): string | undefined => {
    const node = nodes.get(key);
    return node === undefined ? undefined : checked(scalarText(ctx, node, at(key), allowed));
  };

  task.description = text('description', 'a line of text');

  const image = text('image', 'an image reference');
  if (image !== undefined && !pushed(issues, validateImage(image, at('image')))) task.image = image;

  const cpu = text('cpu', 'CPU units: 256, 512, 1024, 2048, 4096, 8192 or 16384');
  if (cpu !== undefined) task.cpu = configNumber('cpu', cpu, at('cpu'), issues);
  const memory = text('memory', 'memory in MiB, valid for the cpu');
  if (memory !== undefined) task.memory = configNumber('memory', memory, at('memory'), issues);
  if (task.memory !== undefined && cpu === undefined) {
    issues.push({
      field: at('memory'),
      value: String(task.memory),
      allowed: 'only together with cpu in the same task',
      hint: 'The memory sizes Fargate allows depend on the CPU; set both.',
    });
  } else if (task.cpu !== undefined || task.memory !== undefined) {
    const size = validateSize(task.cpu, task.memory, { cpu: at('cpu'), memory: at('memory') });
    if (size) issues.push(size);
  }

  const arch = text('arch', 'x86_64 or arm64');
  if (arch !== undefined && !pushed(issues, validateArch(arch, at('arch')))) task.arch = arch as Architecture;

  task.spot = booleanOf(ctx, nodes.get('spot'), at('spot'));
  task.shell = booleanOf(ctx, nodes.get('shell'), at('shell')) ?? false;

  const lock = text('lock', 'a lock name');
  if (lock !== undefined && !pushed(issues, validateLockName(lock, at('lock')))) task.lock = lock;
  const lockWait = text('lockWait', 'a duration such as 10m');
  if (lockWait !== undefined) {
    if (lock === undefined) {
      issues.push({ field: at('lockWait'), value: lockWait, allowed: 'only together with lock' });
    } else if (checked(parseLockWait(lockWait, at('lockWait'))) !== undefined) {
      task.lockWait = lockWait;
    }
  }

  const timeout = text('timeout', 'a duration such as 30m');
  if (timeout !== undefined && !pushed(issues, validateDuration(timeout, at('timeout'), TIMEOUT_BOUNDS))) {
    task.timeout = timeout;
  }

  const taskRole = text('taskRole', 'an IAM role ARN');
  if (taskRole !== undefined) {
    if (isRoleArn(taskRole)) task.taskRole = taskRole;
    else
      issues.push({
        field: at('taskRole'),
        value: taskRole,
        allowed:
          'an IAM role ARN such as arn:aws:iam::123456789012:role/app (a role name of at most 64 characters)',
      });
  }

  const storage = text('ephemeralStorage', 'a whole number of GiB');
  if (storage !== undefined) {
    const gib = parseIntStrict(storage);
    const issue =
      gib === undefined
        ? { field: at('ephemeralStorage'), value: storage, allowed: 'a whole number of GiB from 21 to 200' }
        : validateEphemeralStorage(gib, at('ephemeralStorage'));
    if (issue) issues.push(issue);
    else task.ephemeralStorage = gib;
  }

  const items = (key: TaskKey, allowed: string) =>
    entries(ctx, nodes.get(key), at(key), paths.get(key) ?? key, allowed);
  for (const [name, value, field] of items(
    'env',
    'a map of NAME: value, each value text, a number or true/false',
  )) {
    const parsed = checked(parseEnvPair(`${name}=${value}`, field));
    if (parsed && name.includes('=')) issues.push({ field, value: name, allowed: 'a variable name' });
    else if (parsed) task.env.push(parsed);
  }
  for (const [name, value, field] of items(
    'secrets',
    'a map of NAME: REF, each REF an SSM parameter or a Secrets Manager ARN',
  )) {
    const parsed = checked(parseSecret(`${name}=${value}`, field));
    if (parsed && name.includes('=')) issues.push({ field, value: '<hidden>', allowed: 'a variable name' });
    else if (parsed) task.secrets.push(parsed);
  }
  const names = validateUniqueNames(
    [...task.env.map((e) => e.name), ...task.secrets.map((s) => s.name)],
    `${at('env')} and ${at('secrets')}`,
  );
  if (names) issues.push(names);

  for (const [key, value, field] of items(
    'tags',
    'a map of KEY: value, each value text, a number or true/false',
  )) {
    const tag = checked(parseTag(`${key}=${value}`, field));
    if (tag && tag.key !== key) issues.push({ field, value: key, allowed: 'a tag key without "="' });
    else if (tag) task.tags[tag.key] = tag.value;
  }
  const tagCount = validateTagCount(Object.keys(task.tags).length, lock !== undefined, at('tags'));
  if (tagCount) issues.push(tagCount);

  const envFile = nodes.get('envFile');
  if (envFile !== undefined) {
    const listed = stringList(
      ctx,
      envFile,
      at('envFile'),
      paths.get('envFile') ?? '',
      'a path, or a list of paths',
    );
    for (const [written, field] of listed) {
      if (written === '') issues.push({ field, value: '', allowed: 'a path to a file of NAME=VALUE lines' });
      else task.envFiles.push({ path: resolve(ctx.source.dir, written), written, field });
    }
  }

  const command = nodes.get('command');
  if (command !== undefined) {
    if (isSeq(command)) {
      const args = stringList(ctx, command, at('command'), paths.get('command') ?? '', 'a list of arguments');
      for (const [arg] of args) task.command.push(arg);
    } else {
      const script = checked(
        scalarText(ctx, command, at('command'), 'a list of arguments, or with shell: true a script'),
      );
      if (script !== undefined && !task.shell) {
        issues.push({
          field: at('command'),
          value: script,
          allowed: 'a list of arguments (exec form), such as [./manage.py, migrate]',
          hint: 'A string is a shell script: add `shell: true` to run it with sh -c.',
        });
      } else if (script !== undefined) {
        task.command.push(script);
      }
    }
  }
  return task;
}

/**
 * A task's variables as the run gets them: its env files in order, then its `env:` map, a later value of
 * a name replacing an earlier one (as --env-file and --env do); and its secrets. `contents` are the env
 * files' contents, in the order of task.envFiles.
 */
export function taskEnvironment(
  task: Task,
  contents: readonly string[],
): { env: EnvVar[]; secrets: SecretRef[] } {
  const issues: ValidationIssue[] = [];
  const byName = new Map<string, EnvVar>();
  const put = (variable: EnvVar) => {
    byName.delete(variable.name);
    byName.set(variable.name, variable);
  };
  task.envFiles.forEach((file, i) => {
    const parsed = parseEnvFile(contents[i] ?? '', file.written);
    for (const issue of parsed.issues) {
      issues.push({
        ...issue,
        field: issue.field.replace(`--env-file ${file.written}`, `${file.field} ${file.written}`),
      });
    }
    parsed.vars.forEach(put);
  });
  task.env.forEach(put);
  const env = [...byName.values()];
  const dupes = validateUniqueNames(
    [...env.map((e) => e.name), ...task.secrets.map((s) => s.name)],
    `${task.file}:${task.line} ${task.name}: env, envFile and secrets`,
  );
  if (dupes) issues.push(dupes);
  if (issues.length > 0) throw taskFileError(issues);
  return { env, secrets: task.secrets };
}

/** A file's issues in the order of their lines (each field starts with `path:line`). */
function byLine(issues: ValidationIssue[], path: string): ValidationIssue[] {
  const line = (issue: ValidationIssue) => Number(/^:(\d+)/.exec(issue.field.slice(path.length))?.[1] ?? 0);
  return issues
    .map((issue, i) => ({ issue, i }))
    .sort((a, b) => line(a.issue) - line(b.issue) || a.i - b.i)
    .map((x) => x.issue);
}

function pushed(issues: ValidationIssue[], issue: ValidationIssue | undefined): boolean {
  if (issue) issues.push(issue);
  return issue !== undefined;
}

function configNumber(key: 'cpu' | 'memory', text: string, field: string, issues: ValidationIssue[]) {
  const parsed = parseConfigValue(key, text, field);
  if ('issue' in parsed) {
    issues.push(parsed.issue);
    return undefined;
  }
  return typeof parsed.value === 'number' ? parsed.value : undefined;
}

function booleanOf(ctx: FileContext, node: Node | null | undefined, field: string): boolean | undefined {
  if (node === undefined) return undefined;
  if (isScalar(node) && typeof node.value === 'boolean') return node.value;
  ctx.issues.push({ field, value: shown(ctx, node), allowed: 'true or false' });
  return undefined;
}

/** The text of a scalar: strings as they are, numbers and booleans as written (`1.10` stays "1.10"). */
function scalarText(
  ctx: FileContext,
  node: Node | null | undefined,
  field: string,
  allowed: string,
): string | ValidationIssue {
  if (isScalar(node)) {
    const { value } = node;
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
      return node.source ?? String(value);
    }
    if (value === null) {
      return {
        field,
        value: '',
        allowed,
        hint: "The key has no value: remove it, or write '' for an empty string.",
      };
    }
  }
  return { field, value: shown(ctx, node), allowed };
}

/** The pairs of a map of names to single values (env, secrets, tags), with where each is written. */
function entries(
  ctx: FileContext,
  node: Node | null | undefined,
  field: string,
  path: string,
  allowed: string,
): Array<[string, string, string]> {
  if (node === undefined) return [];
  if (!isMap(node)) {
    ctx.issues.push({ field, value: shown(ctx, node), allowed });
    return [];
  }
  const out: Array<[string, string, string]> = [];
  for (const pair of node.items) {
    const key = keyText(pair.key);
    const at = `${ctx.source.path}:${lineOf(ctx, pair.key)} ${path}.${key}`;
    const value = scalarText(ctx, deref(pair.value as Node | null, ctx.doc), at, allowed);
    if (isValidationIssue(value)) ctx.issues.push(value);
    else out.push([key, value, at]);
  }
  return out;
}

/** A list of single values, or one value, with where each is written. */
function stringList(
  ctx: FileContext,
  node: Node | null,
  field: string,
  path: string,
  allowed: string,
): Array<[string, string]> {
  const items = isSeq(node) ? node.items : [node];
  const out: Array<[string, string]> = [];
  items.forEach((item, i) => {
    const itemNode = deref(item as Node | null, ctx.doc);
    const at = isSeq(node) ? `${ctx.source.path}:${lineOf(ctx, item ?? node)} ${path}[${i}]` : field;
    const value = scalarText(ctx, itemNode, at, allowed);
    if (isValidationIssue(value)) ctx.issues.push(value);
    else out.push([value, at]);
  });
  return out;
}

function unknownKey(
  ctx: FileContext,
  keyNode: unknown,
  key: string,
  prefix: string,
  known: readonly string[],
): ValidationIssue {
  const normal = (word: string) => word.toLowerCase().replace(/[-_]/g, '');
  const exact = known.find((k) => normal(k) === normal(key));
  const close = exact ?? closestMatch(key, known);
  return {
    field: `${ctx.source.path}:${lineOf(ctx, keyNode)} ${prefix}${key}`,
    value: key,
    allowed: `one of the keys ${known.join(', ')}`,
    hint: close ? `Did you mean ${close}?` : 'See docs/task-files.md.',
  };
}

function notAMap(
  ctx: FileContext,
  node: unknown,
  path: string,
  key: string,
  allowed: string,
): ValidationIssue {
  const empty = node === null || node === undefined || (isScalar(node) && node.value === null);
  return {
    field: `${path}:${lineOf(ctx, node)}${key ? ` ${key}` : ''}`,
    value: empty ? '' : shown(ctx, node as Node),
    allowed,
    ...(empty ? { hint: 'It is empty.' } : {}),
  };
}

function keyText(node: unknown): string {
  if (isScalar(node)) return node.value === null ? '' : String(node.source ?? node.value);
  return String(node);
}

function lineOf(ctx: FileContext, node: unknown): number {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range ? ctx.lines.linePos(range[0]).line : 1;
}

/** A value as written in the file, for messages (at most 60 characters). */
function shown(ctx: FileContext, node: Node | null | undefined): string {
  if (isScalar(node) && typeof node.value === 'string') return node.value;
  const range = node?.range;
  if (!range) return '';
  const text = ctx.source.text.slice(range[0], range[1]).trim();
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

function deref(node: Node | null | undefined, doc: Document): Node | null | undefined {
  if (isAlias(node)) return (node.resolve(doc) as Node | undefined) ?? null;
  return node;
}

/** A task as `tasks list --json` shows it: every key, variables and secrets by name only. */
export interface TaskSummary {
  name: string;
  file: string;
  line: number;
  description?: string;
  image?: string;
  cpu?: number;
  memory?: number;
  arch?: Architecture;
  spot?: boolean;
  lock?: string;
  lockWait?: string;
  env: string[];
  envFiles: string[];
  secrets: string[];
  timeout?: string;
  tags: Record<string, string>;
  taskRole?: string;
  ephemeralStorage?: number;
  shell: boolean;
  command: string[];
}

export function taskSummary(task: Task): TaskSummary {
  const optional = <K extends keyof Task>(key: K) => (task[key] === undefined ? {} : { [key]: task[key] });
  return {
    name: task.name,
    file: task.file,
    line: task.line,
    ...optional('description'),
    ...optional('image'),
    ...optional('cpu'),
    ...optional('memory'),
    ...optional('arch'),
    ...optional('spot'),
    ...optional('lock'),
    ...optional('lockWait'),
    env: task.env.map((e) => e.name),
    envFiles: task.envFiles.map((f) => f.written),
    secrets: task.secrets.map((s) => s.name),
    ...optional('timeout'),
    tags: task.tags,
    ...optional('taskRole'),
    ...optional('ephemeralStorage'),
    shell: task.shell,
    command: task.command,
  };
}
