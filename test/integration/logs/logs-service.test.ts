/**
 * The logs service against the emulator: server-side --filter (FilterLogEvents on the run's own stream),
 * client-side --grep, --tail over a filtered log, --since/--until, and following with a filter.
 */
import { CloudWatchLogsClient, CreateLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsClients } from '../../../src/aws/clients.js';
import type { ExecutionRecord } from '../../../src/core/execution.js';
import { readExecutionLogs, type LogsQuery } from '../../../src/services/logs.js';
import type { StackContext } from '../../../src/services/stack-context.js';
import { putLines } from '../../support/log-writer.js';
import { motoUrl, resetMoto, sdkConfig, TEST_ACCOUNT, TEST_REGION } from '../../support/moto.js';
import { isolatedAwsEnv, patchEnv, tempDir } from '../../unit/foundation/helpers.js';

const GROUP = '/runvoy/svc';
const TASK = `arn:aws:ecs:${TEST_REGION}:${TEST_ACCOUNT}:task/cluster/5f0c2a7e9b1d4c3e8a6b7c8d9e0f1a2b`;
const STREAM = 'runvoy/runner/5f0c2a7e9b1d4c3e8a6b7c8d9e0f1a2b';
const OTHER = 'runvoy/runner/00000000000000000000000000000000';
// PutLogEvents refuses events older than 14 days: the log is placed a few minutes ago.
const BASE = Math.floor(Date.now() / 1000) * 1000 - 300_000;
const FAST = { minPollMs: 20, maxPollMs: 60, drainGraceMs: 150, baseBackoffMs: 5, maxBackoffMs: 20 };

const stack = {
  identity: { account: TEST_ACCOUNT, arn: `arn:aws:sts::${TEST_ACCOUNT}:user/moto`, userId: 'moto' },
  region: TEST_REGION,
  stackName: 'runvoy',
  outputs: { logGroupName: GROUP, clusterName: 'cluster' },
} as unknown as StackContext;

const record = { id: 'abcd2345efgh', status: 'SUCCEEDED', taskArn: TASK } as ExecutionRecord;

let clients: AwsClients;
let writer: CloudWatchLogsClient;
let restore: () => void;

async function read(query: Partial<LogsQuery>, isStopped?: () => boolean): Promise<string[]> {
  const out: string[] = [];
  for await (const page of readExecutionLogs(
    { clients, stack, record },
    { follow: false, ...query },
    { isStopped, timing: FAST },
  )) {
    out.push(...page.map((l) => l.message));
  }
  return out;
}

describe('logs service', () => {
  beforeEach(async () => {
    await resetMoto();
    restore = patchEnv(
      isolatedAwsEnv({ AWS_ENDPOINT_URL: motoUrl(), AWS_REGION: TEST_REGION, RUNVOY_CONFIG_DIR: tempDir() }),
      { clearAws: true },
    );
    clients = new AwsClients({ region: TEST_REGION });
    writer = new CloudWatchLogsClient(sdkConfig());
    await writer.send(new CreateLogGroupCommand({ logGroupName: GROUP }));
    const base = BASE;
    await putLines(
      writer,
      GROUP,
      STREAM,
      ['INFO start', 'ERROR disk full', 'INFO retry', 'ERROR disk full again', 'WARN slow', 'INFO done'],
      (i) => base + i * 1000,
    );
    // Another task's stream in the same group: never part of this run's log.
    await putLines(writer, GROUP, OTHER, ['ERROR not ours'], () => base);
  });

  afterEach(() => {
    writer.destroy();
    clients.destroy();
    restore();
  });

  it('filters on the server, on this run’s stream only', async () => {
    expect(await read({ filter: 'ERROR' })).toEqual(['ERROR disk full', 'ERROR disk full again']);
    expect(await read({ filter: '"disk full again"' })).toEqual(['ERROR disk full again']);
  });

  it('greps on the client, and keeps the last N matches with --tail', async () => {
    expect(await read({ grep: /^INFO/ })).toEqual(['INFO start', 'INFO retry', 'INFO done']);
    expect(await read({ grep: /^INFO/, tail: 2 })).toEqual(['INFO retry', 'INFO done']);
    expect(await read({ filter: 'ERROR', tail: 1 })).toEqual(['ERROR disk full again']);
    expect(await read({ tail: 2 })).toEqual(['WARN slow', 'INFO done']);
  });

  it('limits to --since and --until', async () => {
    const base = BASE;
    expect(await read({ since: base + 1000, until: base + 3000 })).toEqual([
      'ERROR disk full',
      'INFO retry',
      'ERROR disk full again',
    ]);
    expect(await read({ since: base + 4000, filter: 'INFO' })).toEqual(['INFO done']);
  });

  it('follows with a filter: new matches once each, including ones in the same millisecond, until the task stops', async () => {
    let stopped = false;
    const seen: string[] = [];
    const reading = (async () => {
      for await (const page of readExecutionLogs(
        { clients, stack, record },
        { follow: true, filter: 'ERROR', tail: 1 },
        { isStopped: () => stopped, timing: FAST },
      )) {
        seen.push(...page.map((l) => l.message));
      }
    })();
    await new Promise((r) => setTimeout(r, 200));
    const t = BASE + 10_000;
    await putLines(writer, GROUP, STREAM, ['ERROR late 1', 'INFO late', 'ERROR late 2'], () => t);
    await new Promise((r) => setTimeout(r, 200));
    await putLines(writer, GROUP, STREAM, ['ERROR late 3'], () => t);
    await new Promise((r) => setTimeout(r, 200));
    stopped = true;
    await reading;
    expect(seen).toEqual(['ERROR disk full again', 'ERROR late 1', 'ERROR late 2', 'ERROR late 3']);
  });

  it('gives nothing for a record without a task', async () => {
    const out: string[] = [];
    for await (const page of readExecutionLogs(
      { clients, stack, record: { ...record, taskArn: undefined } },
      { follow: false },
    ))
      out.push(...page.map((l) => l.message));
    expect(out).toEqual([]);
  });
});
