import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/core/errors.js';
import type { TaskRunFlags } from '../../../src/core/task-run.js';
import { loadTasks, resolveTaskRun } from '../../../src/services/task-files.js';

/** A directory tree: paths relative to a new temporary root, with their contents. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'runvoy-tasks-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    if (path.endsWith('/')) mkdirSync(join(root, path), { recursive: true });
    else writeFileSync(join(root, path), content);
  }
  return root;
}

async function rejection(promise: Promise<unknown>): Promise<UsageError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UsageError);
  return error as UsageError;
}

describe('loadTasks: where runvoy looks', () => {
  it('reads the nearest directory with task files, from the current directory up', async () => {
    const root = tree({
      '.git/': '',
      'runvoy.yml': 'tasks:\n  top: {image: a}\n',
      'app/.runvoy/migrate.yml': 'image: b\n',
      'app/.runvoy/seed.yaml': 'image: c\n',
      'app/.runvoy/.hidden.yml': 'not: read\n',
      'app/.runvoy/notes.txt': 'not read',
      'app/src/deep/': '',
    });
    const set = await loadTasks(join(root, 'app/src/deep'));
    expect(set.search.directory).toBe(join(root, 'app'));
    expect(set.tasks.map((t) => [t.name, t.file])).toEqual([
      ['migrate', '../../.runvoy/migrate.yml'],
      ['seed', '../../.runvoy/seed.yaml'],
    ]);
    // Only the nearest directory: the root's runvoy.yml is not merged in.
    expect((await loadTasks(root)).tasks.map((t) => t.name)).toEqual(['top']);
  });

  it('reads runvoy.yml and .runvoy/ of one directory together', async () => {
    const root = tree({ 'runvoy.yml': 'tasks:\n  a: {}\n', '.runvoy/b.yml': 'image: x\n' });
    expect((await loadTasks(root)).tasks.map((t) => t.name)).toEqual(['a', 'b']);
  });

  it('stops at the git root', async () => {
    const root = tree({ 'runvoy.yml': 'tasks:\n  outside: {}\n', 'repo/.git': 'gitdir: x', 'repo/sub/': '' });
    const set = await loadTasks(join(root, 'repo/sub'));
    expect(set.tasks).toEqual([]);
    expect(set.search).toEqual({ from: join(root, 'repo/sub'), to: join(root, 'repo') });
  });

  it('skips an empty .runvoy directory and goes on up', async () => {
    const root = tree({ '.git/': '', 'runvoy.yml': 'tasks:\n  a: {}\n', 'sub/.runvoy/': '' });
    expect((await loadTasks(join(root, 'sub'))).tasks.map((t) => t.name)).toEqual(['a']);
  });
});

describe('resolveTaskRun', () => {
  const flags: TaskRunFlags & { detach: boolean } = { detach: false };

  it('applies the task: flags, command with extra arguments, variables from env files relative to the file', async () => {
    const root = tree({
      '.git/': '',
      '.env': 'FROM_FILE=1\nSHARED=file\n',
      '.runvoy/migrate.yml':
        'image: alpine:3.20\nenvFile: ../.env\nenv: {SHARED: map}\nsecrets: {DB: /p/db}\ncommand: [./migrate]\n',
    });
    const run = await resolveTaskRun({
      flags,
      command: ['migrate', '--', 'up'],
      afterDashes: false,
      cwd: root,
    });
    expect(run.flags).toMatchObject({ image: 'alpine:3.20', detach: false });
    expect(run.command).toEqual(['./migrate', 'up']);
    expect(run.base).toEqual({
      env: [
        { name: 'FROM_FILE', value: '1' },
        { name: 'SHARED', value: 'map' },
      ],
      secrets: [{ name: 'DB', valueFrom: '/p/db' }],
    });
    expect(run.task?.name).toBe('migrate');
  });

  it('leaves a command alone and reads nothing after --, even with a broken task file', async () => {
    const root = tree({ '.git/': '', 'runvoy.yml': 'tasks: [' });
    const run = await resolveTaskRun({ flags, command: ['migrate'], afterDashes: true, cwd: root });
    expect(run).toEqual({ flags, command: ['migrate'] });
    // Without --, the file must be read to know whether migrate is a task.
    const error = await rejection(
      resolveTaskRun({ flags, command: ['migrate'], afterDashes: false, cwd: root }),
    );
    expect(error.what).toMatch(/^runvoy\.yml:1:\d+: the file is not valid YAML/);
  });

  it('names a missing env file and the key that names it', async () => {
    const root = tree({ '.git/': '', '.runvoy/m.yml': 'envFile: missing.env\n' });
    const error = await rejection(resolveTaskRun({ flags, command: ['m'], afterDashes: false, cwd: root }));
    expect(error.what).toBe('.runvoy/m.yml:1 envFile: missing.env cannot be read.');
    expect(error.exitCode).toBe(2);
  });

  it('--task NAME naming no task', async () => {
    const root = tree({ '.git/': '', '.runvoy/m.yml': 'image: x\n' });
    const error = await rejection(
      resolveTaskRun({ flags: { task: 'n' }, command: [], afterDashes: false, cwd: root }),
    );
    expect(error.what).toBe('--task n: there is no such task; did you mean m?');
  });
});
