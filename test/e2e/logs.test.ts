/**
 * `runvoy logs` end to end: the built CLI against the emulator (issue 5, "Must show"). No container runs
 * in moto, so the tests write the run's stream themselves, as the awslogs driver would:
 * `runvoy/runner/<task-id>` in the stack's log group.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cliCommand, cliEnv, cliShellCommand, newConfigDir, runCli, streamResult } from '../support/cli.js';
import { stackOutputs, stopTask } from '../support/emulator-state.js';
import { putLines, sampleLines } from '../support/log-writer.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { keepTasksRunning, motoUrl, resetMoto, sdkConfig } from '../support/moto.js';

const IMAGE = 'public.ecr.aws/docker/library/alpine:3.20';

interface Started {
  id: string;
  taskArn: string;
  stream: string;
}

let configDir: string;
let outputs: Record<string, string>;
const logs = () => new CloudWatchLogsClient(sdkConfig());

/** A detached run whose task keeps running until the test stops it. */
async function startRun(): Promise<Started> {
  const result = await runCli(['run', '--detach', '--json', '--image', IMAGE, '--', 'sh', '-c', 'work'], {
    configDir,
  });
  expect(result.exitCode, result.stderr).toBe(0);
  const last = streamResult<{ execution: { id: string; taskArn: string } }>(result.stdout);
  const taskId = last.execution.taskArn.split('/').pop() ?? '';
  return { id: last.execution.id, taskArn: last.execution.taskArn, stream: `runvoy/runner/${taskId}` };
}

/**
 * The CLI with its stdout kept as bytes: `runCli` decodes chunk by chunk, which can split a multi-byte
 * character that straddles two chunks.
 */
function runBytes(args: string[]): Promise<{ stdout: Buffer; stderr: string; exitCode: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(...cliCommand([...args]), {
      env: cliEnv(configDir),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ stdout: Buffer.concat(chunks), stderr, exitCode: code ?? -1 }));
  });
}

async function waitFor<T>(probe: () => T | undefined): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const value = probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('gave up waiting');
}

describe('runvoy logs against the emulator', () => {
  beforeAll(async () => {
    await resetMoto();
    configDir = newConfigDir();
    const init = await runCli(['init', '--yes', '--vpc', 'default'], { configDir });
    expect(init.exitCode, init.stderr).toBe(0);
    outputs = await stackOutputs();
  });

  beforeEach(async () => {
    await keepTasksRunning();
  });

  afterAll(async () => {
    await resetMoto();
  });

  describe('a run with 100,000 lines (about 10 MB)', () => {
    let run: Started;
    let lines: string[];

    beforeAll(async () => {
      await keepTasksRunning();
      run = await startRun();
      lines = sampleLines(100_000);
      const client = logs();
      const base = Date.now() - 3_600_000;
      try {
        // Ten lines per millisecond: equal timestamps must keep their order too.
        await putLines(
          client,
          outputs.LogGroupName ?? '',
          run.stream,
          lines,
          (i) => base + Math.floor(i / 10),
        );
      } finally {
        client.destroy();
      }
    }, 300_000);

    it('`runvoy logs ID > out.txt` reproduces them byte for byte, in order', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'runvoy-logs-'));
      const file = join(dir, 'out.txt');
      const exitCode = await new Promise<number>((resolve, reject) => {
        const child = spawn(`${cliShellCommand(['logs', run.id])} > "${file}"`, {
          shell: true,
          env: cliEnv(configDir),
          stdio: ['ignore', 'ignore', 'inherit'],
        });
        child.on('error', reject);
        child.on('close', (code) => resolve(code ?? -1));
      });
      expect(exitCode).toBe(0);
      const expected = Buffer.from(`${lines.join('\n')}\n`);
      const actual = readFileSync(file);
      expect(actual.length).toBe(expected.length);
      expect(actual.equals(expected)).toBe(true);
    }, 120_000);

    it('--format json gives 100,000 parseable lines, in order', async () => {
      const result = await runBytes(['logs', run.id, '--format', 'json']);
      expect(result.exitCode, result.stderr).toBe(0);
      const out = result.stdout.toString('utf8').trimEnd().split('\n');
      expect(out).toHaveLength(100_000);
      out.forEach((text, index) => {
        const event = JSON.parse(text) as { type: string; message: string; time: string };
        if (event.message !== lines[index]) expect(event.message).toBe(lines[index]);
      });
      const first = JSON.parse(out[0] ?? '{}') as { type: string; time: string };
      expect(first.type).toBe('log');
      expect(Number.isNaN(Date.parse(first.time))).toBe(false);
    }, 120_000);

    it('--output FILE --format csv writes RFC 4180 rows to the file and says so on stderr; --timestamps prefixes text', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'runvoy-logs-'));
      const file = join(dir, 'last.csv');
      const result = await runCli(['logs', run.id, '--tail', '2', '--format', 'csv', '--output', file], {
        configDir,
      });
      expect(result.exitCode, result.stderr).toBe(0);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(`Wrote 2 lines to ${file}`);
      const quote = (text: string) => `"${text.replaceAll('"', '""')}"`;
      const rows = readFileSync(file, 'utf8').split('\n');
      expect(rows[0]).toBe('timestamp,message');
      expect(rows[1]).toMatch(/^\d{4}-\d{2}-\d{2}T[\d:.]+Z,/);
      expect(rows[1]?.slice(25)).toBe(quote(lines[99_998] ?? ''));
      expect(rows[2]?.slice(25)).toBe(quote(lines[99_999] ?? ''));

      const stamped = await runCli(['logs', run.id, '--tail', '1', '--timestamps'], { configDir });
      expect(stamped.stdout).toMatch(new RegExp(`^\\d{4}-\\d{2}-\\d{2}T[\\d:.]+Z line 099999 `));
    }, 120_000);

    it('--tail, --grep, --filter and an ID prefix select the right lines', async () => {
      const tail = await runCli(['logs', run.id.slice(0, 6), '--tail', '3'], { configDir });
      expect(tail.exitCode, tail.stderr).toBe(0);
      expect(tail.stdout).toBe(`${lines.slice(-3).join('\n')}\n`);

      const grep = await runCli(['logs', run.id, '--grep', '^line 0000(1|2)[0-9] '], { configDir });
      expect(grep.exitCode, grep.stderr).toBe(0);
      expect(grep.stdout).toBe(`${lines.slice(10, 30).join('\n')}\n`);

      const filter = await runCli(['logs', run.id, '--filter', '"line 099999"'], { configDir });
      expect(filter.exitCode, filter.stderr).toBe(0);
      expect(filter.stdout).toBe(`${lines[99_999]}\n`);
    }, 120_000);
  });

  it('--follow prints exactly the 10,000 lines appended in bursts while it runs, then exits when the task stops', async () => {
    const run = await startRun();
    const lines = sampleLines(10_000, 60);
    const child = spawn(...cliCommand(['logs', run.id, '--follow']), {
      env: cliEnv(configDir),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));

    // The stream does not exist when the CLI starts following; then 20 bursts of 500 lines.
    const client = logs();
    try {
      await new Promise((r) => setTimeout(r, 1500));
      for (let burst = 0; burst < 20; burst++) {
        const chunk = lines.slice(burst * 500, (burst + 1) * 500);
        await putLines(client, outputs.LogGroupName ?? '', run.stream, chunk);
        await new Promise((r) => setTimeout(r, burst % 4 === 0 ? 700 : 50));
      }
    } finally {
      client.destroy();
    }
    await stopTask(run.taskArn);
    const code = await exited;
    expect(code, stderr).toBe(0);
    expect(Buffer.concat(chunks).toString('utf8')).toBe(`${lines.join('\n')}\n`);
  }, 120_000);

  it('--json while following prints NDJSON log events and a final status event', async () => {
    const run = await startRun();
    const client = logs();
    try {
      await putLines(client, outputs.LogGroupName ?? '', run.stream, ['one', 'two']);
    } finally {
      client.destroy();
    }
    await stopTask(run.taskArn);
    const result = await runCli(['logs', run.id, '--follow', '--json'], { configDir });
    expect(result.exitCode, result.stderr).toBe(0);
    const events = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; message?: string; status?: string });
    expect(events.filter((e) => e.type === 'log').map((e) => e.message)).toEqual(['one', 'two']);
    expect(events.find((e) => e.type === 'status')?.status).toBe('SUCCEEDED');
    expect(events.at(-1)).toMatchObject({
      type: 'result',
      ok: true,
      exitCode: 0,
      result: { status: 'SUCCEEDED' },
    });
  });

  it('an attached `run` without a terminal streams the log to stdout and status to stderr; with --json, NDJSON log events', async () => {
    for (const json of [false, true]) {
      const child = spawn(
        ...cliCommand(['run', ...(json ? ['--json'] : []), '--image', IMAGE, '--', 'sh', '-c', 'work']),
        { env: cliEnv(configDir), stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const chunks: Buffer[] = [];
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => chunks.push(c));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
      const taskArn = await waitFor(() => {
        const out = Buffer.concat(chunks).toString() + stderr;
        return /task (arn:aws:ecs:\S+)/.exec(out)?.[1] ?? /"taskArn":"([^"]+)"/.exec(out)?.[1];
      });
      const stream = `runvoy/runner/${taskArn.split('/').pop() ?? ''}`;
      const client = logs();
      try {
        await putLines(client, outputs.LogGroupName ?? '', stream, [
          'hello from the task',
          '\u001b[32mgreen\u001b[0m',
        ]);
      } finally {
        client.destroy();
      }
      await new Promise((r) => setTimeout(r, 500));
      await stopTask(taskArn);
      expect(await exited, stderr).toBe(0);
      const stdout = Buffer.concat(chunks).toString();
      if (json) {
        const events = stdout
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as { type: string; message?: string });
        expect(events.filter((e) => e.type === 'log').map((e) => e.message)).toEqual([
          'hello from the task',
          '\u001b[32mgreen\u001b[0m',
        ]);
        expect(events.at(-1)?.type).toBe('result');
      } else {
        expect(stdout).toBe('hello from the task\n\u001b[32mgreen\u001b[0m\n');
        expect(stderr).toContain('SUCCEEDED');
      }
    }
  });

  it('says on stderr why no line is coming once reads keep failing, then prints every line once', async () => {
    const run = await startRun();
    const lines = sampleLines(50);
    const client = logs();
    try {
      await putLines(client, outputs.LogGroupName ?? '', run.stream, lines, (i) => Date.now() - 60_000 + i);
    } finally {
      client.destroy();
    }
    // Every GetLogEvents call of the first ten is reset: the SDK retries each call 5 times, so the tail
    // engine sees two failed reads in a row before the third gets through.
    const proxy = await startFaultProxy(motoUrl(), (operation, n) =>
      operation === 'GetLogEvents' && n <= 10 ? 'reset' : 'pass',
    );
    try {
      const result = await runCli(['logs', run.id], {
        configDir,
        env: { AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: proxy.url },
      });
      expect(result.exitCode, result.stderr).toBe(0);
      expect(result.stdout).toBe(`${lines.join('\n')}\n`);
      const notices = result.stderr.split('\n').filter((line) => line.includes('Retrying in'));
      expect(notices).toHaveLength(1);
      expect(notices[0]).toMatch(/^Reading the log failed: .+\. Retrying in [\d.]+s \(attempt 2\)/);
      expect(proxy.seen.filter((s) => s.operation === 'GetLogEvents' && s.fault === 'reset')).toHaveLength(
        10,
      );
    } finally {
      await proxy.close();
    }
  }, 120_000);

  it('bad flags are exit 2 before any AWS call', async () => {
    const result = await runCli(['logs', 'abc123', '--grep', '(unclosed'], { configDir, emulator: false });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--grep');
    const since = await runCli(['logs', 'abc123', '--since', 'yesterday-ish'], {
      configDir,
      emulator: false,
    });
    expect(since.exitCode).toBe(2);
    expect(since.stderr).toContain('--since');
  });
});
