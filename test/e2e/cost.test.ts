/**
 * `runvoy cost`, budgets and the new config keys end to end: the built CLI against the emulator
 * (issue 7, "Must show"). moto's tasks carry no pullStartedAt or stoppedAt, so the executions to price
 * are seeded straight into the stack's table, as `run` would have left them.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { executionRecord } from '../support/records.js';
import { executionItem, type ExecutionRecord } from '../../src/core/execution.js';
import { newExecutionId } from '../../src/core/ids.js';
import { startAwsProxy } from '../support/aws-proxy.js';
import { newConfigDir, runCli, jsonResult } from '../support/cli.js';
import { motoUrl, resetMoto, sdkConfig, stopTasksAtOnce, TEST_ACCOUNT } from '../support/moto.js';

const IMAGE = 'public.ecr.aws/docker/library/alpine:3.20';
const ME = `arn:aws:sts::${TEST_ACCOUNT}:user/moto`;
const ALICE = `arn:aws:sts::${TEST_ACCOUNT}:assumed-role/dev/alice`;
const BOB = `arn:aws:sts::${TEST_ACCOUNT}:assumed-role/dev/bob`;
const MINUTE = 60_000;
const DAY = 86_400_000;
/** us-east-1, per hour. */
const X86 = { vcpu: 0.04048, gb: 0.004445 };
const ARM = { vcpu: 0.03238, gb: 0.00356 };

let configDir: string;

beforeEach(async () => {
  await resetMoto();
  configDir = newConfigDir();
  const init = await runCli(['init', '--yes', '--vpc', 'default'], { configDir });
  expect(init.exitCode, init.stderr).toBe(0);
});

async function tableName(): Promise<string> {
  const cfn = new CloudFormationClient(sdkConfig());
  try {
    const out = await cfn.send(new DescribeStacksCommand({ StackName: 'runvoy' }));
    const output = out.Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === 'TableName');
    return output?.OutputValue ?? '';
  } finally {
    cfn.destroy();
  }
}

/** A finished execution: created `daysAgo`, image pulled 5 s later, running `minutes`. */
function finished(
  daysAgo: number,
  minutes: number,
  overrides: Partial<ExecutionRecord> = {},
): ExecutionRecord {
  const created = Date.now() - daysAgo * DAY;
  const pulled = created + 5_000;
  return executionRecord({
    id: newExecutionId(),
    status: 'SUCCEEDED',
    callerArn: ME,
    host: 'ci-runner',
    command: ['echo', 'hello'],
    image: IMAGE,
    cpu: 1024,
    memory: 2048,
    createdAt: new Date(created).toISOString(),
    pullStartedAt: new Date(pulled).toISOString(),
    startedAt: new Date(pulled + 15_000).toISOString(),
    stoppedAt: new Date(pulled + minutes * MINUTE).toISOString(),
    exitCode: 0,
    ...overrides,
  });
}

async function seed(...records: ExecutionRecord[]): Promise<void> {
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient(sdkConfig()), {
    marshallOptions: { removeUndefinedValues: true },
  });
  try {
    const TableName = await tableName();
    for (const record of records) await doc.send(new PutCommand({ TableName, Item: executionItem(record) }));
  } finally {
    doc.destroy();
  }
}

describe('runvoy cost ID', () => {
  it('1 vCPU / 2 GB x86 in us-east-1 for 10 minutes: 0.04048/6 + 2*0.004445/6 dollars, exact', async () => {
    const record = finished(1, 10);
    await seed(record);
    const result = await runCli(['cost', record.id, '--json'], { configDir });
    expect(result.exitCode, result.stderr).toBe(0);
    const doc = jsonResult(result.stdout) as Record<string, unknown>;
    expect(doc).toMatchObject({ kind: 'execution', id: record.id, costStatus: 'exact', billedSeconds: 600 });
    expect(doc.cost).toBeCloseTo(0.04048 / 6 + (2 * 0.004445) / 6, 6);
    expect(Number((doc.cost as number).toFixed(6))).toBe(0.008228);
  });

  it('takes a unique prefix, and prints the cost for people', async () => {
    const record = finished(1, 10);
    await seed(record);
    const result = await runCli(['cost', record.id.slice(0, 10)], { configDir });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Execution ${record.id} (SUCCEEDED)`);
    expect(result.stdout).toContain('$0.008228 (exact)');
    expect(result.stdout).toContain('1024 CPU units, 2048 MiB, x86_64, us-east-1');
  });

  it('Spot is an estimate; a record without a stop time is unavailable with the reason, not zero', async () => {
    const spot = finished(1, 10, { spot: true, capacityProvider: 'FARGATE_SPOT' });
    const lost = finished(1, 10, { status: 'LOST', stoppedAt: undefined });
    await seed(spot, lost);
    const spotCost = jsonResult((await runCli(['cost', spot.id, '--json'], { configDir })).stdout);
    expect(spotCost.costStatus).toBe('estimated');
    expect(spotCost.cost).toBeCloseTo((0.04048 / 6 + (2 * 0.004445) / 6) * 0.3, 9);
    const lostCost = jsonResult((await runCli(['cost', lost.id, '--json'], { configDir })).stdout);
    expect(lostCost).toMatchObject({ costStatus: 'unavailable', costReason: 'no stop time' });
    expect(lostCost.cost).toBeUndefined();
  });

  it('an unknown ID exits 1 with what to do; a malformed one exits 2', async () => {
    const missing = await runCli(['cost', '0123456789ab'], { configDir });
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain('No execution matches');
    const bad = await runCli(['cost', 'x!'], { configDir });
    expect(bad.exitCode).toBe(2);
  });
});

describe('runvoy cost reports', () => {
  it('--since 30d --by user --format csv: per-user sums that match a hand computation', async () => {
    await seed(
      // alice: 1 vCPU / 2 GB x86 for 10 min + 2 vCPU / 4 GB x86 for 45 min
      finished(2, 10, { callerArn: ALICE }),
      finished(3, 45, { callerArn: ALICE, cpu: 2048, memory: 4096 }),
      // bob: 0.5 vCPU / 1 GB ARM for 30 min + 0.25 vCPU / 0.5 GB x86 for 20 s (the one-minute minimum)
      finished(4, 30, { callerArn: BOB, cpu: 512, memory: 1024, arch: 'arm64' }),
      finished(5, 20 / 60, { callerArn: BOB, cpu: 256, memory: 512 }),
      // 40 days ago: outside --since 30d
      finished(40, 600, { callerArn: BOB }),
    );
    const alice = (X86.vcpu + 2 * X86.gb) / 6 + ((2 * X86.vcpu + 4 * X86.gb) * 45) / 60;
    const bob = ((0.5 * ARM.vcpu + 1 * ARM.gb) * 30) / 60 + (0.25 * X86.vcpu + 0.5 * X86.gb) / 60;
    const result = await runCli(['cost', '--since', '30d', '--by', 'user', '--format', 'csv'], { configDir });
    expect(result.exitCode, result.stderr).toBe(0);
    const rows = result.stdout
      .trim()
      .split('\r\n')
      .map((line) => line.split(','));
    expect(rows[0]).toEqual(['user', 'executions', 'cost_usd', 'exact', 'estimated', 'unavailable']);
    const byUser = new Map(rows.slice(1).map((row) => [row[0], row]));
    expect(byUser.get(ALICE)).toEqual([ALICE, '2', alice.toFixed(6), '2', '0', '0']);
    expect(byUser.get(BOB)).toEqual([BOB, '2', bob.toFixed(6), '2', '0', '0']);
    expect(byUser.get('(total)')).toEqual(['(total)', '4', (alice + bob).toFixed(6), '4', '0', '0']);
    expect(rows).toHaveLength(4);
  });

  it('--by day as a table and --by image as JSON, with totals', async () => {
    await seed(finished(1, 10), finished(1, 10, { image: 'hashicorp/terraform:1.9', lockName: 'prod' }));
    const table = await runCli(['cost', '--by', 'lock'], { configDir });
    expect(table.exitCode, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^LOCK\s+RUNS\s+COST/m);
    expect(table.stdout).toMatch(/^prod\s+1\s+\$0\.0082/m);
    expect(table.stdout).toMatch(/^TOTAL\s+2\s+\$0\.0165/m);
    const json = jsonResult((await runCli(['cost', '--by', 'image', '--json'], { configDir })).stdout);
    expect(json.kind).toBe('report');
    expect(json.groups.map((g: { key: string }) => g.key).sort()).toEqual(['hashicorp/terraform:1.9', IMAGE]);
    expect(json.total.executions).toBe(2);
  });

  it('refuses bad report flags with exit 2 before any AWS request', async () => {
    const proxy = await startAwsProxy(motoUrl());
    try {
      const env = { AWS_ENDPOINT_URL: proxy.url };
      const by = await runCli(['cost', '--by', 'team'], { configDir, env });
      expect(by.exitCode).toBe(2);
      expect(by.stderr).toContain('--by');
      expect(by.stderr).toContain('user, image, lock, day, month');
      const format = await runCli(['cost', '--format', 'xml', '--since', 'yesterday'], { configDir, env });
      expect(format.exitCode).toBe(2);
      expect(format.stderr).toContain('--format');
      expect(format.stderr).toContain('--since');
      const mixed = await runCli(['cost', '01JD3K5Q', '--by', 'user'], { configDir, env });
      expect(mixed.exitCode).toBe(2);
      expect(proxy.requests).toEqual([]);
    } finally {
      await proxy.close();
    }
  });
});

describe('runvoy cost prices', () => {
  it('shows the table in use with its date and source', async () => {
    const result = await runCli(['cost', 'prices'], { configDir });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Table of \d{4}-\d{2}-\d{2}: AWS Fargate pricing/m);
    expect(result.stdout).toMatch(
      /^us-east-1\s+0\.04048\s+0\.004445\s+0\.03238\s+0\.00356\s+0\.000111\s+\S+\s+in use$/m,
    );
    const json = jsonResult((await runCli(['cost', 'prices', '--json'], { configDir })).stdout);
    expect(json.region).toBe('us-east-1');
    expect(json.regions['us-east-1']).toMatchObject({ refreshed: false, x86_64: { vcpuHour: 0.04048 } });
  });

  it('--refresh: the emulator has no Price List API, so it falls back to the offline table and says so', async () => {
    const result = await runCli(['cost', 'prices', '--refresh', '--json'], { configDir });
    expect(result.exitCode, result.stderr).toBe(0);
    const json = jsonResult(result.stdout);
    expect(json.refresh).toEqual({
      ok: false,
      region: 'us-east-1',
      reason: 'the Price List endpoint did not answer like the AWS Price List API (HTTP 500)',
    });
    expect(json.regions['us-east-1'].refreshed).toBe(false);
    const human = await runCli(['cost', 'prices', '--refresh'], { configDir });
    expect(human.exitCode).toBe(0);
    expect(human.stderr).toContain('Could not refresh the prices of us-east-1');
    expect(human.stderr).toMatch(/Kept the table in use: the offline table of \d{4}-\d{2}-\d{2}/);
    const cache = join(configDir, 'cache.json');
    expect(existsSync(cache) ? readFileSync(cache, 'utf8') : '').not.toContain('prices:');
  });
});

describe('budgets in config', () => {
  it('config set budget.perRun 0.01 is written, listed, and RUNVOY_BUDGET_PERRUN overrides it', async () => {
    const set = await runCli(['config', 'set', 'budget.perRun', '0.01'], { configDir, emulator: false });
    expect(set.exitCode, set.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(configDir, 'config.json'), 'utf8'))).toMatchObject({
      'budget.perRun': 0.01,
    });
    const list = await runCli(['config', 'list'], { configDir, emulator: false });
    expect(list.stdout).toMatch(/^budget\.perRun\s+0\.01\s+config budget\.perRun$/m);
    expect(list.stdout).toMatch(/^budget\.monthly\s+\(unset\)/m);
    const get = await runCli(['config', 'get', 'budget.perRun', '--json'], {
      configDir,
      emulator: false,
      env: { RUNVOY_BUDGET_PERRUN: '2.5' },
    });
    expect(jsonResult(get.stdout)).toMatchObject({
      value: 2.5,
      source: 'env',
      origin: 'RUNVOY_BUDGET_PERRUN',
    });
    const bad = await runCli(['config', 'set', 'budget.monthly', 'lots'], { configDir, emulator: false });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('budget.monthly');
    expect(bad.stderr).toContain('a positive amount in US dollars');
  });

  it('doctor shows the month to date against budget.monthly', async () => {
    await seed(finished(0, 10));
    await runCli(['config', 'set', 'budget.monthly', '5'], { configDir, emulator: false });
    const doctor = await runCli(['doctor'], { configDir });
    expect(doctor.stdout).toMatch(
      /Spend\s+\$0\.0082 since \d{4}-\d{2}-01 \(1 run\) of budget\.monthly \$5\.0000 \(0%\)/,
    );
  });

  it('with budget.perRun 0.01, run --cpu 4096 --memory 8192 --timeout 2h exits 5 before any task starts, with the estimate and the budget', async () => {
    await stopTasksAtOnce();
    await runCli(['config', 'set', 'budget.perRun', '0.01'], { configDir, emulator: false });
    const proxy = await startAwsProxy(motoUrl());
    try {
      const result = await runCli(
        ['run', '--image', IMAGE, '--cpu', '4096', '--memory', '8192', '--timeout', '2h', '--', 'echo', 'hi'],
        { configDir, env: { AWS_ENDPOINT_URL: proxy.url } },
      );
      expect(result.exitCode).toBe(5);
      // 2 h of 4 vCPU and 8 GB: 2 * (4 * 0.04048 + 8 * 0.004445) = $0.39496
      expect(result.stderr).toContain('$0.3950');
      expect(result.stderr).toContain('budget.perRun $0.0100');
      expect(result.stderr).toContain('--over-budget');
      const writes = proxy.requests
        .map((r) => r.operation.split('.').pop())
        .filter((op) =>
          ['RunTask', 'TransactWriteItems', 'PutItem', 'RegisterTaskDefinition'].includes(op ?? ''),
        );
      expect(writes).toEqual([]);
    } finally {
      await proxy.close();
    }
  });
});
