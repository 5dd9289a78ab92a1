/**
 * Task files end to end (issue 14 item 4): `runvoy run migrate` from a task file sends the same RunTask
 * as the equivalent flags, and a mistake in a task file exits 2 naming file, line and key, with nothing
 * sent to AWS. The built CLI runs in a directory of its own (with a .git, so that the search for task
 * files stops there) against the emulator, through the recording proxy.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startAwsProxy, type AwsProxy, type ProxiedRequest } from '../support/aws-proxy.js';
import { newConfigDir, runCli, jsonResult, streamResult, streamError } from '../support/cli.js';
import { motoUrl, resetMoto, stopTasksAtOnce } from '../support/moto.js';

const IMAGE = 'public.ecr.aws/docker/library/alpine:3.20';
const ROLE = 'arn:aws:iam::123456789012:role/migrator';
const op = (r: ProxiedRequest) => r.operation.split('.').pop() ?? r.operation;

/** A project directory: a git root holding `files`. */
function project(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'runvoy-project-'));
  mkdirSync(join(root, '.git'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

interface RunTaskBody {
  clientToken?: string;
  startedBy?: string;
  overrides?: { containerOverrides?: Array<{ environment?: Array<{ name: string; value: string }> }> };
  tags?: Array<{ key: string; value: string }>;
}

/** A RunTask body without what differs per execution: its ID (token, startedBy, variable, tag) and fence. */
function withoutExecution(body: string): RunTaskBody {
  const doc = JSON.parse(body) as RunTaskBody;
  const perExecution = new Set(['RUNVOY_EXECUTION_ID', 'RUNVOY_LOCK_FENCE']);
  return {
    ...doc,
    clientToken: '<execution>',
    startedBy: '<execution>',
    overrides: {
      ...doc.overrides,
      containerOverrides: doc.overrides?.containerOverrides?.map((c) => ({
        ...c,
        environment: c.environment?.map((v) =>
          perExecution.has(v.name) ? { ...v, value: '<execution>' } : v,
        ),
      })),
    },
    tags: doc.tags?.map((t) => (t.key === 'runvoy:execution-id' ? { ...t, value: '<execution>' } : t)),
  };
}

const MIGRATE = `# The database migrations.
image: ${IMAGE}
cpu: 512
memory: 2048
spot: false
lock: db/migrate
lockWait: 2m
env:
  LOG_LEVEL: debug
  VERSION: 1.10
envFile: ../app.env
secrets:
  DB_PASSWORD: /runvoy/db/password
timeout: 10m
tags:
  team: data
taskRole: ${ROLE}
ephemeralStorage: 30
command: [./manage.py, migrate]
`;

describe('runvoy run NAME from a task file', () => {
  let configDir: string;
  let proxy: AwsProxy;

  beforeAll(async () => {
    await resetMoto();
    configDir = newConfigDir();
    const init = await runCli(['init', '--yes', '--vpc', 'default'], { configDir });
    expect(init.exitCode, init.stderr).toBe(0);
    await stopTasksAtOnce();
  });
  beforeEach(async () => {
    proxy = await startAwsProxy(motoUrl());
  });
  afterEach(async () => proxy.close());

  it('`run migrate -- --step 2` sends the same RegisterTaskDefinition and RunTask as the equivalent flags', async () => {
    const dir = project({
      '.runvoy/migrate.yml': MIGRATE,
      'app.env': 'APP_MODE=worker\nLOG_LEVEL=info\n',
    });
    const env = { AWS_ENDPOINT_URL: proxy.url };

    const fromFile = await runCli(['run', '--detach', 'migrate', '--', '--step', '2'], {
      configDir,
      env,
      cwd: dir,
    });
    expect(fromFile.exitCode, fromFile.stderr).toBe(0);
    expect(fromFile.stderr).toContain('Task migrate (.runvoy/migrate.yml:1)');
    const fileRequests = proxy.requests.splice(0);

    // The same run written as flags; `--` before the command, so no task file is read.
    const fromFlags = await runCli(
      [
        'run',
        '--detach',
        '--image',
        IMAGE,
        '--cpu',
        '512',
        '--memory',
        '2048',
        '--no-spot',
        '--lock',
        'db/migrate',
        '--lock-wait',
        '2m',
        '--env-file',
        join(dir, 'app.env'),
        '--env',
        'LOG_LEVEL=debug',
        '--env',
        'VERSION=1.10',
        '--secret',
        'DB_PASSWORD=/runvoy/db/password',
        '--timeout',
        '10m',
        '--tag',
        'team=data',
        '--task-role',
        ROLE,
        '--ephemeral-storage',
        '30',
        '--',
        './manage.py',
        'migrate',
        '--step',
        '2',
      ],
      { configDir, env, cwd: dir },
    );
    expect(fromFlags.exitCode, fromFlags.stderr).toBe(0);
    expect(fromFlags.stderr).not.toContain('Task migrate');
    const flagRequests = proxy.requests.splice(0);

    // The first run registered the task definition (its family is a hash of its content); the second found
    // it: the same family, so the same task definition.
    const registered = fileRequests.filter((r) => op(r) === 'RegisterTaskDefinition');
    expect(registered).toHaveLength(1);
    expect(JSON.parse(registered[0]?.body ?? '{}')).toMatchObject({
      taskRoleArn: ROLE,
      ephemeralStorage: { sizeInGiB: 30 },
      containerDefinitions: [
        { image: IMAGE, secrets: [{ name: 'DB_PASSWORD', valueFrom: '/runvoy/db/password' }] },
      ],
    });
    expect(flagRequests.filter((r) => op(r) === 'RegisterTaskDefinition')).toEqual([]);

    const runTask = (requests: ProxiedRequest[]) => requests.filter((r) => op(r) === 'RunTask').at(-1)?.body;
    const fileRunTask = withoutExecution(runTask(fileRequests) ?? '{}');
    const flagRunTask = withoutExecution(runTask(flagRequests) ?? '{}');
    expect(fileRunTask).toEqual(flagRunTask);
    // And it is the run that was asked for.
    expect(fileRunTask).toMatchObject({
      overrides: {
        cpu: '512',
        memory: '2048',
        containerOverrides: [
          {
            name: 'runner',
            command: ['./manage.py', 'migrate', '--step', '2'],
            environment: [
              { name: 'APP_MODE', value: 'worker' },
              { name: 'LOG_LEVEL', value: 'debug' },
              { name: 'VERSION', value: '1.10' },
              { name: 'RUNVOY_EXECUTION_ID', value: '<execution>' },
              { name: 'RUNVOY_LOCK_NAME', value: 'db/migrate' },
              { name: 'RUNVOY_LOCK_FENCE', value: '<execution>' },
            ],
          },
        ],
      },
      tags: expect.arrayContaining([{ key: 'team', value: 'data' }]),
    });
  });

  it('flags given on the command line override the file: --image, --cpu/--memory, --env, --tag, --lock', async () => {
    const dir = project({ '.runvoy/migrate.yml': MIGRATE, 'app.env': 'APP_MODE=worker\n' });
    const result = await runCli(
      [
        'run',
        '--dry-run',
        '--json',
        '--cpu',
        '1024',
        '--memory',
        '4096',
        '--env',
        'LOG_LEVEL=warn',
        '--tag',
        'team=web',
        '--lock',
        'other',
        'migrate',
      ],
      { configDir, env: { AWS_ENDPOINT_URL: proxy.url }, cwd: dir },
    );
    expect(result.exitCode, result.stderr).toBe(0);
    expect(streamResult(result.stdout)).toMatchObject({
      image: IMAGE,
      cpu: 1024,
      memory: 4096,
      lock: 'other',
      lockWaitMs: 120_000,
      timeoutMs: 600_000,
      env: ['APP_MODE', 'VERSION', 'LOG_LEVEL'],
      secrets: ['DB_PASSWORD'],
      tags: { team: 'web' },
      command: ['./manage.py', 'migrate'],
    });
    expect(proxy.requests.map(op).filter((o) => o === 'RunTask' || o === 'TransactWriteItems')).toEqual([]);
  });
});

describe('runvoy run NAME with a mistake in the task file', () => {
  let proxy: AwsProxy;
  beforeEach(async () => {
    proxy = await startAwsProxy(motoUrl());
  });
  afterEach(async () => proxy.close());

  const good = `tasks:\n  seed:\n    image: ${IMAGE}\n    command: [./seed.sh]\n`;
  const cases: Array<[string, Record<string, string>, string[], string]> = [
    [
      'a bad cpu',
      { 'runvoy.yml': `${good}  migrate:\n    image: ${IMAGE}\n    cpu: 300\n` },
      ['migrate'],
      'runvoy.yml:7 tasks.migrate.cpu: "300" is not valid',
    ],
    [
      'an unknown key',
      { '.runvoy/migrate.yml': `image: ${IMAGE}\ncommnad: [./migrate]\n` },
      ['migrate'],
      '.runvoy/migrate.yml:2 commnad: "commnad" is not valid. Allowed: one of the keys',
    ],
    [
      'a bad env name',
      { '.runvoy/migrate.yml': `image: ${IMAGE}\nenv:\n  LOG_LEVEL: debug\n  1X: y\n` },
      ['migrate'],
      '.runvoy/migrate.yml:4 env.1X: "1X" is not valid',
    ],
    [
      'a YAML syntax error',
      { 'runvoy.yml': `tasks:\n  migrate:\n    image: ${IMAGE}\n    command: [./migrate\n    cpu: 256\n` },
      ['migrate'],
      'runvoy.yml:5:5: the file is not valid YAML',
    ],
    [
      'a mistake in another task (every task is checked)',
      { 'runvoy.yml': `${good}  migrate:\n    arch: amd64\n` },
      ['seed'],
      'runvoy.yml:6 tasks.migrate.arch: "amd64" is not valid',
    ],
    [
      'a missing env file',
      { '.runvoy/migrate.yml': `image: ${IMAGE}\nenvFile: missing.env\n` },
      ['migrate'],
      '.runvoy/migrate.yml:2 envFile: missing.env cannot be read',
    ],
    [
      'a task that is also a command (arguments without --)',
      { 'runvoy.yml': good },
      ['seed', 'now'],
      'seed is a task, and arguments follow it without --',
    ],
    ['a near miss of a task name', { 'runvoy.yml': good }, ['sed'], 'sed is not a task: did you mean seed?'],
    [
      '--task naming no task',
      { 'runvoy.yml': good },
      ['--task', 'nope'],
      '--task nope: there is no such task',
    ],
  ];

  it.each(cases)('%s: exit 2, names it, sends nothing', async (_label, files, args, named) => {
    const dir = project(files);
    const result = await runCli(['run', ...args], {
      configDir: newConfigDir(),
      env: { AWS_ENDPOINT_URL: proxy.url },
      cwd: dir,
    });
    expect(result.exitCode, result.stderr).toBe(2);
    expect(result.stderr).toContain(named);
    expect(result.stderr).toContain('Nothing was sent to AWS');
    expect(proxy.requests).toHaveLength(0);
  });

  it('--json: the same error as a JSON event', async () => {
    const dir = project({ '.runvoy/migrate.yml': 'cpu: 300\n' });
    const result = await runCli(['run', '--json', 'migrate'], {
      configDir: newConfigDir(),
      env: { AWS_ENDPOINT_URL: proxy.url },
      cwd: dir,
    });
    expect(result.exitCode).toBe(2);
    expect(streamError(result.stdout)).toMatchObject({
      code: 'VALIDATION',
      exitCode: 2,
      message:
        '.runvoy/migrate.yml:1 cpu: "300" is not valid. Allowed: 256, 512, 1024, 2048, 4096, 8192, 16384.',
    });
    expect(proxy.requests).toHaveLength(0);
  });

  it('`run -- CMD` never reads task files: a broken one does not stop it', async () => {
    const dir = project({ 'runvoy.yml': 'tasks: [' });
    const result = await runCli(['run', '--image', 'Bad Image', '--', 'migrate'], {
      configDir: newConfigDir(),
      env: { AWS_ENDPOINT_URL: proxy.url },
      cwd: dir,
    });
    // It gets as far as checking the flags, and names the flag, not the file.
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--image: "Bad Image" is not valid');
    expect(result.stderr).not.toContain('runvoy.yml');
    expect(proxy.requests).toHaveLength(0);
  });
});

describe('runvoy tasks list', () => {
  it('lists the tasks of the nearest task files, from a subdirectory too, with no AWS request', async () => {
    const proxy = await startAwsProxy(motoUrl());
    try {
      const dir = project({
        'runvoy.yml': `tasks:\n  migrate:\n    image: ${IMAGE}\n    lock: db\n    command: [./manage.py, migrate]\n`,
        '.runvoy/dump.yml': 'shell: true\ncommand: pg_dump "$DB" | gzip\n',
        'src/app/.keep': '',
      });
      const env = { AWS_ENDPOINT_URL: proxy.url };
      const text = await runCli(['tasks', 'list'], { env, cwd: join(dir, 'src/app') });
      expect(text.exitCode, text.stderr).toBe(0);
      expect(text.stdout.split('\n')).toEqual([
        'NAME     FILE                      IMAGE                                      COMMAND                       LOCK',
        `migrate  ../../runvoy.yml:2        ${IMAGE}  ./manage.py migrate           db`,
        `dump     ../../.runvoy/dump.yml:1  (config image)                             sh -c 'pg_dump "$DB" | gzip'  -`,
        '',
      ]);

      const json = await runCli(['tasks', 'list', '--json'], { env, cwd: dir });
      expect(json.exitCode, json.stderr).toBe(0);
      expect(jsonResult(json.stdout)).toMatchObject({
        tasks: [
          { name: 'migrate', file: 'runvoy.yml', line: 2, image: IMAGE, lock: 'db' },
          { name: 'dump', file: '.runvoy/dump.yml', line: 1, shell: true, command: ['pg_dump "$DB" | gzip'] },
        ],
      });
      expect(proxy.requests).toHaveLength(0);
    } finally {
      await proxy.close();
    }
  });

  it('says where it looked when there is no task file', async () => {
    const dir = project({});
    const result = await runCli(['tasks', 'list'], { cwd: dir, emulator: false });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`No task file (runvoy.yml or .runvoy/*.yml) in ${dir}`);
  });
});
