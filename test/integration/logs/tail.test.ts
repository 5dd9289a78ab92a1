/**
 * The tail engine against the emulator, with the faults that the emulator cannot produce injected by a
 * proxy in front of it: throttling, connections reset before the request and after the emulator
 * answered, and a stream that does not exist yet. Every test checks that each line came exactly once,
 * in order.
 */
import { CloudWatchLogsClient, CreateLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LogLine } from '../../../src/aws/logs.js';
import {
  liveTailKnownUnsupported,
  tailStream,
  type TailNotice,
  type TailOptions,
} from '../../../src/services/tail.js';
import { startFaultProxy, type Fault, type FaultProxy } from '../../support/fault-proxy.js';
import { putLines, sampleLines } from '../../support/log-writer.js';
import { motoUrl, resetMoto, sdkConfig, TEST_ACCOUNT, TEST_REGION } from '../../support/moto.js';

const GROUP = '/runvoy/test';
const STREAM = 'runvoy/runner/0123456789abcdef';
const FAST = { minPollMs: 20, maxPollMs: 80, baseBackoffMs: 5, maxBackoffMs: 40, drainGraceMs: 150 };

let writer: CloudWatchLogsClient;
let proxy: FaultProxy | undefined;
let reader: CloudWatchLogsClient | undefined;

/** A reader that makes one attempt per call, so that the engine's own backoff is what is tested. */
async function readerThrough(plan: (operation: string, n: number) => Fault): Promise<CloudWatchLogsClient> {
  proxy = await startFaultProxy(motoUrl(), plan);
  reader = new CloudWatchLogsClient({ ...sdkConfig(), endpoint: proxy.url, maxAttempts: 1 });
  return reader;
}

async function collect(
  logs: CloudWatchLogsClient,
  options: Partial<TailOptions> & { follow: boolean },
  notices: TailNotice[] = [],
): Promise<string[]> {
  const out: string[] = [];
  for await (const page of tailStream(
    {
      logs,
      logGroupName: GROUP,
      logStreamName: STREAM,
      logGroupArn: `arn:aws:logs:${TEST_REGION}:${TEST_ACCOUNT}:log-group:${GROUP}`,
    },
    { timing: FAST, onNotice: (n) => notices.push(n), ...options },
  )) {
    out.push(...page.map((line: LogLine) => line.message));
  }
  return out;
}

async function writeInBursts(lines: string[], burst: number, pauseMs: number): Promise<void> {
  for (let i = 0; i < lines.length; i += burst) {
    await putLines(writer, GROUP, STREAM, lines.slice(i, i + burst));
    await new Promise((r) => setTimeout(r, pauseMs));
  }
}

describe('tail engine', () => {
  beforeEach(async () => {
    await resetMoto();
    writer = new CloudWatchLogsClient(sdkConfig());
    await writer.send(new CreateLogGroupCommand({ logGroupName: GROUP }));
  });

  afterEach(async () => {
    writer.destroy();
    reader?.destroy();
    reader = undefined;
    await proxy?.close();
    proxy = undefined;
  });

  it('falls back to polling when the endpoint has no StartLiveTail, and remembers it for the process', async () => {
    const before = liveTailKnownUnsupported();
    const logs = await readerThrough(() => 'pass');
    let stopped = false;
    const notices: TailNotice[] = [];
    const first = collect(logs, { follow: true, isStopped: () => stopped }, notices);
    await putLines(writer, GROUP, STREAM, ['a', 'b']);
    await new Promise((r) => setTimeout(r, 150));
    stopped = true;
    expect(await first).toEqual(['a', 'b']);
    expect(liveTailKnownUnsupported()).toBe(true);
    const second = await collect(logs, { follow: true, isStopped: () => true });
    expect(second).toEqual(['a', 'b']);
    // One attempt in the whole process, then polling only.
    expect(proxy?.seen.filter((s) => s.operation === 'StartLiveTail')).toHaveLength(before ? 0 : 1);
    expect(notices.filter((n) => n.kind === 'live-tail')).toEqual(
      before ? [] : [expect.objectContaining({ kind: 'live-tail', active: false })],
    );
  });
  it('exports a multi-page stream once and in order through throttling and resets (prefetching pages)', async () => {
    const lines = sampleLines(25_000, 40);
    await putLines(writer, GROUP, STREAM, lines);
    const logs = await readerThrough((op, n) =>
      op !== 'GetLogEvents'
        ? 'pass'
        : n % 3 === 0
          ? 'throttle'
          : n % 5 === 0
            ? 'lose-answer'
            : n % 7 === 0
              ? 'reset'
              : 'pass',
    );
    const notices: TailNotice[] = [];
    expect(await collect(logs, { follow: false }, notices)).toEqual(lines);
    const faults = proxy?.seen.filter((s) => s.fault !== 'pass').map((s) => s.fault) ?? [];
    expect(new Set(faults)).toEqual(new Set(['throttle', 'lose-answer', 'reset']));
    expect(notices.filter((n) => n.kind === 'retry')).toHaveLength(faults.length);
    expect(notices.some((n) => n.kind === 'retry' && n.throttled)).toBe(true);
  });

  it('follows a stream that does not exist yet, through faults, and ends after the task stops', async () => {
    const lines = sampleLines(3_000, 30);
    const logs = await readerThrough((op, n) =>
      op !== 'GetLogEvents'
        ? 'pass'
        : n % 4 === 0
          ? 'throttle'
          : n % 6 === 0
            ? 'reset'
            : n % 9 === 0
              ? 'lose-answer'
              : 'pass',
    );
    let stopped = false;
    const notices: TailNotice[] = [];
    const reading = collect(logs, { follow: true, isStopped: () => stopped }, notices);
    await new Promise((r) => setTimeout(r, 200));
    await writeInBursts(lines, 250, 30);
    stopped = true;
    expect(await reading).toEqual(lines);
    expect(notices.some((n) => n.kind === 'waiting-for-stream')).toBe(true);
    expect(notices.some((n) => n.kind === 'draining')).toBe(true);
    expect(proxy?.seen.some((s) => s.fault === 'reset')).toBe(true);
  });

  it('drains the lines that arrive after the task stopped', async () => {
    const logs = await readerThrough(() => 'pass');
    await putLines(writer, GROUP, STREAM, ['before']);
    let stopped = false;
    const reading = collect(logs, {
      follow: true,
      isStopped: () => {
        if (stopped) return true;
        stopped = true;
        // awslogs flushes the last lines after ECS reports the task stopped.
        void putLines(writer, GROUP, STREAM, ['after 1', 'after 2']);
        return false;
      },
      timing: { ...FAST, drainGraceMs: 300 },
    });
    expect(await reading).toEqual(['before', 'after 1', 'after 2']);
  });

  it('ends quietly when following a run that stopped without ever writing', async () => {
    const logs = await readerThrough(() => 'pass');
    expect(await collect(logs, { follow: true, isStopped: () => true })).toEqual([]);
  });

  it('reads the newest N lines with --tail, across backward pages, then follows from there', async () => {
    const lines = sampleLines(12_000, 20);
    await putLines(writer, GROUP, STREAM, lines);
    const logs = await readerThrough((op, n) => (op === 'GetLogEvents' && n === 2 ? 'throttle' : 'pass'));
    expect(await collect(logs, { follow: false, tail: 10_500 })).toEqual(lines.slice(-10_500));
    let stopped = false;
    const reading = collect(logs, { follow: true, tail: 2, isStopped: () => stopped });
    await new Promise((r) => setTimeout(r, 100));
    await putLines(writer, GROUP, STREAM, ['new']);
    await new Promise((r) => setTimeout(r, 100));
    stopped = true;
    expect(await reading).toEqual([...lines.slice(-2), 'new']);
  });

  it('gives up at once on an error that is not transient, and after maxFailures on a transient one', async () => {
    await putLines(writer, GROUP, STREAM, ['x']);
    const denied = await readerThrough((op) => (op === 'GetLogEvents' ? 'deny' : 'pass'));
    await expect(collect(denied, { follow: false })).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect(proxy?.seen.filter((s) => s.operation === 'GetLogEvents')).toHaveLength(1);
    reader?.destroy();
    await proxy?.close();

    const throttled = await readerThrough((op) => (op === 'GetLogEvents' ? 'throttle' : 'pass'));
    await expect(
      collect(throttled, { follow: false, timing: { ...FAST, maxFailures: 3 } }),
    ).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(proxy?.seen.filter((s) => s.operation === 'GetLogEvents')).toHaveLength(4);
  });

  it('gives up on transient failures that have lasted giveUpAfterMs (aws.timeout), even below maxFailures', async () => {
    await putLines(writer, GROUP, STREAM, ['x']);
    const throttled = await readerThrough((op) => (op === 'GetLogEvents' ? 'throttle' : 'pass'));
    await expect(
      collect(throttled, { follow: true, timing: { ...FAST, maxFailures: 1_000, giveUpAfterMs: 0 } }),
    ).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(proxy?.seen.filter((s) => s.operation === 'GetLogEvents')).toHaveLength(1);
  });
});
