import { describe, expect, it } from 'vitest';
import { UsageError, type ValidationIssue } from '../../../src/core/errors.js';
import {
  parseTaskFiles,
  taskEnvironment,
  type Task,
  type TaskFileSource,
} from '../../../src/core/task-file.js';

const IMAGE = 'public.ecr.aws/docker/library/alpine:3.20';

const multi = (text: string, path = 'runvoy.yml'): TaskFileSource => ({ path, dir: '/repo', text });
const single = (task: string, text: string): TaskFileSource => ({
  path: `.runvoy/${task}.yml`,
  dir: '/repo/.runvoy',
  text,
  task,
});

function failure(run: () => unknown): UsageError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    return error as UsageError;
  }
  throw new Error('expected a usage error');
}

const issuesOf = (run: () => unknown) => (failure(run).data?.issues ?? []) as ValidationIssue[];

function only(sources: TaskFileSource[]): Task {
  const tasks = parseTaskFiles(sources);
  expect(tasks).toHaveLength(1);
  return tasks[0] as Task;
}

describe('parseTaskFiles: the keys', () => {
  it('reads every key of a runvoy.yml task, with the line of each', () => {
    const task = only([
      multi(`tasks:
  migrate:
    description: Run the migrations
    image: ${IMAGE}
    cpu: 512
    memory: 2048
    arch: arm64
    spot: true
    lock: db/migrate
    lockWait: 10m
    env:
      LOG_LEVEL: debug
      VERSION: 1.10
      EMPTY: ''
    envFile: [.env, config/more.env]
    secrets:
      DB_PASSWORD: /prod/db/password
    timeout: 30m
    tags:
      team: data
      cost-centre: 42
    taskRole: arn:aws:iam::123456789012:role/migrator
    ephemeralStorage: 30
    shell: false
    command: [./manage.py, migrate, 1]
`),
    ]);
    expect(task).toMatchObject({
      name: 'migrate',
      file: 'runvoy.yml',
      line: 2,
      description: 'Run the migrations',
      image: IMAGE,
      cpu: 512,
      memory: 2048,
      arch: 'arm64',
      spot: true,
      lock: 'db/migrate',
      lockWait: '10m',
      // Numbers keep the text they were written with: 1.10 is not 1.1.
      env: [
        { name: 'LOG_LEVEL', value: 'debug' },
        { name: 'VERSION', value: '1.10' },
        { name: 'EMPTY', value: '' },
      ],
      envFiles: [
        { path: '/repo/.env', written: '.env', field: 'runvoy.yml:15 tasks.migrate.envFile[0]' },
        { path: '/repo/config/more.env', written: 'config/more.env' },
      ],
      secrets: [{ name: 'DB_PASSWORD', valueFrom: '/prod/db/password' }],
      timeout: '30m',
      tags: { team: 'data', 'cost-centre': '42' },
      taskRole: 'arn:aws:iam::123456789012:role/migrator',
      ephemeralStorage: 30,
      shell: false,
      command: ['./manage.py', 'migrate', '1'],
    });
    expect(task.fields.cpu).toBe('runvoy.yml:5 tasks.migrate.cpu');
    expect(task.fields.command).toBe('runvoy.yml:25 tasks.migrate.command');
  });

  it('names a .runvoy/NAME.yml task after its file; envFile is relative to the file', () => {
    const task = only([single('seed', `image: ${IMAGE}\nenvFile: ../.env\ncommand: [./seed.sh]\n`)]);
    expect(task).toMatchObject({ name: 'seed', file: '.runvoy/seed.yml', line: 1, command: ['./seed.sh'] });
    expect(task.envFiles[0]?.path).toBe('/repo/.env');
  });

  it('takes a string command only with shell: true, as the script', () => {
    const task = only([single('dump', 'shell: true\ncommand: pg_dump "$DB" | gzip > /tmp/x\n')]);
    expect(task).toMatchObject({ shell: true, command: ['pg_dump "$DB" | gzip > /tmp/x'] });

    const issues = issuesOf(() => parseTaskFiles([single('dump', 'command: pg_dump | gzip\n')]));
    expect(issues).toEqual([
      expect.objectContaining({
        field: '.runvoy/dump.yml:1 command',
        hint: 'A string is a shell script: add `shell: true` to run it with sh -c.',
      }),
    ]);
  });

  it('reads aliases', () => {
    const task = only([
      multi(`tasks:\n  a:\n    image: &img ${IMAGE}\n    lock: x\n    tags: {image: *img}\n`),
    ]);
    expect(task.image).toBe(IMAGE);
  });
});

describe('parseTaskFiles: every mistake names the file, the line and the key (exit 2)', () => {
  const cases: Array<[string, TaskFileSource, string, string]> = [
    ['a bad cpu', multi('tasks:\n  m:\n    cpu: 300\n'), 'runvoy.yml:3 tasks.m.cpu', '300'],
    [
      'memory that does not fit the cpu',
      multi('tasks:\n  m:\n    cpu: 1024\n    memory: 512\n'),
      'runvoy.yml:4 tasks.m.memory',
      '512',
    ],
    ['memory without cpu', single('m', 'memory: 2048\n'), '.runvoy/m.yml:1 memory', '2048'],
    ['an unknown arch', single('m', 'arch: amd64\n'), '.runvoy/m.yml:1 arch', 'amd64'],
    ['a bad image', single('m', 'image: Bad Image\n'), '.runvoy/m.yml:1 image', 'Bad Image'],
    ['a bad env name', multi('tasks:\n  m:\n    env:\n      1X: y\n'), 'runvoy.yml:4 tasks.m.env.1X', '1X'],
    ['a reserved env name', single('m', 'env:\n  RUNVOY_X: y\n'), '.runvoy/m.yml:2 env.RUNVOY_X', 'RUNVOY_X'],
    ['an env value that is a map', single('m', 'env:\n  A: {b: 1}\n'), '.runvoy/m.yml:2 env.A', '{b: 1}'],
    ['an env with no value', single('m', 'env:\n  A:\n'), '.runvoy/m.yml:2 env.A', ''],
    ['env as a list', single('m', 'env: [A=1]\n'), '.runvoy/m.yml:1 env', '[A=1]'],
    [
      'a secret that is no reference',
      single('m', 'secrets:\n  DB: hunter2\n'),
      '.runvoy/m.yml:2 secrets.DB',
      'DB=<hidden>',
    ],
    [
      'a name both in env and secrets',
      single('m', 'env: {DB: x}\nsecrets: {DB: /p/db}\n'),
      '.runvoy/m.yml:1 env and .runvoy/m.yml:2 secrets',
      'DB',
    ],
    ['a lock name with //', single('m', 'lock: a//b\n'), '.runvoy/m.yml:1 lock', 'a//b'],
    ['lockWait without lock', single('m', 'lockWait: 5m\n'), '.runvoy/m.yml:1 lockWait', '5m'],
    ['a bad lockWait', single('m', 'lock: a\nlockWait: soon\n'), '.runvoy/m.yml:2 lockWait', 'soon'],
    ['a timeout under a minute', single('m', 'timeout: 30s\n'), '.runvoy/m.yml:1 timeout', '30s'],
    ['a reserved tag key', single('m', 'tags:\n  aws:x: y\n'), '.runvoy/m.yml:2 tags.aws:x', 'aws:x=y'],
    ['a task role that is no ARN', single('m', 'taskRole: admin\n'), '.runvoy/m.yml:1 taskRole', 'admin'],
    ['10 GiB of storage', single('m', 'ephemeralStorage: 10\n'), '.runvoy/m.yml:1 ephemeralStorage', '10'],
    [
      'storage that is no number',
      single('m', 'ephemeralStorage: lots\n'),
      '.runvoy/m.yml:1 ephemeralStorage',
      'lots',
    ],
    ['spot: "yes" (a string)', single('m', 'spot: "yes"\n'), '.runvoy/m.yml:1 spot', 'yes'],
    [
      'a command item that is a map',
      single('m', 'command:\n  - echo\n  - {a: b}\n'),
      '.runvoy/m.yml:3 command[1]',
      '{a: b}',
    ],
    ['an image with no value', single('m', 'image:\n'), '.runvoy/m.yml:1 image', ''],
    ['a bad task name', multi('tasks:\n  -rf:\n    image: x\n'), 'runvoy.yml:2 tasks', '-rf'],
    ['a bad task file name', single('has space', 'image: x\n'), '.runvoy/has space.yml', 'has space'],
    ['a task that is not a map', multi('tasks:\n  m: echo hi\n'), 'runvoy.yml:2 tasks.m', 'echo hi'],
    ['an empty task file', single('m', '# nothing yet\n'), '.runvoy/m.yml:1', ''],
    ['runvoy.yml without tasks', multi('image: x\n'), 'runvoy.yml:1 image', 'image'],
  ];

  it.each(cases)('%s', (_label, source, field, value) => {
    const issues = issuesOf(() => parseTaskFiles([source]));
    expect(issues).toContainEqual(expect.objectContaining({ field, value }));
  });

  it('an unknown key, with the key it is close to', () => {
    const error = failure(() => parseTaskFiles([multi('tasks:\n  m:\n    image: x\n    cpus: 1024\n')]));
    expect(error.what).toBe(
      'runvoy.yml:4 tasks.m.cpus: "cpus" is not valid. Allowed: one of the keys description, image, cpu, memory, arch, spot, lock, lockWait, env, envFile, secrets, timeout, tags, taskRole, ephemeralStorage, shell, command. Did you mean cpu?',
    );
    expect(error.fix).toContain('Nothing was sent to AWS');
    for (const [typo, key] of [
      ['lock_wait', 'lockWait'],
      ['env-file', 'envFile'],
      ['secret', 'secrets'],
      ['commmand', 'command'],
    ]) {
      const issues = issuesOf(() => parseTaskFiles([single('m', `${typo}: x\n`)]));
      expect(issues[0]?.hint).toBe(`Did you mean ${key}?`);
    }
  });

  it('a YAML syntax error: file, line and column, and the text around it', () => {
    const error = failure(() =>
      parseTaskFiles([multi('tasks:\n  m:\n    command: [echo, hi\n    cpu: 256\n')]),
    );
    expect(error.what).toMatch(/^runvoy\.yml:\d+:\d+: the file is not valid YAML: /);
    expect(error.code).toBe('TASK_FILE_SYNTAX');
    expect(error.fix).toContain('Nothing was sent to AWS');
  });

  it('a key twice in one map is a YAML error', () => {
    const error = failure(() => parseTaskFiles([multi('tasks:\n  m:\n    cpu: 256\n    cpu: 512\n')]));
    expect(error.what).toMatch(/^runvoy\.yml:4:5: the file is not valid YAML: Map keys must be unique/);
  });

  it('reports every mistake of every file at once', () => {
    const issues = issuesOf(() =>
      parseTaskFiles([multi('tasks:\n  a:\n    cpu: 3\n  b:\n    arch: z\n'), single('c', 'lock: ""\n')]),
    );
    expect(issues.map((i) => i.field)).toEqual([
      'runvoy.yml:3 tasks.a.cpu',
      'runvoy.yml:5 tasks.b.arch',
      '.runvoy/c.yml:1 lock',
    ]);
  });
});

describe('parseTaskFiles: names', () => {
  it('allows runvoy.yml and .runvoy/ together', () => {
    const tasks = parseTaskFiles([multi('tasks:\n  a: {image: x}\n'), single('b', 'image: y\n')]);
    expect(tasks.map((t) => t.name)).toEqual(['a', 'b']);
  });

  it('refuses a name defined twice, naming both places', () => {
    const issues = issuesOf(() =>
      parseTaskFiles([
        multi('tasks:\n  other: {}\n  migrate:\n    image: x\n'),
        single('migrate', 'image: y\n'),
      ]),
    );
    expect(issues).toEqual([
      expect.objectContaining({
        field: '.runvoy/migrate.yml:1',
        value: 'migrate',
        hint: 'migrate is also defined at runvoy.yml:3.',
      }),
    ]);
  });

  it('an empty tasks map is no task', () => {
    expect(parseTaskFiles([multi('tasks: {}\n')])).toEqual([]);
  });
});

describe('taskEnvironment', () => {
  const task = (text: string) => only([single('m', text)]);

  it('reads the env files in order, then env; a later value of a name wins (as --env-file, then --env)', () => {
    const env = taskEnvironment(task('envFile: [a.env, b.env]\nenv: {B: from-map}\n'), [
      'A=1\nB=from-a\nC=3\n',
      'C=from-b\n',
    ]);
    expect(env.env).toEqual([
      { name: 'A', value: '1' },
      { name: 'C', value: 'from-b' },
      { name: 'B', value: 'from-map' },
    ]);
  });

  it('names the task file, the key and the env file line of a bad line', () => {
    const issues = issuesOf(() => taskEnvironment(task('envFile: a.env\n'), ['GOOD=1\n1X=y\n']));
    expect(issues).toEqual([
      expect.objectContaining({ field: '.runvoy/m.yml:1 envFile a.env:2', value: '1X' }),
    ]);
  });

  it('refuses a variable of an env file that is also a secret', () => {
    const issues = issuesOf(() =>
      taskEnvironment(task('envFile: a.env\nsecrets: {DB: /p/db}\n'), ['DB=x\n']),
    );
    expect(issues[0]).toMatchObject({ value: 'DB', allowed: 'each variable name once' });
  });
});
