import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/core/errors.js';
import { parseTaskFiles, type Task } from '../../../src/core/task-file.js';
import {
  chooseTask,
  decideTask,
  mergeTaskFlags,
  taskCommand,
  taskNotFound,
  type TaskRunFlags,
  type TaskSearch,
} from '../../../src/core/task-run.js';

const search: TaskSearch = { directory: '/repo', from: '/repo/sub', to: '/repo' };
const NAMES = ['migrate', 'seed'];

function task(text: string): Task {
  return parseTaskFiles([{ path: '.runvoy/t.yml', dir: '/repo/.runvoy', text, task: 't' }])[0] as Task;
}

function usage(run: () => unknown): UsageError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error('expected a usage error');
}

const decide = (command: string[], names = NAMES) => {
  const choice = chooseTask({ command, afterDashes: false });
  return choice.kind === 'lookup' ? decideTask(choice, names, search) : choice;
};

describe('which runs are tasks', () => {
  it('--task NAME is the task, with every argument added', () => {
    expect(chooseTask({ taskFlag: 'migrate', command: ['up', '--', 'x'], afterDashes: false })).toEqual({
      kind: 'task',
      name: 'migrate',
      extra: ['up', '--', 'x'],
    });
  });

  it('a command after -- is always the command, and reads no task file', () => {
    expect(chooseTask({ command: ['migrate'], afterDashes: true })).toEqual({ kind: 'command' });
  });

  it('no command is no task', () => {
    expect(chooseTask({ command: [], afterDashes: false })).toEqual({ kind: 'command' });
  });

  it('NAME alone, or NAME -- ARGS, is the task when one is defined', () => {
    expect(decide(['migrate'])).toEqual({ kind: 'task', name: 'migrate', extra: [] });
    expect(decide(['migrate', '--', '--steps', '2'])).toEqual({
      kind: 'task',
      name: 'migrate',
      extra: ['--steps', '2'],
    });
    expect(decide(['migrate', '--'])).toEqual({ kind: 'task', name: 'migrate', extra: [] });
  });

  it('NAME ARGS without -- is refused when NAME is a task, showing both ways to say it', () => {
    const error = usage(() => decide(['migrate', 'up']));
    expect(error.exitCode).toBe(2);
    expect(error.fix).toContain('runvoy run migrate -- up');
    expect(error.fix).toContain('runvoy run [FLAGS] -- migrate up');
    expect(error.fix).not.toContain('flags go before');
  });

  it('says that runvoy flags go before the task name when a flag follows it', () => {
    const error = usage(() => decide(['migrate', '--cpu', '1024', '--', 'up']));
    expect(error.fix).toContain(
      "runvoy's own flags go before the task name: runvoy run [FLAGS] migrate [-- ARGS]",
    );
  });

  it('any other command runs as before', () => {
    expect(decide(['echo', 'hello'])).toEqual({ kind: 'command' });
    expect(decide(['ls', '-la'], [])).toEqual({ kind: 'command' });
  });

  it('refuses a near miss of a task name: did you mean', () => {
    const error = usage(() => decide(['migrat']));
    expect(error.what).toBe('migrat is not a task: did you mean migrate?');
    expect(error.why).toBe('The task files of /repo define: migrate, seed.');
    expect(error.fix).toContain('runvoy run [FLAGS] -- migrat');
  });

  it('refuses NAME -- ARGS when NAME is no task, even with no task file at all', () => {
    const none: TaskSearch = { from: '/home/me/app', to: '/home/me' };
    const choice = chooseTask({ command: ['migrate', '--', 'up'], afterDashes: false });
    if (choice.kind !== 'lookup') throw new Error('expected a lookup');
    const error = usage(() => decideTask(choice, [], none));
    expect(error.what).toBe('migrate is not a task.');
    expect(error.why).toBe(
      'No task file (runvoy.yml or .runvoy/*.yml) in /home/me/app or the directories above it, up to /home/me.',
    );
  });

  it('--task naming no task', () => {
    const error = taskNotFound('sed', NAMES, search);
    expect(error.what).toBe('--task sed: there is no such task; did you mean seed?');
  });
});

describe('taskCommand: the task command and the extra arguments', () => {
  it('adds them to an argument vector', () => {
    expect(taskCommand(['./migrate'], ['up', 'to 3'], false)).toEqual(['./migrate', 'up', 'to 3']);
  });

  it('is the extra arguments when the task has no command (the image entrypoint gets them)', () => {
    expect(taskCommand([], ['plan'], false)).toEqual(['plan']);
  });

  it('appends them quoted to a script', () => {
    expect(taskCommand(['./migrate.sh | tee log'], ['up', 'to 3'], true)).toEqual([
      "./migrate.sh | tee log up 'to 3'",
    ]);
    expect(taskCommand(['grep', 'a b'], ['f'], true)).toEqual(["grep 'a b' f"]);
  });

  it('leaves the command alone without extra arguments', () => {
    expect(taskCommand(['a b | c'], [], true)).toEqual(['a b | c']);
  });
});

describe('mergeTaskFlags: a task key acts as its flag; a flag given wins', () => {
  const full = task(`image: alpine:3.20
cpu: 1024
memory: 4096
arch: arm64
spot: true
lock: db
lockWait: 5m
timeout: 30m
tags: {team: data, env: prod}
taskRole: arn:aws:iam::123456789012:role/app
ephemeralStorage: 40
shell: true
command: echo hi
`);

  it('takes every key from the task when no flag is given', () => {
    const given: TaskRunFlags & { detach: boolean } = { detach: true };
    expect(mergeTaskFlags(given, full)).toEqual({
      detach: true,
      image: 'alpine:3.20',
      cpu: '1024',
      memory: '4096',
      arch: 'arm64',
      spot: true,
      lock: 'db',
      'lock-wait': '5m',
      timeout: '30m',
      shell: true,
      tag: ['team=data', 'env=prod'],
      'task-role': 'arn:aws:iam::123456789012:role/app',
      'ephemeral-storage': 40,
    });
  });

  it('keeps each flag given, and adds --tag after the task tags (the last of a key wins)', () => {
    const merged = mergeTaskFlags(
      {
        image: 'alpine:3.21',
        cpu: '2048',
        memory: '4096',
        arch: 'x86_64',
        spot: false,
        lock: 'other',
        'lock-wait': '0',
        timeout: '1h',
        tag: ['env=dev'],
        'task-role': 'arn:aws:iam::123456789012:role/other',
        'ephemeral-storage': 50,
      },
      full,
    );
    expect(merged).toMatchObject({
      image: 'alpine:3.21',
      cpu: '2048',
      arch: 'x86_64',
      spot: false,
      lock: 'other',
      'lock-wait': '0',
      timeout: '1h',
      tag: ['team=data', 'env=prod', 'env=dev'],
      'task-role': 'arn:aws:iam::123456789012:role/other',
      'ephemeral-storage': 50,
    });
  });

  it('refuses --cpu alone when the task memory does not fit it, naming both', () => {
    const error = usage(() => mergeTaskFlags({ cpu: '256' }, full));
    expect(error.what).toContain('.runvoy/t.yml:3 memory: "4096" is not valid');
    expect(error.what).toContain('--cpu 256');
    expect(error.what).toContain('pass --memory too');
  });

  it('keeps the task memory under --cpu when it fits', () => {
    expect(mergeTaskFlags({ cpu: '2048' }, full)).toMatchObject({ cpu: '2048', memory: '4096' });
  });
});
