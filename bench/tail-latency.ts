/**
 * Tail latency bench: how long from PutLogEvents to the line printed by `runvoy logs ID --follow`.
 * Target: p50 under 1 s against the emulator.
 *
 *   npm run bench:tail-latency [-- --lines 60 --json]
 *
 * A fresh moto_server, a stack (`init --vpc default`) and a detached run whose task keeps running. The
 * follower starts first (so it also waits for the stream to exist); then one line at a time is written
 * with a random pause of 0.2 to 1.5 s, so that the follower is sometimes busy and sometimes idle. The
 * latency of a line is from just before its PutLogEvents call to the moment its text reaches the
 * follower's stdout pipe. The first line, which also creates the stream, is reported apart.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CloudWatchLogsClient, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeStacksCommand, CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { ECSClient, StopTaskCommand } from '@aws-sdk/client-ecs';
import { startMoto } from '../test/support/moto-server.js';
import { createStream } from '../test/support/log-writer.js';
import { benchEnv } from './lib/env.js';
import { percentile, round } from './lib/stats.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(root, 'bin/run.js');
const REGION = 'us-east-1';

const { values } = parseArgs({
  options: { lines: { type: 'string', default: '60' }, json: { type: 'boolean', default: false } },
});
const LINES = Number(values.lines);

async function main(): Promise<void> {
  const moto = await startMoto();
  const dir = mkdtempSync(join(tmpdir(), 'runvoy-bench-tail-'));
  const env = benchEnv(join(dir, 'config'), moto.url, REGION);
  const sdk = { region: REGION, endpoint: moto.url, credentials: { accessKeyId: 'b', secretAccessKey: 'b' } };
  const logs = new CloudWatchLogsClient(sdk);
  try {
    const cli = (args: string[]) => {
      const r = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`runvoy ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
      return r.stdout;
    };
    cli(['init', '--yes', '--vpc', 'default']);
    await fetch(`${moto.url}/moto-api/state-manager/set-transition`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model_name: 'ecs::task', transition: { progression: 'manual', times: 1e6 } }),
    });
    const { execution } = JSON.parse(
      cli(['run', '--detach', '--json', '--image', 'alpine:3.20', '--', 'true']).trim().split('\n').pop() ??
        '{}',
    ) as { execution: { id: string; taskArn: string } };
    const cfn = new CloudFormationClient(sdk);
    const stackOut = await cfn.send(new DescribeStacksCommand({ StackName: 'runvoy' }));
    cfn.destroy();
    const outputs = Object.fromEntries(
      (stackOut.Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']),
    );
    const group = outputs.LogGroupName ?? '';
    const stream = `runvoy/runner/${execution.taskArn.split('/').pop() ?? ''}`;

    const follower = spawn(process.execPath, [BIN, 'logs', execution.id, '--follow'], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const seen = new Map<number, number>();
    const waiters = new Map<number, () => void>();
    let buffer = '';
    follower.stdout.on('data', (chunk: Buffer) => {
      const at = performance.now();
      buffer += chunk.toString();
      const parts = buffer.split('\n');
      buffer = parts.pop() ?? '';
      for (const part of parts) {
        const n = Number(/^latency (\d+)$/.exec(part)?.[1]);
        if (Number.isFinite(n)) {
          seen.set(n, at);
          waiters.get(n)?.();
        }
      }
    });
    const exited = new Promise<number>((resolve) => follower.on('close', (code) => resolve(code ?? -1)));
    // Let the follower start and find no stream yet.
    await new Promise((r) => setTimeout(r, 1500));

    const latencies: number[] = [];
    let first: number | undefined;
    for (let i = 0; i < LINES; i++) {
      const printed = new Promise<void>((resolve) => waiters.set(i, resolve));
      const sent = performance.now();
      if (i === 0) await createStream(logs, group, stream);
      await logs.send(
        new PutLogEventsCommand({
          logGroupName: group,
          logStreamName: stream,
          logEvents: [{ timestamp: Date.now(), message: `latency ${i}` }],
        }),
      );
      await printed;
      const latency = (seen.get(i) ?? NaN) - sent;
      if (i === 0) first = latency;
      else latencies.push(latency);
      await new Promise((r) => setTimeout(r, 200 + Math.random() * 1300));
    }
    const ecs = new ECSClient(sdk);
    await ecs.send(new StopTaskCommand({ cluster: outputs.ClusterName, task: execution.taskArn }));
    ecs.destroy();
    const code = await exited;

    const result = {
      lines: LINES,
      firstLineMs: round(first ?? NaN, 0),
      p50Ms: round(percentile(latencies, 50), 0),
      p95Ms: round(percentile(latencies, 95), 0),
      maxMs: round(Math.max(...latencies), 0),
      followerExit: code,
      target: { p50Ms: 1000, met: percentile(latencies, 50) < 1000 },
    };
    if (values.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else
      process.stdout.write(
        `PutLogEvents -> line printed by \`runvoy logs ID --follow\`, ${LINES - 1} lines (moto_server ${moto.url})\n` +
          `  p50 ${result.p50Ms} ms   p95 ${result.p95Ms} ms   max ${result.maxMs} ms   (first line, creating the stream: ${result.firstLineMs} ms)\n` +
          `  target p50 < 1000 ms: ${result.target.met ? 'met' : 'NOT met'}; follower exited ${code} after the task stopped\n`,
      );
  } finally {
    logs.destroy();
    await moto.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
