/**
 * `runvoy locks list|status|release` and `run --lock-wait`, end to end against the emulator. Stacks are made
 * with `init --vpc default` (moto's RunTask fails in the template's own VPC).
 */
import { spawn } from 'node:child_process';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { startAwsProxy } from '../support/aws-proxy.js';
import {
  cliCommand,
  cliEnv,
  type CliResult,
  newConfigDir,
  runCli,
  jsonResult,
  streamResult,
} from '../support/cli.js';
import { stackOutputs, stopTask } from '../support/emulator-state.js';
import {
  keepTasksRunning,
  motoUrl,
  resetMoto,
  sdkConfig,
  stopTasksAtOnce,
  TEST_ACCOUNT,
} from '../support/moto.js';

const IMAGE = 'public.ecr.aws/docker/library/alpine:3.20';
const CALLER = `arn:aws:sts::${TEST_ACCOUNT}:user/moto`;

interface Lock_ {
  name: string;
  state: string;
  fence: number;
  holderExecutionId?: string;
  holderArn?: string;
  version: string;
}

interface Audit_ {
  action: string;
  actorArn: string;
  executionId?: string;
  lockName?: string;
  at: string;
  detail?: Record<string, unknown>;
}

async function withDocuments<T>(fn: (doc: DynamoDBDocumentClient, table: string) => Promise<T>): Promise<T> {
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient(sdkConfig()));
  try {
    return await fn(doc, (await stackOutputs()).TableName ?? '');
  } finally {
    doc.destroy();
  }
}

const lockItem = (name: string) =>
  withDocuments(async (doc, TableName) => {
    const out = await doc.send(
      new GetCommand({ TableName, Key: { pk: `LOCK#${name}`, sk: 'META' }, ConsistentRead: true }),
    );
    return out.Item as Lock_ | undefined;
  });

const taskOf = (id: string) =>
  withDocuments(async (doc, TableName) => {
    const out = await doc.send(
      new GetCommand({ TableName, Key: { pk: `EXEC#${id}`, sk: 'META' }, ConsistentRead: true }),
    );
    return String(out.Item?.taskArn ?? '');
  });

const auditItems = () =>
  withDocuments(async (doc, TableName) => {
    const out = await doc.send(
      new QueryCommand({
        TableName,
        IndexName: 'byKind',
        KeyConditionExpression: 'kindPk = :k',
        ExpressionAttributeValues: { ':k': 'AUDIT' },
      }),
    );
    return (out.Items ?? []) as Audit_[];
  });

let configDir: string;

/** Starts a detached run that holds `lock` (tasks are kept running); returns its execution ID. */
async function holder(lock: string): Promise<string> {
  const result = await runCli(['run', '--detach', '--image', IMAGE, '--lock', lock, '--', 'sleep', '600'], {
    configDir,
  });
  expect(result.exitCode, result.stderr).toBe(0);
  return result.stdout.trim();
}

beforeEach(async () => {
  await resetMoto();
  configDir = newConfigDir();
  const init = await runCli(['init', '--yes', '--vpc', 'default'], { configDir });
  expect(init.exitCode, init.stderr).toBe(0);
  await keepTasksRunning();
});

describe('runvoy locks list and status', () => {
  it('lists no locks before any run', async () => {
    const text = await runCli(['locks', 'list'], { configDir });
    expect(text.exitCode).toBe(0);
    expect(text.stderr).toContain('No locks yet');
    const json = await runCli(['locks', 'list', '--json'], { configDir });
    expect(jsonResult(json.stdout)).toEqual({ locks: [] });
  });

  it('lists every lock by name with its state, fence and holder', async () => {
    const b = await holder('b-lock');
    const a = await holder('a-lock');
    const json = await runCli(['locks', 'list', '--json'], { configDir });
    expect(json.exitCode, json.stderr).toBe(0);
    const { locks } = jsonResult(json.stdout) as { locks: Lock_[] };
    expect(locks.map((l) => [l.name, l.state, l.fence, l.holderExecutionId])).toEqual([
      ['a-lock', 'HELD', 1, a],
      ['b-lock', 'HELD', 1, b],
    ]);
    const text = await runCli(['locks', 'list'], { configDir });
    const lines = text.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+STATE\s+FENCE\s+HOLDER\s+WHO\s+SINCE$/);
    expect(lines[1]).toMatch(
      new RegExp(`^a-lock\\s+HELD\\s+1\\s+${a}\\s+${CALLER.replace(/[/.]/g, '\\$&')}`),
    );
  });

  it('shows a held lock like the conflict message, with the holder’s status', async () => {
    const a = await holder('deploy');
    const text = await runCli(['locks', 'status', 'deploy'], { configDir });
    expect(text.exitCode, text.stderr).toBe(0);
    expect(text.stdout).toContain('Lock "deploy" is held.');
    expect(text.stdout).toMatch(new RegExp(`Holder:\\s+${a}`));
    expect(text.stdout).toMatch(/Who:\s+arn:aws:sts::123456789012:user\/moto/);
    expect(text.stdout).toMatch(/Fence:\s+1/);
    expect(text.stdout).toMatch(/Command:\s+sleep 600/);
    expect(text.stdout).toMatch(/Status:\s+(STARTING|RUNNING)/);
  });

  it('says when a lock does not exist, and refuses a bad name before any AWS call', async () => {
    const missing = await runCli(['locks', 'status', 'nope'], { configDir });
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain('There is no lock named "nope"');

    const proxy = await startAwsProxy(motoUrl());
    try {
      const bad = await runCli(['locks', 'status', 'bad//name'], {
        configDir,
        env: { AWS_ENDPOINT_URL: proxy.url },
      });
      expect(bad.exitCode).toBe(2);
      expect(bad.stderr).toContain('bad//name');
      expect(proxy.requests).toEqual([]);
    } finally {
      await proxy.close();
    }
  });
});

describe('runvoy locks release', () => {
  it('refuses a live holder’s lock without --force (exit 3), and changes nothing', async () => {
    const a = await holder('deploy');
    const before = await lockItem('deploy');
    const result = await runCli(['locks', 'release', 'deploy'], { configDir });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain(a);
    expect(result.stderr).toContain('--force');
    expect(await lockItem('deploy')).toEqual(before);
    expect((await auditItems()).filter((e) => e.action === 'lock-force-release')).toEqual([]);
  });

  it('with --force but no --yes and no terminal, exits 2 and sends nothing', async () => {
    await holder('deploy');
    const proxy = await startAwsProxy(motoUrl());
    try {
      const result = await runCli(['locks', 'release', 'deploy', '--force'], {
        configDir,
        env: { AWS_ENDPOINT_URL: proxy.url },
      });
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toContain('--yes');
      expect(proxy.requests).toEqual([]);
    } finally {
      await proxy.close();
    }
    expect((await lockItem('deploy'))?.state).toBe('HELD');
  });

  it('with --force --yes, frees it, keeps the fence, records who did it; the next run gets fence 2', async () => {
    const a = await holder('deploy');
    const result = await runCli(['locks', 'release', 'deploy', '--force', '--yes'], { configDir });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('Released "deploy"');
    expect(await lockItem('deploy')).toMatchObject({ state: 'FREE', fence: 1 });

    const audit = (await auditItems()).filter((e) => e.action === 'lock-force-release');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actorArn: CALLER,
      executionId: a,
      lockName: 'deploy',
      detail: { fence: 1 },
    });

    const next = await runCli(
      ['run', '--json', '--detach', '--image', IMAGE, '--lock', 'deploy', '--', 'true'],
      {
        configDir,
      },
    );
    expect(next.exitCode, next.stderr).toBe(0);
    expect(streamResult<{ execution: { fence: number } }>(next.stdout).execution.fence).toBe(2);
  });

  it('frees the lock of a finished holder without --force, and says so for a free lock', async () => {
    const a = await holder('deploy');
    await stopTask(await taskOf(a));
    const result = await runCli(['locks', 'release', 'deploy', '--json'], { configDir });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(jsonResult(result.stdout)).toMatchObject({ released: true, forced: false, previousHolder: a });
    expect(await lockItem('deploy')).toMatchObject({ state: 'FREE', fence: 1 });

    const again = await runCli(['locks', 'release', 'deploy'], { configDir });
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toContain('Nothing released: the lock is already free');
    expect((await auditItems()).filter((e) => e.action === 'lock-force-release')).toEqual([]);
  });
});

describe('runvoy run --lock-wait', () => {
  it('waits, says that it is waiting, and takes the lock once the holder’s task stops', async () => {
    const a = await holder('deploy');
    const child = spawn(
      ...cliCommand(['run', '--image', IMAGE, '--lock', 'deploy', '--lock-wait', '2m', '--', 'echo', 'B']),
      {
        env: cliEnv(configDir),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdout.resume();
    const done = new Promise<CliResult>((resolve) =>
      child.on('close', (code) => resolve({ stdout: '', stderr, exitCode: code ?? -1 })),
    );
    const timer = setTimeout(() => child.kill('SIGKILL'), 100_000);
    try {
      for (let i = 0; i < 300 && !stderr.includes('Waiting for lock'); i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(stderr).toContain(`Waiting for lock "deploy" held by ${a}`);
      await stopTasksAtOnce();
      await stopTask(await taskOf(a));
      const result = await done;
      expect(result.exitCode, result.stderr).toBe(0);
      expect(result.stderr).toContain(
        `Lock "deploy" acquired (fence 2), taken over from finished execution ${a}`,
      );
      expect(await lockItem('deploy')).toMatchObject({ state: 'FREE', fence: 2 });
    } finally {
      clearTimeout(timer);
      child.kill('SIGKILL');
    }
  });
});
