/**
 * A lock item that runvoy did not write (no `version`, a `fence` stored as a string): `run --lock` reports
 * it, names the item and the repair, and writes nothing; `locks release --force` repairs it. Issue 11, item 1.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { startAwsProxy } from '../support/aws-proxy.js';
import { newConfigDir, runCli } from '../support/cli.js';
import { stackOutputs } from '../support/emulator-state.js';
import { keepTasksRunning, motoUrl, resetMoto, sdkConfig } from '../support/moto.js';

const IMAGE = 'public.ecr.aws/docker/library/alpine:3.20';

let configDir: string;
let table: string;

async function withDocuments<T>(fn: (doc: DynamoDBDocumentClient) => Promise<T>): Promise<T> {
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient(sdkConfig()));
  try {
    return await fn(doc);
  } finally {
    doc.destroy();
  }
}

/** Puts a lock item as someone editing the table by hand would: the keys plus whatever `fields` say. */
const putLock = (name: string, fields: Record<string, unknown>) =>
  withDocuments((doc) =>
    doc.send(
      new PutCommand({
        TableName: table,
        Item: { pk: `LOCK#${name}`, sk: 'META', kindPk: 'LOCK', kindSk: name, name, ...fields },
      }),
    ),
  );

const lockItem = (name: string) =>
  withDocuments(async (doc) => {
    const out = await doc.send(
      new GetCommand({ TableName: table, Key: { pk: `LOCK#${name}`, sk: 'META' }, ConsistentRead: true }),
    );
    return out.Item;
  });

/** `run --lock NAME` through a counting proxy; returns the result and the TransactWriteItems it sent. */
async function runWithLock(name: string, extra: string[] = []) {
  const proxy = await startAwsProxy(motoUrl());
  try {
    const result = await runCli(
      ['run', '--detach', '--image', IMAGE, '--lock', name, ...extra, '--', 'echo', 'hello'],
      // A spinning CLI is killed long before the test's own timeout, so the test fails instead of hanging.
      { configDir, env: { AWS_ENDPOINT_URL: proxy.url }, timeoutMs: 30_000 },
    );
    const transactions = proxy.requests.filter((r) => r.operation.endsWith('TransactWriteItems')).length;
    return { ...result, transactions };
  } finally {
    await proxy.close();
  }
}

beforeEach(async () => {
  await resetMoto();
  configDir = newConfigDir();
  const init = await runCli(['init', '--yes', '--vpc', 'default'], { configDir });
  expect(init.exitCode, init.stderr).toBe(0);
  table = (await stackOutputs()).TableName ?? '';
  await keepTasksRunning();
});

describe('run --lock on a lock item without version', () => {
  it('exits with a message naming the item, what is wrong and the repair, and writes nothing', async () => {
    await putLock('deploy', { state: 'FREE', fence: 3 });
    const before = await lockItem('deploy');

    const result = await runWithLock('deploy', ['--lock-wait', '5s']);

    expect(result.exitCode, result.stderr).toBe(1);
    expect(result.stderr).toContain(table);
    expect(result.stderr).toContain('LOCK#deploy');
    expect(result.stderr).toMatch(/version/);
    expect(result.stderr).toContain('runvoy locks release deploy --force');
    expect(result.transactions).toBe(0);
    expect(await lockItem('deploy')).toEqual(before);
  });

  it('does the same for a held lock without version whose lease has expired', async () => {
    await putLock('deploy', {
      state: 'HELD',
      fence: 3,
      holderExecutionId: '0000000000aa',
      leaseExpiresAt: Date.now() - 60_000,
    });
    const result = await runWithLock('deploy', ['--lock-wait', '5s']);
    expect(result.exitCode, result.stderr).toBe(1);
    expect(result.stderr).toContain('LOCK#deploy');
    expect(result.transactions).toBe(0);
  });

  it('is repaired by locks release --force: a well-formed FREE lock that keeps the fence', async () => {
    await putLock('deploy', { state: 'FREE', fence: 3 });
    const status = await runCli(['locks', 'status', 'deploy'], { configDir });
    expect(status.exitCode).toBe(1);
    expect(status.stderr).toContain('LOCK#deploy');

    const release = await runCli(['locks', 'release', 'deploy', '--force', '--yes'], { configDir });
    expect(release.exitCode, release.stderr).toBe(0);
    const repaired = await lockItem('deploy');
    expect(repaired).toMatchObject({ name: 'deploy', state: 'FREE', fence: 3 });
    expect(typeof repaired?.version).toBe('string');

    const next = await runWithLock('deploy');
    expect(next.exitCode, next.stderr).toBe(0);
    expect(await lockItem('deploy')).toMatchObject({ state: 'HELD', fence: 4 });
  });
});

describe('run --lock on a lock item whose fence is a string', () => {
  it('never turns fence "7" into "71": the item is reported and left as it was', async () => {
    await putLock('deploy', { state: 'FREE', fence: '7', version: 'v1' });

    const result = await runWithLock('deploy');

    expect(result.exitCode, result.stderr).toBe(1);
    expect(result.stderr).toContain('LOCK#deploy');
    expect(result.stderr).toMatch(/fence/);
    expect(result.stderr).toContain('runvoy locks release deploy --force');
    expect(result.transactions).toBe(0);
    expect(await lockItem('deploy')).toMatchObject({ fence: '7', version: 'v1' });
  });

  it('is repaired by locks release --force with the fence as a number, and the next run gets 8', async () => {
    await putLock('deploy', { state: 'FREE', fence: '7', version: 'v1' });
    const release = await runCli(['locks', 'release', 'deploy', '--force', '--yes'], { configDir });
    expect(release.exitCode, release.stderr).toBe(0);
    expect(await lockItem('deploy')).toMatchObject({ state: 'FREE', fence: 7 });

    const next = await runWithLock('deploy');
    expect(next.exitCode, next.stderr).toBe(0);
    expect(await lockItem('deploy')).toMatchObject({ state: 'HELD', fence: 8 });
  });
});
