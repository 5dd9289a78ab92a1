/**
 * Reconcile and list bench (issue 6): against a private moto_server,
 *
 *  1. 1,000 non-terminal executions, each with a real task in the emulator: `runvoy reconcile --json`
 *     when every task is still running (nothing to change), then when every task has stopped (1,000 to
 *     finalise). Reports DescribeTasks calls (target <= 10) and wall time, next to the raw SDK reads the
 *     same work needs (a Query of the `active` index plus DescribeTasks in batches of 100).
 *  2. 10,000 executions in the table: `runvoy list --json`, first page. Reports the AWS requests it
 *     sends (target <= 2) and wall time, next to one raw SDK Query for the same page.
 *
 *   npm run bench:reconcile [-- --executions 1000 --records 10000 --runs 5 --json]
 *
 * Records and tasks are seeded directly with the SDK (BatchWriteItem, RunTask). The CLI is the built
 * one (`npm run build` first), run as a child process through a counting proxy in front of the emulator.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeTasksCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
} from '@aws-sdk/client-ecs';
import { BatchWriteCommand, DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { executionItem, type ExecutionRecord } from '../src/core/execution.js';
import { newExecutionId } from '../src/core/ids.js';
import { startAwsProxy, type AwsProxy } from '../test/support/aws-proxy.js';
import { startMoto } from '../test/support/moto-server.js';
import { executionRecord } from '../test/support/records.js';
import { benchEnv } from './lib/env.js';
import { formatMs, round, summarize } from './lib/stats.js';
import { renderMarkdownTable, renderTable, type Column } from './lib/table.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(root, 'bin/run.js');
const REGION = 'us-east-1';
const CALLER = 'arn:aws:sts::123456789012:user/moto';

const { values: flags } = parseArgs({
  options: {
    executions: { type: 'string', default: '1000' },
    records: { type: 'string', default: '10000' },
    runs: { type: 'string', default: '5' },
    json: { type: 'boolean', default: false },
    markdown: { type: 'boolean', default: false },
  },
});
const EXECUTIONS = Number(flags.executions);
const RECORDS = Number(flags.records);
const RUNS = Number(flags.runs);

interface CliRun {
  ms: number;
  stdout: string;
  ops: string[];
}

const op = (operation: string) => operation.split('.').pop() ?? operation;

function runCli(args: string[], env: NodeJS.ProcessEnv, proxy?: AwsProxy): Promise<CliRun> {
  const before = proxy?.requests.length ?? 0;
  const start = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (code !== 0) return reject(new Error(`runvoy ${args.join(' ')} exited ${code}:\n${stderr}`));
      resolve({ ms, stdout, ops: (proxy?.requests.slice(before) ?? []).map((r) => op(r.operation)) });
    });
  });
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = process.hrtime.bigint();
  const value = await fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, value };
}

function count(ops: string[], name: string): number {
  return ops.filter((o) => o === name).length;
}

async function pool<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

function record(id: string, createdAt: string, overrides: Partial<ExecutionRecord> = {}): ExecutionRecord {
  return executionRecord({
    id,
    status: 'SUCCEEDED',
    callerArn: CALLER,
    host: 'bench',
    command: ['true'],
    image: 'public.ecr.aws/docker/library/alpine:3.20',
    region: REGION,
    createdAt,
    ...overrides,
  });
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  if (spawnSync(process.execPath, [BIN, '--version']).status !== 0) {
    throw new Error('The built CLI does not start: run `npm run build` first.');
  }
  const moto = await startMoto();
  const proxy = await startAwsProxy(moto.url);
  const configDir = mkdtempSync(join(tmpdir(), 'runvoy-bench-'));
  const env = benchEnv(configDir, undefined, REGION);
  const sdk = {
    region: REGION,
    endpoint: moto.url,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
  const ecs = new ECSClient(sdk);
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient(sdk));
  const cfn = new CloudFormationClient(sdk);
  const transition = (body: unknown) =>
    fetch(`${moto.url}/moto-api/state-manager/set-transition`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model_name: 'ecs::task', transition: body }),
    });
  try {
    process.stderr.write('Deploying the stack into the emulator...\n');
    await runCli(['init', '--yes', '--vpc', 'default'], { ...env, AWS_ENDPOINT_URL: moto.url });
    const stack = await cfn.send(new DescribeStacksCommand({ StackName: 'runvoy' }));
    const out = Object.fromEntries(
      (stack.Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]),
    );
    const table = out.TableName as string;
    const cluster = out.ClusterName as string;
    const viaProxy = { ...env, AWS_ENDPOINT_URL: proxy.url };
    await runCli(['list', '--json', '--limit', '1'], viaProxy, proxy); // caches the caller identity

    // 1. reconcile over EXECUTIONS non-terminal executions with live tasks.
    await transition({ progression: 'manual', times: 1_000_000_000 });
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'bench',
        requiresCompatibilities: ['FARGATE'],
        networkMode: 'awsvpc',
        cpu: '256',
        memory: '512',
        containerDefinitions: [{ name: 'runner', image: 'alpine:3.20', memoryReservation: 64 }],
      }),
    );
    process.stderr.write(`Seeding ${EXECUTIONS} running tasks and their records...\n`);
    const base = Date.now() - 60 * 60_000;
    const seeded: ExecutionRecord[] = [];
    await pool(
      Array.from({ length: EXECUTIONS }, (_, i) => i),
      8,
      async (i) => {
        const id = newExecutionId();
        const task = await ecs.send(
          new RunTaskCommand({
            cluster,
            taskDefinition: 'bench',
            launchType: 'FARGATE',
            startedBy: `runvoy/${id}`,
            networkConfiguration: {
              awsvpcConfiguration: {
                subnets: String(out.SubnetIds).split(','),
                securityGroups: [String(out.SecurityGroupId)],
              },
            },
          }),
        );
        seeded.push(
          record(id, new Date(base + i * 1000).toISOString(), {
            status: 'RUNNING',
            taskArn: task.tasks?.[0]?.taskArn,
            clusterArn: out.ClusterArn,
          }),
        );
      },
    );
    await batchWrite(doc, table, seeded);

    const reference = await timed(async () => {
      const active = await queryAll(doc, table, 'active', 'activePk', 'ACTIVE');
      const arns = active.map((item) => String(item.taskArn));
      let calls = 0;
      for (let i = 0; i < arns.length; i += 100) {
        await ecs.send(
          new DescribeTasksCommand({ cluster, tasks: arns.slice(i, i + 100), include: ['TAGS'] }),
        );
        calls++;
      }
      return { active: active.length, calls };
    });
    const idle = await runCli(['reconcile', '--json'], viaProxy, proxy);
    const idleReport = JSON.parse(idle.stdout) as { counts: Record<string, number> };
    await transition({ progression: 'immediate' });
    const busy = await runCli(['reconcile', '--json'], viaProxy, proxy);
    const busyReport = JSON.parse(busy.stdout) as { counts: Record<string, number> };
    const again = await runCli(['reconcile', '--json'], viaProxy, proxy);
    const againReport = JSON.parse(again.stdout) as { actions: unknown[] };

    // 2. list with RECORDS executions in the table.
    process.stderr.write(`Seeding ${RECORDS - EXECUTIONS} more records (${RECORDS} in all)...\n`);
    await batchWrite(
      doc,
      table,
      Array.from({ length: RECORDS - EXECUTIONS }, (_, i) =>
        record(newExecutionId(), new Date(base - (i + 1) * 1000).toISOString()),
      ),
    );
    const listRuns: CliRun[] = [];
    const sdkRuns: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      listRuns.push(await runCli(['list', '--json'], viaProxy, proxy));
      sdkRuns.push(
        (
          await timed(() =>
            doc.send(
              new QueryCommand({
                TableName: table,
                IndexName: 'byKind',
                KeyConditionExpression: 'kindPk = :k',
                ExpressionAttributeValues: { ':k': 'EXEC' },
                ScanIndexForward: false,
                Limit: 20,
              }),
            ),
          )
        ).ms,
      );
    }
    const listed = JSON.parse(listRuns[0]?.stdout ?? '{}') as { executions: unknown[] };
    const listMs = summarize(listRuns.map((r) => r.ms));
    const sdkMs = summarize(sdkRuns);
    const versionMs = summarize(
      await Promise.all([0, 1, 2].map(async () => (await runCli(['--version'], env)).ms)).then((v) => v),
    );

    const figures = {
      machine: `${cpus().length}-core ${cpus()[0]?.model ?? ''}`.trim(),
      node: process.version,
      reconcile: {
        executions: EXECUTIONS,
        allRunning: {
          describeTasks: count(idle.ops, 'DescribeTasks'),
          requests: idle.ops.length,
          ms: round(idle.ms, 0),
          counts: idleReport.counts,
        },
        allStopped: {
          describeTasks: count(busy.ops, 'DescribeTasks'),
          requests: busy.ops.length,
          updateItem: count(busy.ops, 'UpdateItem'),
          ms: round(busy.ms, 0),
          counts: busyReport.counts,
        },
        secondRunActions: againReport.actions.length,
        referenceSdk: { describeTasks: reference.value.calls, ms: round(reference.ms, 0) },
      },
      list: {
        records: RECORDS,
        rows: listed.executions.length,
        requests: listRuns[0]?.ops.length ?? 0,
        ops: listRuns[0]?.ops ?? [],
        medianMs: round(listMs.median, 0),
        referenceSdkQueryMedianMs: round(sdkMs.median, 1),
        cliVersionMedianMs: round(versionMs.median, 0),
      },
    };
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
      return;
    }
    const columns: Column[] = [
      { header: 'what' },
      { header: 'DescribeTasks', align: 'right' },
      { header: 'AWS requests', align: 'right' },
      { header: 'wall ms', align: 'right' },
      { header: 'target' },
    ];
    const r = figures.reconcile;
    const rows = [
      [
        `reconcile, ${EXECUTIONS} running (nothing to do)`,
        String(r.allRunning.describeTasks),
        String(r.allRunning.requests),
        formatMs(idle.ms, 0),
        `DescribeTasks <= 10: ${r.allRunning.describeTasks <= 10 ? 'PASS' : 'FAIL'}`,
      ],
      [
        `reconcile, ${EXECUTIONS} stopped (${r.allStopped.counts.finalised} finalised)`,
        String(r.allStopped.describeTasks),
        String(r.allStopped.requests),
        formatMs(busy.ms, 0),
        `DescribeTasks <= 10: ${r.allStopped.describeTasks <= 10 ? 'PASS' : 'FAIL'}`,
      ],
      [
        `reconcile again (${r.secondRunActions} actions)`,
        String(count(again.ops, 'DescribeTasks')),
        String(again.ops.length),
        formatMs(again.ms, 0),
        '',
      ],
      [
        `reference: SDK Query active + DescribeTasks x${r.referenceSdk.describeTasks}, in-process`,
        String(r.referenceSdk.describeTasks),
        String(r.referenceSdk.describeTasks + 1),
        formatMs(reference.ms, 0),
        '',
      ],
      [
        `list --json, first page of ${RECORDS} (median of ${RUNS})`,
        String(count(listRuns[0]?.ops ?? [], 'DescribeTasks')),
        String(figures.list.requests),
        formatMs(listMs.median, 0),
        `requests <= 2: ${figures.list.requests <= 2 ? 'PASS' : 'FAIL'}`,
      ],
      [`reference: SDK Query byKind Limit 20, in-process (median)`, '0', '1', formatMs(sdkMs.median, 1), ''],
      [
        `reference: runvoy --version (process start, median of 3)`,
        '0',
        '0',
        formatMs(versionMs.median, 0),
        '',
      ],
    ];
    process.stdout.write(`${(flags.markdown ? renderMarkdownTable : renderTable)(columns, rows)}\n`);
    process.stdout.write(`list sent: ${figures.list.ops.join(', ')}\n`);
  } finally {
    ecs.destroy();
    doc.destroy();
    cfn.destroy();
    await proxy.close();
    await moto.stop();
  }
}

async function batchWrite(
  doc: DynamoDBDocumentClient,
  table: string,
  records: ExecutionRecord[],
): Promise<void> {
  const chunks: ExecutionRecord[][] = [];
  for (let i = 0; i < records.length; i += 25) chunks.push(records.slice(i, i + 25));
  await pool(chunks, 8, async (chunk) => {
    let pending = chunk.map((r) => ({ PutRequest: { Item: executionItem(r) } }));
    while (pending.length) {
      const res = await doc.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
      pending = (res.UnprocessedItems?.[table] ?? []) as typeof pending;
    }
  });
}

async function queryAll(
  doc: DynamoDBDocumentClient,
  table: string,
  index: string,
  key: string,
  value: string,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const res = await doc.send(
      new QueryCommand({
        TableName: table,
        IndexName: index,
        KeyConditionExpression: `${key} = :v`,
        ExpressionAttributeValues: { ':v': value },
        ExclusiveStartKey: start,
      }),
    );
    items.push(...(res.Items ?? []));
    start = res.LastEvaluatedKey;
  } while (start);
  return items;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
