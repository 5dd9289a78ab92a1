/*
 * `runvoy run NAME [-- ARGS]` and `runvoy run --task NAME [ARGS]`: which runs are tasks, and how a task's
 * keys and the command line's flags make one set of flags. See docs/task-files.md.
 *
 * Telling a task from a command (the command starts at the first argument that is not a flag: run-argv.ts):
 *   1. `--task NAME`: the task NAME; every argument after runvoy's flags is added to its command.
 *   2. `run [FLAGS] -- CMD ...`: always the command CMD; task files are not read.
 *   3. `run [FLAGS] NAME`, `run [FLAGS] NAME -- ARGS`: the task NAME when a task file defines it.
 *      `run NAME ARGS` (arguments without `--`) is refused when NAME is a task: it could mean either.
 *   4. Otherwise the command, as before task files, except that a NAME followed by `--`, or a near miss
 *      of a task's name, is refused: both look like a task that is not there.
 */
import { UsageError } from './errors.js';
import { validationError, type ValidationIssue } from './errors.js';
import { validateSize } from './fargate-validation.js';
import { quoteArgv, shellScript } from './shell-quote.js';
import { closestMatch } from './suggest.js';
import type { Task } from './task-file.js';

/** The `runvoy run` flags a task sets, by flag name (no oclif import here). */
export interface TaskRunFlags {
  image?: string;
  cpu?: string;
  memory?: string;
  arch?: string;
  spot?: boolean;
  lock?: string;
  'lock-wait'?: string;
  timeout?: string;
  shell?: boolean;
  tag?: string[];
  'task-role'?: string;
  'ephemeral-storage'?: number;
  task?: string;
}

export type TaskChoice =
  /** Run the command as given; task files play no part. */
  | { kind: 'command' }
  /** Run the task NAME with these arguments added to its command. */
  | { kind: 'task'; name: string; extra: string[] }
  /** Depends on whether a task named `name` exists: see decideTask. */
  | { kind: 'lookup'; name: string; rest: string[] };

/**
 * What the arguments ask for, before any task file is read. `command` is what follows runvoy's flags;
 * `afterDashes` tells whether it followed an explicit `--`.
 */
export function chooseTask(input: {
  taskFlag?: string;
  command: string[];
  afterDashes: boolean;
}): TaskChoice {
  if (input.taskFlag !== undefined) return { kind: 'task', name: input.taskFlag, extra: input.command };
  const [name, ...rest] = input.command;
  if (input.afterDashes || name === undefined) return { kind: 'command' };
  return { kind: 'lookup', name, rest };
}

/** Where task files were looked for, for messages. */
export interface TaskSearch {
  /** The directory whose task files were read, if one was found. */
  directory?: string;
  /** Where the search started (the current directory) and the last directory it looked in. */
  from: string;
  to: string;
}

/** Rules 3 and 4 of the header, once the task names are known. */
export function decideTask(
  choice: Extract<TaskChoice, { kind: 'lookup' }>,
  names: readonly string[],
  search: TaskSearch,
): Exclude<TaskChoice, { kind: 'lookup' }> {
  const { name, rest } = choice;
  const dashes = rest[0] === '--';
  if (names.includes(name)) {
    if (rest.length === 0 || dashes) return { kind: 'task', name, extra: rest.slice(dashes ? 1 : 0) };
    const flagsFirst = rest[0]?.startsWith('-')
      ? `runvoy's own flags go before the task name: runvoy run [FLAGS] ${name} [-- ARGS]\n`
      : '';
    throw new UsageError({
      code: 'TASK_OR_COMMAND',
      what: `${name} is a task, and arguments follow it without --: runvoy cannot tell whether you mean the task or the command \`${quoteArgv([name, ...rest])}\`.`,
      fix:
        flagsFirst +
        `For the task with these arguments: runvoy run ${name} -- ${quoteArgv(rest)}\n` +
        `For the command: runvoy run [FLAGS] -- ${quoteArgv([name, ...rest])}\nNothing was sent to AWS.`,
    });
  }
  const near = closestMatch(name, names);
  if (dashes || near !== undefined) {
    throw new UsageError({
      code: 'TASK_NOT_FOUND',
      what: `${name} is not a task${near ? `: did you mean ${near}?` : '.'}`,
      why: describeSearch(search, names),
      fix:
        `To run the command ${name} rather than a task, put -- before it: runvoy run [FLAGS] -- ${quoteArgv([name, ...rest])}\n` +
        'Nothing was sent to AWS.',
    });
  }
  return { kind: 'command' };
}

/** `--task NAME` (or `tasks show NAME`: `given` says how it was given) naming no task. */
export function taskNotFound(
  name: string,
  names: readonly string[],
  search: TaskSearch,
  given = `--task ${name}`,
): UsageError {
  const near = closestMatch(name, names);
  return new UsageError({
    code: 'TASK_NOT_FOUND',
    what: `${given}: there is no such task${near ? `; did you mean ${near}?` : '.'}`,
    why: describeSearch(search, names),
    fix: 'Check the name with `runvoy tasks list`. Nothing was sent to AWS.',
  });
}

export function describeSearch(search: TaskSearch, names: readonly string[]): string {
  if (search.directory === undefined) {
    return `No task file (runvoy.yml or .runvoy/*.yml) in ${search.from}${search.to === search.from ? '' : ` or the directories above it, up to ${search.to}`}.`;
  }
  return names.length === 0
    ? `The task files of ${search.directory} define no task.`
    : `The task files of ${search.directory} define: ${names.join(', ')}.`;
}

/**
 * The task's command with the extra arguments of `run NAME -- ARGS`. In exec form they are added to the
 * argument vector. With a shell, they are quoted and appended to the script, so that the shell sees each
 * as one word (`command: ./migrate.sh` and `-- up 'to 3'` run `./migrate.sh up 'to 3'`).
 */
export function taskCommand(command: readonly string[], extra: readonly string[], shell: boolean): string[] {
  if (extra.length === 0) return [...command];
  if (command.length === 0) return [...extra];
  if (!shell) return [...command, ...extra];
  return [`${shellScript(command)} ${quoteArgv(extra)}`];
}

/**
 * The run's flags: each key of the task acts as if its flag had been given, and a flag given on the
 * command line wins (per key; tags per tag key). Variables and secrets are not flags: they go to
 * parseRunRequest as its `base` (taskEnvironment), which --env, --env-file and --secret override by name.
 */
export function mergeTaskFlags<F extends TaskRunFlags>(flags: F, task: Task): F {
  const or = <T>(given: T | undefined, fromTask: T | undefined) => (given === undefined ? fromTask : given);
  const issues: ValidationIssue[] = [];
  // --cpu alone replaces the task's cpu: the task's memory must still fit it.
  if (flags.cpu !== undefined && flags.memory === undefined && task.memory !== undefined) {
    const issue = validateSize(Number(flags.cpu), task.memory, {
      cpu: '--cpu',
      memory: task.fields.memory ?? 'memory',
    });
    if (issue) {
      issues.push({
        ...issue,
        hint: `${issue.hint ? `${issue.hint} ` : ''}--cpu replaces the task's cpu but not its memory: pass --memory too.`,
      });
    }
  }
  if (issues.length > 0) throw validationError(issues);
  return {
    ...flags,
    image: or(flags.image, task.image),
    cpu: or(flags.cpu, task.cpu === undefined ? undefined : String(task.cpu)),
    memory: or(flags.memory, task.memory === undefined ? undefined : String(task.memory)),
    arch: or(flags.arch, task.arch),
    spot: or(flags.spot, task.spot),
    lock: or(flags.lock, task.lock),
    'lock-wait': or(flags['lock-wait'], task.lockWait),
    timeout: or(flags.timeout, task.timeout),
    shell: flags.shell === true || task.shell,
    // A later --tag of the same key wins in parseRunRequest: the task's come first.
    tag: [...Object.entries(task.tags).map(([k, v]) => `${k}=${v}`), ...(flags.tag ?? [])],
    'task-role': or(flags['task-role'], task.taskRole),
    'ephemeral-storage': or(flags['ephemeral-storage'], task.ephemeralStorage),
  };
}
