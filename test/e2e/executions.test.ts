/**
 * `list`, `status`, `kill`, `reconcile` and `audit` end to end: the built CLI against the emulator
 * (issue 6, "Must show"). Stacks are made with `init --vpc default`, as in run.test.ts.
 */
import { spawn } from 'node:child_process';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { executionRecord } from '../support/records.js';
import { executionItem, type ExecutionRecord } from '../../src/core/execution.js';
import { startAwsProxy } from '../support/aws-proxy.js';
import {
  awsCli,
  cliCommand,
  cliEnv,
  type CliResult,
  newConfigDir,
  runCli,
  jsonResult,
} from '../support/cli.js';
import { emulatorState, disagreements, stopTask, type ExecutionRow } from '../support/emulator-state.js';
import { keepTasksRunning, motoUrl, resetMoto, sdkConfig, TEST_ACCOUNT } from '../support/moto.js';

const IMAGE = 'public.ecr.aws/docker/library/alpine:3.20';
const CALLER = `arn:aws:sts::${TEST_ACCOUNT}:user/moto`;
const op = (operation: string) => operation.split('.').pop() ?? operation;

interface Report {
  dryRun: boolean;
  counts: Record<string, number>;
  actions: Array<{ action: string; executionId?: string; lockName?: string; to?: string }>;
}

let configDir: string;

const cli = (args: string[], env?: Record<string, string>) => runCli(args, { configDir, env });

function json<T>(result: CliResult): T {
  expect(result.exitCode, result.stderr).toBe(0);
  return jsonResult<T>(result.stdout);
}

async function detachedRun(...extra: string[]): Promise<string> {
  const result = await cli(['run', '--detach', '--image', IMAGE, ...extra, '--', 'sleep', '600']);
  expect(result.exitCode, result.stderr).toBe(0);
  return result.stdout.trim();
}

async function execution(id: string): Promise<ExecutionRow> {
  const found = (await emulatorState()).executions.find((e) => e.id === id);
  if (!found) throw new Error(`no record ${id}`);
  return found;
}

async function putRecords(records: ExecutionRecord[]): Promise<void> {
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient(sdkConfig()));
  try {
    const { outputs } = await emulatorState();
    for (const record of records) {
      await doc.send(new PutCommand({ TableName: outputs.TableName, Item: executionItem(record) }));
    }
  } finally {
    doc.destroy();
  }
}

function seeded(id: string, overrides: Partial<ExecutionRecord> = {}): ExecutionRecord {
  return executionRecord({
    id,
    status: 'SUCCEEDED',
    callerArn: CALLER,
    host: 'seed',
    command: ['true'],
    image: IMAGE,
    createdAt: new Date().toISOString(),
    ...overrides,
  });
}

describe('executions against the emulator', () => {
  beforeEach(async () => {
    await resetMoto();
    configDir = newConfigDir();
    const init = await runCli(['init', '--yes', '--vpc', 'default'], { configDir });
    expect(init.exitCode, init.stderr).toBe(0);
    await keepTasksRunning();
  });

  it('three detached runs whose tasks then stop: reconcile --json finalises three and frees their locks; a second reconcile changes nothing', async () => {
    const ids = [
      await detachedRun('--lock', 'a'),
      await detachedRun('--lock', 'b'),
      await detachedRun('--lock', 'c'),
    ];
    for (const id of ids) await stopTask((await execution(id)).taskArn ?? '');
    expect((await emulatorState()).locks.filter((l) => l.state === 'HELD')).toHaveLength(3);

    const first = json<Report>(await cli(['reconcile', '--json']));
    expect(first.counts).toMatchObject({ active: 3, finalised: 3, lost: 0, adopted: 0, locksReleased: 3 });
    expect(
      first.actions
        .filter((a) => a.action === 'finalise')
        .map((a) => a.executionId)
        .sort(),
    ).toEqual([...ids].sort());
    const state = await emulatorState();
    expect(state.executions.map((e) => e.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(state.locks.map((l) => l.state)).toEqual(['FREE', 'FREE', 'FREE']);
    expect(disagreements(state)).toEqual([]);

    const second = json<Report>(await cli(['reconcile', '--json']));
    expect(second.actions).toEqual([]);
    expect(second.counts).toMatchObject({
      active: 0,
      finalised: 0,
      lost: 0,
      adopted: 0,
      progressed: 0,
      timeoutsEnforced: 0,
      locksReleased: 0,
    });
    expect(await emulatorState()).toEqual(state);
  });

  it('a task started with `aws ecs run-task` on the runvoy cluster appears in `list` after reconcile, with origin adopted', async () => {
    const { outputs } = await emulatorState();
    awsCli([
      'ecs',
      'register-task-definition',
      '--family',
      'adhoc',
      '--requires-compatibilities',
      'FARGATE',
      '--network-mode',
      'awsvpc',
      '--cpu',
      '512',
      '--memory',
      '1024',
      '--container-definitions',
      JSON.stringify([
        { name: 'job', image: 'busybox:1.36', command: ['sh', '-c', 'date'], memoryReservation: 128 },
      ]),
    ]);
    const started = awsCli([
      'ecs',
      'run-task',
      '--cluster',
      outputs.ClusterName ?? '',
      '--task-definition',
      'adhoc',
      '--launch-type',
      'FARGATE',
      '--network-configuration',
      JSON.stringify({
        awsvpcConfiguration: {
          subnets: (outputs.SubnetIds ?? '').split(','),
          securityGroups: [outputs.SecurityGroupId],
          assignPublicIp: 'ENABLED',
        },
      }),
      '--overrides',
      JSON.stringify({ containerOverrides: [{ name: 'job', command: ['echo', 'by hand'] }] }),
    ]) as { tasks: Array<{ taskArn: string }> };
    const taskArn = started.tasks[0]?.taskArn ?? '';
    expect(disagreements(await emulatorState())).toEqual([`task ${taskArn} has no record`]);

    const report = json<Report>(await cli(['reconcile', '--json']));
    expect(report.counts).toMatchObject({ adopted: 1, finalised: 0 });

    const listed = json<{ executions: ExecutionRow[] }>(await cli(['list', '--json']));
    expect(listed.executions).toHaveLength(1);
    expect(listed.executions[0]).toMatchObject({
      origin: 'adopted',
      status: 'RUNNING',
      taskArn,
      image: 'busybox:1.36',
      command: ['echo', 'by hand'],
      cpu: 512,
      memory: 1024,
      callerArn: 'unknown',
    });
    const table = await cli(['list']);
    expect(table.stdout).toContain('RUNNING*');
    expect(table.stdout).toContain('busybox:1.36');

    expect(json<Report>(await cli(['reconcile', '--json'])).actions).toEqual([]);
    const audit = json<{ events: Array<{ action: string; executionId: string; what: string }> }>(
      await cli(['audit', '--json']),
    );
    expect(audit.events).toContainEqual(
      expect.objectContaining({
        action: 'adopt',
        executionId: listed.executions[0]?.id,
        what: 'busybox:1.36 -- echo by hand',
      }),
    );
    expect(disagreements(await emulatorState())).toEqual([]);
  });

  it('`kill ID` on a detached run stops its task; status shows STOPPED and who killed it; a second kill changes nothing', async () => {
    const id = await detachedRun('--lock', 'deploy');
    const killed = await cli(['kill', id.slice(0, 6)]);
    expect(killed.exitCode, killed.stderr).toBe(0);
    expect(killed.stdout).toContain(`Stopped ${id}: STOPPED, killed by ${CALLER}`);

    const state = await emulatorState();
    const task = state.tasks.find((t) => t.taskArn === state.executions[0]?.taskArn);
    expect(task).toMatchObject({ lastStatus: 'STOPPED', stoppedReason: `runvoy: killed by ${CALLER}` });
    expect(state.locks[0]).toMatchObject({ name: 'deploy', state: 'FREE' });

    const status = json<{ execution: ExecutionRow; links: { task: string; logs: string } }>(
      await cli(['status', id, '--json']),
    );
    expect(status.execution).toMatchObject({ id, status: 'STOPPED', killedBy: CALLER });
    expect(Date.parse(status.execution.killedAt ?? '')).not.toBeNaN();
    expect(status.links.task).toContain(`/ecs/v2/clusters/${state.outputs.ClusterName}/tasks/`);
    expect(status.links.logs).toContain('#logsV2:log-groups/log-group/');
    const text = await cli(['status', id]);
    expect(text.stdout).toMatch(/status\s+STOPPED/);
    expect(text.stdout).toMatch(new RegExp(`killed by\\s+${CALLER}`));

    const again = await cli(['kill', id, '--json']);
    expect(json<{ outcome: string }>(again).outcome).toBe('already-finished');
    const audit = json<{ events: Array<{ action: string; executionId: string; who: string }> }>(
      await cli(['audit', '--json']),
    );
    expect(audit.events.filter((e) => e.action === 'kill')).toEqual([
      expect.objectContaining({ executionId: id, who: CALLER }),
    ]);
  });

  it('an attached `run` watching a run that `kill` stops reports STOPPED and exits 130', async () => {
    const child = spawn(...cliCommand(['run', '--image', IMAGE, '--', 'sleep', '600']), {
      env: cliEnv(configDir),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
    let id: string | undefined;
    for (let i = 0; i < 300 && !id; i++) {
      id = (await emulatorState()).executions.find((e) => e.taskArn)?.id;
      if (!id) await new Promise((r) => setTimeout(r, 200));
    }
    expect(id).toBeDefined();
    const killed = await cli(['kill', id ?? '']);
    expect(killed.exitCode, killed.stderr).toBe(0);
    expect(await exited).toBe(130);
    expect(stderr).toContain('STOPPED');
    expect(await execution(id ?? '')).toMatchObject({ status: 'STOPPED', killedBy: CALLER });
  });

  it('list is newest first, filters by status, user, lock, image and since, pages with a cursor, and never scans', async () => {
    const base = Date.now() - 60 * 60_000;
    const at = (minutes: number) => new Date(base + minutes * 60_000).toISOString();
    await putRecords([
      seeded('aaaa00000001', { createdAt: at(1), lockName: 'deploy', fence: 1 }),
      seeded('aaaa00000002', { createdAt: at(2), status: 'FAILED', exitCode: 1, image: 'other:1' }),
      seeded('aaaa00000003', {
        createdAt: at(3),
        callerArn: 'arn:aws:sts::123456789012:assumed-role/Dev/bob',
      }),
      seeded('aaaa00000004', { createdAt: at(4), status: 'LOST' }),
      seeded('aaaa00000005', { createdAt: at(5), lockName: 'deploy', fence: 2, status: 'STOPPED' }),
    ]);
    const proxy = await startAwsProxy(motoUrl());
    const viaProxy = { AWS_ENDPOINT_URL: proxy.url };
    try {
      const ids = (r: CliResult) => json<{ executions: ExecutionRow[] }>(r).executions.map((e) => e.id);
      expect(ids(await cli(['list', '--json'], viaProxy))).toEqual([
        'aaaa00000005',
        'aaaa00000004',
        'aaaa00000003',
        'aaaa00000002',
        'aaaa00000001',
      ]);
      expect(ids(await cli(['ps', '--json', '--status', 'failed,LOST'], viaProxy))).toEqual([
        'aaaa00000004',
        'aaaa00000002',
      ]);
      expect(ids(await cli(['list', '--json', '--user', 'me', '--since', '57m'], viaProxy))).toEqual([
        'aaaa00000005',
        'aaaa00000004',
      ]);
      expect(
        ids(
          await cli(['list', '--json', '--user', 'arn:aws:sts::123456789012:assumed-role/Dev/bob'], viaProxy),
        ),
      ).toEqual(['aaaa00000003']);
      expect(ids(await cli(['list', '--json', '--lock', 'deploy'], viaProxy))).toEqual([
        'aaaa00000005',
        'aaaa00000001',
      ]);
      expect(ids(await cli(['list', '--json', '--image', 'other:1'], viaProxy))).toEqual(['aaaa00000002']);

      const page1 = json<{ executions: ExecutionRow[]; cursor: string }>(
        await cli(['list', '--json', '--limit', '2'], viaProxy),
      );
      expect(page1.executions.map((e) => e.id)).toEqual(['aaaa00000005', 'aaaa00000004']);
      const page2 = json<{ executions: ExecutionRow[]; cursor?: string }>(
        await cli(['list', '--json', '--limit', '2', '--cursor', page1.cursor], viaProxy),
      );
      expect(page2.executions.map((e) => e.id)).toEqual(['aaaa00000003', 'aaaa00000002']);
      const tty = await cli(['list', '--limit', '2'], viaProxy);
      expect(tty.stderr).toContain('runvoy list --cursor ');

      const ops = proxy.requests.map((r) => op(r.operation));
      expect(ops).toContain('Query');
      expect(ops).not.toContain('Scan');
    } finally {
      await proxy.close();
    }
  });

  it('list and status refresh the rows they show with one DescribeTasks call and finalise stopped ones', async () => {
    const a = await detachedRun();
    const b = await detachedRun();
    await stopTask((await execution(a)).taskArn ?? '');
    const proxy = await startAwsProxy(motoUrl());
    try {
      const listed = json<{ executions: ExecutionRow[]; refreshed: string[] }>(
        await cli(['list', '--json'], { AWS_ENDPOINT_URL: proxy.url }),
      );
      expect(listed.refreshed).toEqual([a]);
      expect(Object.fromEntries(listed.executions.map((e) => [e.id, e.status]))).toEqual({
        [a]: 'SUCCEEDED',
        [b]: 'RUNNING',
      });
      expect(proxy.requests.filter((r) => op(r.operation) === 'DescribeTasks')).toHaveLength(1);
    } finally {
      await proxy.close();
    }
    expect((await execution(a)).status).toBe('SUCCEEDED');
    await stopTask((await execution(b)).taskArn ?? '');
    const status = json<{ execution: ExecutionRow; refreshed: boolean }>(await cli(['status', b, '--json']));
    expect(status).toMatchObject({ refreshed: true, execution: { status: 'SUCCEEDED' } });
  });

  it('reconcile marks LOST what ECS does not know after the grace period, enforces passed timeouts, and --dry-run writes nothing', async () => {
    const gone = 'arn:aws:ecs:us-east-1:123456789012:task/runvoy/00000000000000000000000000000000';
    await putRecords([
      seeded('bbbb00000001', {
        status: 'RUNNING',
        taskArn: gone,
        createdAt: new Date(Date.now() - 30 * 60_000).toISOString(),
      }),
      seeded('bbbb00000002', {
        status: 'RUNNING',
        taskArn: gone,
        createdAt: new Date(Date.now() - 8 * 60_000).toISOString(),
      }),
    ]);
    const timed = await detachedRun('--timeout', '1h', '--lock', 'job');
    const doc = DynamoDBDocumentClient.from(new DynamoDBClient(sdkConfig()));
    try {
      const { outputs } = await emulatorState();
      await doc.send(
        new UpdateCommand({
          TableName: outputs.TableName,
          Key: { pk: `EXEC#${timed}`, sk: 'META' },
          UpdateExpression: 'SET timeoutAt = :past',
          ExpressionAttributeValues: { ':past': new Date(Date.now() - 1000).toISOString() },
        }),
      );
    } finally {
      doc.destroy();
    }
    const before = await emulatorState();

    const dry = json<Report>(await cli(['reconcile', '--dry-run', '--json']));
    expect(dry).toMatchObject({ dryRun: true, counts: { lost: 1, timeoutsEnforced: 1, unchanged: 1 } });
    expect(await emulatorState()).toEqual(before);
    const dryText = await cli(['reconcile', '--dry-run']);
    expect(dryText.stdout).toContain('Dry run, nothing changed.');

    const real = json<Report>(await cli(['reconcile', '--json']));
    expect(real.counts).toMatchObject({
      lost: 1,
      timeoutsEnforced: 1,
      finalised: 1,
      locksReleased: 1,
      unchanged: 1,
    });
    expect((await execution('bbbb00000001')).status).toBe('LOST');
    expect((await execution('bbbb00000002')).status).toBe('RUNNING');
    expect((await execution(timed)).status).toBe('TIMED_OUT');

    const patient = json<Report>(await cli(['reconcile', '--json', '--grace', '1h']));
    expect(patient.actions).toEqual([]);
    // The shortest grace allowed (the RunTask deadline plus its margin, 7m) marks the 8-minute-old one LOST.
    const eager = json<Report>(await cli(['reconcile', '--json', '--grace', '7m']));
    expect(eager.actions).toEqual([expect.objectContaining({ action: 'lost', executionId: 'bbbb00000002' })]);
  });

  it('status resolves a unique prefix, and an ambiguous one exits 2 listing the candidates', async () => {
    await putRecords([seeded('cccc00000001'), seeded('cccc00000002'), seeded('cccd00000003')]);
    const unique = await cli(['status', 'cccd', '--json']);
    expect(json<{ execution: ExecutionRow }>(unique).execution.id).toBe('cccd00000003');
    const ambiguous = await cli(['status', 'cccc']);
    expect(ambiguous.exitCode).toBe(2);
    expect(ambiguous.stderr).toContain('cccc00000001');
    expect(ambiguous.stderr).toContain('cccc00000002');
  });

  it('audit lists runs, kills and forced lock releases with who, host and outcome, as table, json and csv', async () => {
    const id = await detachedRun('--lock', 'deploy');
    const released = await cli(['locks', 'release', 'deploy', '--force', '--yes']);
    expect(released.exitCode, released.stderr).toBe(0);
    expect((await cli(['kill', id])).exitCode).toBe(0);

    const audit = json<{ events: Array<Record<string, string>> }>(
      await cli(['audit', '--since', '1h', '--format', 'json']),
    );
    expect(audit.events.map((e) => e.action)).toEqual(['run', 'lock-force-release', 'kill']);
    expect(audit.events[0]).toMatchObject({
      who: CALLER,
      executionId: id,
      outcome: 'STOPPED (exit 0)',
      what: `${IMAGE} -- sleep 600`,
    });
    expect(audit.events[0]?.host).toBeTruthy();

    const csv = await cli(['audit', '--format', 'csv']);
    expect(csv.exitCode, csv.stderr).toBe(0);
    const lines = csv.stdout.trimEnd().split('\r\n');
    expect(lines[0]).toBe('at,action,who,host,executionId,lockName,what,outcome');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toContain(`,run,${CALLER},`);

    const table = await cli(['audit']);
    expect(table.stdout).toContain('lock-force-release');
    const bad = await cli(['audit', '--format', 'xml']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('--format');
  });

  it('refuses bad flags with exit 2 and sends nothing to AWS', async () => {
    const proxy = await startAwsProxy(motoUrl());
    try {
      const env = { AWS_ENDPOINT_URL: proxy.url };
      for (const args of [
        ['list', '--status', 'DONE'],
        ['list', '--user', 'alice'],
        ['list', '--since', 'yesterday'],
        ['list', '--limit', '0'],
        ['status', 'ab'],
        ['kill', 'not-an-id!'],
        ['reconcile', '--grace', 'soon'],
        ['reconcile', '--grace', '0s'],
        ['audit', '--since', 'nope'],
      ]) {
        const result = await cli(args, env);
        expect(result.exitCode, `${args.join(' ')}: ${result.stderr}`).toBe(2);
      }
      expect(proxy.requests).toEqual([]);
    } finally {
      await proxy.close();
    }
  });
});
