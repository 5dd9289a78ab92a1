/*
 * Finding and reading task files. runvoy looks in the current directory, then in each parent, and stops at
 * the first directory that has task files (runvoy.yml, runvoy.yaml, or .yml/.yaml files in .runvoy/), at
 * the root of the git repository (a directory with .git), or at the root of the file system; only the
 * task files of that one directory are read, as npm reads the nearest package.json.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { UsageError } from '../core/errors.js';
import type { EnvVar, SecretRef } from '../core/env.js';
import type { Task, TaskFileSource } from '../core/task-file.js';
import {
  chooseTask,
  decideTask,
  mergeTaskFlags,
  taskCommand,
  taskNotFound,
  type TaskRunFlags,
  type TaskSearch,
} from '../core/task-run.js';

export const TASK_DIR = '.runvoy';
export const TASKS_FILES = ['runvoy.yml', 'runvoy.yaml'];
const TASK_FILE = /^([^.].*)\.ya?ml$/;

export interface TaskSet {
  search: TaskSearch;
  tasks: Task[];
}

/** Every task of the nearest directory with task files, parsed and checked (exit 2 on any mistake). */
export async function loadTasks(cwd: string): Promise<TaskSet> {
  const found = await findTaskFiles(cwd);
  const sources = await Promise.all(
    found.files.map(async (file): Promise<TaskFileSource> => {
      const text = await readText(file.path, relative(cwd, file.path));
      return { path: relative(cwd, file.path), dir: dirname(file.path), text, task: file.task };
    }),
  );
  if (sources.length === 0) return { search: found.search, tasks: [] };
  // The YAML parser is loaded only where there are task files: a plain `run` never pays for it.
  const { parseTaskFiles } = await import('../core/task-file.js');
  return { search: found.search, tasks: parseTaskFiles(sources) };
}

interface FoundFiles {
  search: TaskSearch;
  files: Array<{ path: string; task?: string }>;
}

async function findTaskFiles(cwd: string): Promise<FoundFiles> {
  let dir = cwd;
  for (;;) {
    const files = await taskFilesIn(dir);
    if (files.length > 0) return { search: { directory: dir, from: cwd, to: dir }, files };
    const parent = dirname(dir);
    if (parent === dir || (await exists(join(dir, '.git')))) {
      return { search: { from: cwd, to: dir }, files: [] };
    }
    dir = parent;
  }
}

async function taskFilesIn(dir: string): Promise<Array<{ path: string; task?: string }>> {
  const files: Array<{ path: string; task?: string }> = [];
  for (const name of TASKS_FILES) {
    const path = join(dir, name);
    if (await isFile(path)) files.push({ path });
  }
  const taskDir = join(dir, TASK_DIR);
  const entries = await readdir(taskDir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const match = TASK_FILE.exec(entry.name);
    if (match && (entry.isFile() || entry.isSymbolicLink())) {
      files.push({ path: join(taskDir, entry.name), task: match[1] });
    }
  }
  return files;
}

/** A task's variables and secrets, its env files read (paths relative to the task file). */
export async function readTaskEnvironment(
  task: Task,
  cwd: string,
): Promise<{ env: EnvVar[]; secrets: SecretRef[] }> {
  const contents = await Promise.all(
    task.envFiles.map((file) =>
      readFile(file.path, 'utf8').catch((error: Error) => {
        throw new UsageError({
          what: `${file.field}: ${file.written} cannot be read.`,
          why: `${error.message} (${relative(cwd, file.path) || file.path}; envFile paths are relative to the task file)`,
          fix: 'Check the path. Nothing was sent to AWS.',
        });
      }),
    ),
  );
  const { taskEnvironment } = await import('../core/task-file.js');
  return taskEnvironment(task, contents);
}

export interface TaskRun<F> {
  flags: F;
  command: string[];
  /** The task's variables and secrets, for parseRunRequest's `base`. */
  base?: { env: EnvVar[]; secrets: SecretRef[] };
  task?: Task;
}

/**
 * `runvoy run`'s flags and command once the task, if the arguments name one, is applied (rules in
 * core/task-run.ts). Task files are read only when the arguments may name a task.
 */
export async function resolveTaskRun<F extends TaskRunFlags>(input: {
  flags: F;
  command: string[];
  afterDashes: boolean;
  cwd: string;
}): Promise<TaskRun<F>> {
  const { flags, command, cwd } = input;
  const choice = chooseTask({ taskFlag: flags.task, command, afterDashes: input.afterDashes });
  if (choice.kind === 'command') return { flags, command };
  const set = await loadTasks(cwd);
  const names = set.tasks.map((t) => t.name);
  const decided = choice.kind === 'lookup' ? decideTask(choice, names, set.search) : choice;
  if (decided.kind === 'command') return { flags, command };
  const task = set.tasks.find((t) => t.name === decided.name);
  if (!task) throw taskNotFound(decided.name, names, set.search);
  const merged = mergeTaskFlags(flags, task);
  return {
    flags: merged,
    command: taskCommand(task.command, decided.extra, merged.shell === true),
    base: await readTaskEnvironment(task, cwd),
    task,
  };
}

async function readText(path: string, shown: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError({
      what: `The task file ${shown} cannot be read.`,
      why: (error as Error).message,
      fix: 'Check its permissions, or run the command with -- before it to skip task files.',
    });
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}
