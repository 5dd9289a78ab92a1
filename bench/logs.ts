/**
 * Log export bench: `runvoy logs ID > out.txt` on a stream of 100,000 lines (about 10 MB) next to two
 * references on the same stream in the same run: a bare SDK loop of GetLogEvents
 * (bench/lib/sdk-get-log-events.mjs, plain node) and `aws logs tail` (AWS CLI v2).
 * Targets: at most 1.2x the SDK loop, at most half the AWS CLI's time, peak memory under 200 MB.
 *
 *   npm run bench:logs [-- --lines 100000 --runs 3 --json]
 *
 * Everything runs against a fresh moto_server that the bench starts on a free loopback port. Each
 * subject writes to a file (as `> out.txt` would); wall time is measured around the process and peak
 * memory (max RSS) by GNU time. runvoy's output is checked byte for byte on every run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { startMoto } from '../test/support/moto-server.js';
import { putLines, sampleLines } from '../test/support/log-writer.js';
import { benchEnv } from './lib/env.js';
import { median, round } from './lib/stats.js';
import { renderTable } from './lib/table.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(root, 'bin/run.js');
const REGION = 'us-east-1';
const TIME = '/usr/bin/time';
const AWS_V2 = '/usr/bin/aws';

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '3' },
    json: { type: 'boolean', default: false },
  },
});
const LINES = Number(values.lines);
const RUNS = Number(values.runs);

interface Sample {
  ms: number;
  maxRssMb: number;
  bytes: number;
}

function awsVersion(file: string): string | undefined {
  const r = spawnSync(file, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() || r.stderr.trim() : undefined;
}

/** Runs `file args > out` under GNU time: wall ms (around the process) and max RSS. */
function measure(file: string, args: string[], env: NodeJS.ProcessEnv, out: string): Sample {
  const fd = openSync(out, 'w');
  const rssFile = `${out}.rss`;
  const start = process.hrtime.bigint();
  const r = spawnSync(TIME, ['-f', '%M', '-o', rssFile, file, ...args], {
    env,
    stdio: ['ignore', fd, 'pipe'],
    encoding: 'utf8',
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  closeSync(fd);
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  const maxRssKb = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop());
  return { ms, maxRssMb: maxRssKb / 1024, bytes: statSync(out).size };
}

async function main(): Promise<void> {
  if (!existsSync(TIME)) throw new Error(`${TIME} (GNU time) is needed to measure peak memory`);
  const moto = await startMoto();
  const dir = mkdtempSync(join(tmpdir(), 'runvoy-bench-logs-'));
  const env = benchEnv(join(dir, 'config'), moto.url, REGION);
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
    const started = JSON.parse(
      cli(['run', '--detach', '--json', '--image', 'alpine:3.20', '--', 'true']).trim().split('\n').pop() ??
        '{}',
    ) as { execution: { id: string; taskArn: string } };
    const { id, taskArn } = started.execution;
    const outputs = JSON.parse(
      spawnSync(
        AWS_V2,
        [
          'cloudformation',
          'describe-stacks',
          '--stack-name',
          'runvoy',
          '--endpoint-url',
          moto.url,
          '--output',
          'json',
        ],
        { env, encoding: 'utf8' },
      ).stdout,
    ) as { Stacks: { Outputs: { OutputKey: string; OutputValue: string }[] }[] };
    const group = outputs.Stacks[0]?.Outputs.find((o) => o.OutputKey === 'LogGroupName')?.OutputValue ?? '';
    const stream = `runvoy/runner/${taskArn.split('/').pop() ?? ''}`;

    const lines = sampleLines(LINES);
    const expected = Buffer.from(`${lines.join('\n')}\n`);
    const logs = new CloudWatchLogsClient({
      region: REGION,
      endpoint: moto.url,
      credentials: { accessKeyId: 'b', secretAccessKey: 'b' },
    });
    const base = Date.now() - 3_600_000;
    await putLines(logs, group, stream, lines, (i) => base + Math.floor(i / 10));
    logs.destroy();

    const v2 = awsVersion(AWS_V2);
    const subjects = [
      { id: 'runvoy', label: 'runvoy logs ID > out.txt', file: process.execPath, args: [BIN, 'logs', id] },
      {
        id: 'sdk',
        label: 'bare SDK GetLogEvents loop (node)',
        file: process.execPath,
        args: [join(root, 'bench/lib/sdk-get-log-events.mjs'), group, stream],
      },
      ...(v2?.startsWith('aws-cli/2')
        ? [
            {
              id: 'aws',
              label: `aws logs tail (${v2.split(' ')[0]})`,
              file: AWS_V2,
              args: [
                'logs',
                'tail',
                group,
                '--log-stream-names',
                stream,
                '--since',
                '1d',
                '--format',
                'short',
                '--endpoint-url',
                moto.url,
              ],
            },
          ]
        : []),
    ];
    const samples = new Map<string, Sample[]>(subjects.map((s) => [s.id, []]));
    // One discarded warm-up round, then RUNS rounds, round-robin. The order rotates every round, so that
    // no subject always runs right after the same one (`aws logs tail` leaves moto busy collecting).
    for (let round_ = -1; round_ < RUNS; round_++) {
      const shift = (round_ + 1) % subjects.length;
      for (const subject of [...subjects.slice(shift), ...subjects.slice(0, shift)]) {
        const out = join(dir, `${subject.id}.out`);
        const sample = measure(subject.file, subject.args, env, out);
        if (subject.id === 'runvoy' && !readFileSync(out).equals(expected)) {
          throw new Error('runvoy logs did not reproduce the stream byte for byte');
        }
        if (round_ >= 0) samples.get(subject.id)?.push(sample);
      }
    }
    const sdk = median((samples.get('sdk') ?? []).map((s) => s.ms));
    const awsMs = samples.get('aws')?.length
      ? median((samples.get('aws') ?? []).map((s) => s.ms))
      : undefined;
    const rows = subjects.map((s) => {
      const list = samples.get(s.id) ?? [];
      const ms = median(list.map((x) => x.ms));
      const rss = Math.max(...list.map((x) => x.maxRssMb));
      return {
        id: s.id,
        label: s.label,
        medianMs: round(ms, 0),
        peakRssMb: round(rss, 1),
        bytes: list[0]?.bytes ?? 0,
        vsSdk: round(ms / sdk, 2),
        vsAws: awsMs ? round(ms / awsMs, 2) : undefined,
      };
    });
    const runvoy = rows.find((r) => r.id === 'runvoy');
    const verdict = {
      lines: LINES,
      megabytes: round(expected.length / 1e6, 1),
      runs: RUNS,
      awsCli: v2 ?? 'not installed (apt-get install -y awscli gives v2 at /usr/bin/aws)',
      rows,
      targets: {
        sdkRatio: { value: runvoy?.vsSdk, target: 1.2, met: (runvoy?.vsSdk ?? Infinity) <= 1.2 },
        awsRatio: {
          value: runvoy?.vsAws,
          target: 0.5,
          met: runvoy?.vsAws === undefined ? undefined : runvoy.vsAws <= 0.5,
        },
        peakRssMb: { value: runvoy?.peakRssMb, target: 200, met: (runvoy?.peakRssMb ?? Infinity) < 200 },
      },
    };
    if (values.json) {
      process.stdout.write(`${JSON.stringify(verdict, null, 2)}\n`);
      return;
    }
    process.stdout.write(
      `Export of ${LINES.toLocaleString('en')} lines (${verdict.megabytes} MB), median of ${RUNS} runs after a warm-up, moto_server ${moto.url}\n\n`,
    );
    process.stdout.write(
      `${renderTable(
        [
          { header: 'command' },
          { header: 'wall ms', align: 'right' },
          { header: 'peak RSS MB', align: 'right' },
          { header: 'vs SDK loop', align: 'right' },
          { header: 'vs aws CLI', align: 'right' },
        ],
        rows.map((r) => [
          r.label,
          String(r.medianMs),
          r.peakRssMb.toFixed(1),
          `${r.vsSdk.toFixed(2)}x`,
          r.vsAws === undefined ? 'n/a' : `${r.vsAws.toFixed(2)}x`,
        ]),
      )}\n\n`,
    );
    const t = verdict.targets;
    process.stdout.write(
      `targets: <= 1.2x SDK loop: ${t.sdkRatio.met ? 'met' : 'NOT met'}; <= 0.5x aws logs tail: ${t.awsRatio.met === undefined ? 'n/a' : t.awsRatio.met ? 'met' : 'NOT met'}; peak < 200 MB: ${t.peakRssMb.met ? 'met' : 'NOT met'}\n`,
    );
  } finally {
    await moto.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
