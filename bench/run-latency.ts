/**
 * Run-latency bench: how long `runvoy run --detach` takes from process start to its RunTask request, and
 * how many AWS round trips it makes before it, behind a proxy that adds latency to every AWS request.
 *
 *   npx tsx bench/run-latency.ts [--delay 100] [--runs 5] [--json]
 *
 * It starts its own moto_server on a free port, deploys the stack with the built CLI (`init --vpc
 * default`; run `npm run build` first), then puts `startAwsProxy(moto, {delayMs})` in front and runs the
 * CLI through it:
 *   - cold: a fresh config dir (no cached identity or stack outputs) and an image never registered;
 *   - warm: the same config dir and image again (`--runs` times);
 *   - warm + lock: the same with `--lock bench` (the lock read comes before the transaction).
 * Reference: the bare SDK sending one RunTask through the same proxy, in this process (the SDK already
 * loaded), and the same from a new Node process (what Node and the SDK cost before any request).
 *
 * Round trips are counted from the proxy's log. A request that reached the proxy less than `delay` ms
 * after another one was sent before that one could have been answered (every answer takes at least
 * `delay`), so the two ran in parallel; the number of sequential round trips before RunTask is the
 * longest chain of requests each starting at least `delay` ms after the previous one.
 *
 * Target: at most 2 sequential round trips before RunTask on a warm run. Exit 1 when it is missed.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startAwsProxy, type AwsProxy, type ProxiedRequest } from '../test/support/aws-proxy.js';
import { startMoto, type RunningMoto } from '../test/support/moto-server.js';
import { benchEnv } from './lib/env.js';
import { median, round } from './lib/stats.js';
import { renderTable, type Column } from './lib/table.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'run.js');
const REGION = 'us-east-1';
const TARGET_ROUND_TRIPS = 2;
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const USAGE = `Usage: npx tsx bench/run-latency.ts [--delay MS] [--runs N] [--json]

  --delay MS   latency the proxy adds to every AWS request (default 100)
  --runs N     warm runs and reference RunTasks to take the median of (default 5)
  --json       print the figures as JSON on stdout
`;

interface Options {
  delay: number;
  runs: number;
  json: boolean;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      delay: { type: 'string', default: '100' },
      runs: { type: 'string', default: '5' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const int = (name: string, text: string, min: number): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) {
      process.stderr.write(
        `--${name} must be a whole number >= ${min}, not ${JSON.stringify(text)}\n${USAGE}`,
      );
      process.exit(2);
    }
    return n;
  };
  return { delay: int('delay', values.delay, 1), runs: int('runs', values.runs, 1), json: values.json };
}

/** `Service.Operation` from X-Amz-Target, or the query Action, to the bare operation name. */
const operationName = (request: ProxiedRequest): string =>
  request.operation.split('.').pop() ?? request.operation;

/** The longest chain of requests each sent at least `delay` ms after the previous one (see the header). */
export function sequentialRoundTrips(starts: readonly number[], delay: number): number {
  let chain = 0;
  let last = -Infinity;
  for (const start of [...starts].sort((a, b) => a - b)) {
    if (start >= last + delay) {
      chain += 1;
      last = start;
    }
  }
  return chain;
}

interface Measured {
  label: string;
  /** ms from just before the process was spawned (or the SDK call began) to RunTask reaching the proxy. */
  toRunTaskMs: number;
  /** The same, to the RunTask that started the task (a cold run sends a second one after registering). */
  toStartingRunTaskMs: number;
  requestsBefore: number;
  roundTripsBefore: number;
  operationsBefore: string[];
  totalRequests: number;
}

function runCli(
  args: string[],
  configDir: string,
  endpoint: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: benchEnv(configDir, endpoint, REGION),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

function measure(label: string, startedAt: number, requests: ProxiedRequest[], delay: number): Measured {
  const runTasks = requests.filter((r) => operationName(r) === 'RunTask');
  const first = runTasks[0];
  const last = runTasks.at(-1);
  if (!first || !last) throw new Error(`${label}: no RunTask reached the proxy`);
  const before = requests.filter((r) => r.startedAt < first.startedAt);
  return {
    label,
    toRunTaskMs: first.startedAt - startedAt,
    toStartingRunTaskMs: last.startedAt - startedAt,
    requestsBefore: before.length,
    roundTripsBefore: sequentialRoundTrips(
      before.map((r) => r.startedAt),
      delay,
    ),
    operationsBefore: before.map(operationName),
    totalRequests: requests.length,
  };
}

/** Runs the CLI once through the proxy and measures it from the proxy's log. */
async function measuredRun(
  label: string,
  proxy: AwsProxy,
  args: string[],
  configDir: string,
  delay: number,
): Promise<Measured> {
  proxy.requests.length = 0;
  const startedAt = Date.now();
  const result = await runCli(args, configDir, proxy.url);
  if (result.code !== 0)
    throw new Error(`${label}: runvoy ${args.join(' ')} exited ${result.code}:\n${result.stderr}`);
  return measure(label, startedAt, [...proxy.requests], delay);
}

async function stackOutputs(motoUrl: string): Promise<Record<string, string>> {
  const { CloudFormationClient, DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
  const cfn = new CloudFormationClient({ region: REGION, endpoint: motoUrl, credentials: creds() });
  try {
    const out = await cfn.send(new DescribeStacksCommand({ StackName: 'runvoy' }));
    return Object.fromEntries(
      (out.Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']),
    );
  } finally {
    cfn.destroy();
  }
}

const creds = () => ({ accessKeyId: 'testing', secretAccessKey: 'testing' });

/** The bare SDK: one RunTask through the proxy, timed from creating the client to the request's arrival. */
async function referenceRunTask(
  proxy: AwsProxy,
  outputs: Record<string, string>,
  family: string,
  delay: number,
) {
  const { ECSClient, RunTaskCommand } = await import('@aws-sdk/client-ecs');
  proxy.requests.length = 0;
  const startedAt = Date.now();
  const ecs = new ECSClient({ region: REGION, endpoint: proxy.url, credentials: creds() });
  try {
    await ecs.send(
      new RunTaskCommand({
        cluster: outputs.ClusterName,
        taskDefinition: family,
        launchType: 'FARGATE',
        count: 1,
        networkConfiguration: {
          awsvpcConfiguration: {
            subnets: (outputs.SubnetIds ?? '').split(','),
            securityGroups: [outputs.SecurityGroupId ?? ''],
            assignPublicIp: 'ENABLED',
          },
        },
      }),
    );
  } finally {
    ecs.destroy();
  }
  return measure('bare SDK RunTask (reference)', startedAt, [...proxy.requests], delay);
}

/** The same RunTask from a new Node process that imports the SDK: the floor for any CLI written with it. */
async function referenceProcess(
  proxy: AwsProxy,
  outputs: Record<string, string>,
  family: string,
  delay: number,
) {
  const script = `
    const { ECSClient, RunTaskCommand } = await import('@aws-sdk/client-ecs');
    const ecs = new ECSClient({ region: '${REGION}', endpoint: process.env.AWS_ENDPOINT_URL });
    await ecs.send(new RunTaskCommand(JSON.parse(process.env.RUN_TASK_INPUT)));
  `;
  const input = {
    cluster: outputs.ClusterName,
    taskDefinition: family,
    launchType: 'FARGATE',
    count: 1,
    networkConfiguration: {
      awsvpcConfiguration: {
        subnets: (outputs.SubnetIds ?? '').split(','),
        securityGroups: [outputs.SecurityGroupId ?? ''],
        assignPublicIp: 'ENABLED',
      },
    },
  };
  proxy.requests.length = 0;
  const startedAt = Date.now();
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT,
      env: {
        ...benchEnv(tmpdir(), proxy.url, REGION),
        RUN_TASK_INPUT: JSON.stringify(input),
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.on('error', reject);
    child.on('close', (c) => resolve(c ?? -1));
  });
  if (code !== 0) throw new Error(`the bare SDK process exited ${code}`);
  return measure('bare SDK RunTask, new process', startedAt, [...proxy.requests], delay);
}

function medianOf(label: string, runs: Measured[]): Measured {
  const first = runs[0];
  if (!first) throw new Error(`${label}: no runs`);
  return {
    ...first,
    label,
    toRunTaskMs: median(runs.map((r) => r.toRunTaskMs)),
    toStartingRunTaskMs: median(runs.map((r) => r.toStartingRunTaskMs)),
    // The counts are the same on every run; report the worst.
    requestsBefore: Math.max(...runs.map((r) => r.requestsBefore)),
    roundTripsBefore: Math.max(...runs.map((r) => r.roundTripsBefore)),
  };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (!existsSync(join(ROOT, 'dist', 'commands', 'run.js'))) {
    process.stderr.write('dist/ is missing: run `npm run build` first.\n');
    process.exit(2);
  }
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'runvoy-bench-'));
    dirs.push(dir);
    return dir;
  };
  let moto: RunningMoto | undefined;
  let proxy: AwsProxy | undefined;
  try {
    log('starting moto_server...');
    moto = await startMoto();
    log(`moto at ${moto.url}; deploying the stack (init --yes --vpc default)...`);
    const init = await runCli(['init', '--yes', '--vpc', 'default'], tempDir(), moto.url);
    if (init.code !== 0) throw new Error(`runvoy init exited ${init.code}:\n${init.stderr}`);

    proxy = await startAwsProxy(moto.url, { delayMs: options.delay });
    const image = 'public.ecr.aws/docker/library/alpine:3.20';
    const runArgs = (extra: string[] = []) => [
      'run',
      '--detach',
      '--json',
      '--image',
      image,
      ...extra,
      '--',
      'echo',
      'hi',
    ];
    const configDir = tempDir();

    log(`cold run through a proxy adding ${options.delay} ms per request...`);
    const cold = await measuredRun(
      'cold: fresh config dir, new image',
      proxy,
      runArgs(),
      configDir,
      options.delay,
    );
    const warmRuns: Measured[] = [];
    const lockRuns: Measured[] = [];
    for (let i = 0; i < options.runs; i++) {
      log(`warm run ${i + 1}/${options.runs}...`);
      warmRuns.push(await measuredRun('warm', proxy, runArgs(), configDir, options.delay));
      lockRuns.push(
        await measuredRun('warm + lock', proxy, runArgs(['--lock', `bench-${i}`]), configDir, options.delay),
      );
    }
    const warm = medianOf('warm: same config dir and image', warmRuns);
    const warmLock = medianOf('warm, with --lock', lockRuns);

    const outputs = await stackOutputs(moto.url);
    const family = (await (async () => {
      const { ECSClient, ListTaskDefinitionFamiliesCommand } = await import('@aws-sdk/client-ecs');
      const ecs = new ECSClient({ region: REGION, endpoint: moto?.url, credentials: creds() });
      try {
        return (await ecs.send(new ListTaskDefinitionFamiliesCommand({}))).families?.[0];
      } finally {
        ecs.destroy();
      }
    })()) as string;
    const references: Measured[] = [];
    for (let i = 0; i < options.runs; i++)
      references.push(await referenceRunTask(proxy, outputs, family, options.delay));
    const reference = medianOf('bare SDK: one RunTask, in process', references);
    const processes: Measured[] = [];
    for (let i = 0; i < options.runs; i++)
      processes.push(await referenceProcess(proxy, outputs, family, options.delay));
    const referenceNewProcess = medianOf('bare SDK: one RunTask, new node process', processes);

    const pass =
      warm.roundTripsBefore <= TARGET_ROUND_TRIPS && warmLock.roundTripsBefore <= TARGET_ROUND_TRIPS;
    const rows = [cold, warm, warmLock, reference, referenceNewProcess];
    if (options.json) {
      process.stdout.write(
        `${JSON.stringify(
          {
            delayMs: options.delay,
            runs: options.runs,
            node: process.version,
            target: { maxRoundTripsBeforeRunTaskWarm: TARGET_ROUND_TRIPS },
            results: rows.map((r) => ({
              label: r.label,
              toRunTaskMs: round(r.toRunTaskMs, 1),
              toStartingRunTaskMs: round(r.toStartingRunTaskMs, 1),
              requestsBeforeRunTask: r.requestsBefore,
              roundTripsBeforeRunTask: r.roundTripsBefore,
              operationsBeforeRunTask: r.operationsBefore,
              totalRequests: r.totalRequests,
            })),
            pass,
          },
          null,
          2,
        )}\n`,
      );
    } else {
      const columns: Column[] = [
        { header: 'run' },
        { header: 'start -> RunTask ms', align: 'right' },
        { header: 'requests before', align: 'right' },
        { header: 'round trips before', align: 'right' },
        { header: 'calls before RunTask' },
      ];
      const table = rows.map((r) => [
        r.label,
        r.toStartingRunTaskMs === r.toRunTaskMs
          ? r.toRunTaskMs.toFixed(0)
          : `${r.toRunTaskMs.toFixed(0)} (${r.toStartingRunTaskMs.toFixed(0)} after registering)`,
        String(r.requestsBefore),
        String(r.roundTripsBefore),
        r.operationsBefore.join(', ') || '-',
      ]);
      process.stdout.write(
        `run latency: proxy adds ${options.delay} ms to every AWS request; medians of ${options.runs} warm runs, Node ${process.version}\n\n` +
          `${renderTable(columns, table)}\n\n` +
          `${pass ? 'PASS' : 'FAIL'}: a warm run makes ${warm.roundTripsBefore} sequential round trip(s) before RunTask ` +
          `(${warmLock.roundTripsBefore} with --lock); target <= ${TARGET_ROUND_TRIPS}.\n`,
      );
    }
    process.exitCode = pass ? 0 : 1;
  } finally {
    await proxy?.close();
    await moto?.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
