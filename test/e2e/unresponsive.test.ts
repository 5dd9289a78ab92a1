/**
 * An AWS endpoint that accepts connections and never answers (issue 11, item 13): every command says
 * that it is waiting and gives up within `aws.timeout` (RUNVOY_AWS_TIMEOUT, set small here); an attached
 * run or `logs --follow` that loses AWS says that its task still runs, what becomes of its lock, and how
 * to re-attach. No assertion on time: the bound is set small so that the tests end soon.
 */
import { createServer, type Socket } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startProxy, type InterceptedRequest, type RunningProxy } from '../support/proxy.js';
import { newConfigDir, runCli } from '../support/cli.js';
import { stackOutputs } from '../support/emulator-state.js';
import { keepTasksRunning, motoUrl, resetMoto, sdkConfig } from '../support/moto.js';

const IMAGE = 'public.ecr.aws/docker/library/alpine:3.20';
const BOUND = { RUNVOY_AWS_TIMEOUT: '6s' };

interface SilentServer {
  url: string;
  connections(): number;
  close(): Promise<void>;
}

/** A TCP server that accepts every connection, reads what it is sent, and never answers. */
async function startSilentServer(): Promise<SilentServer> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => connections,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('against an endpoint that accepts connections and never answers', () => {
  let silent: SilentServer;
  beforeEach(async () => {
    silent = await startSilentServer();
  });
  afterEach(async () => silent.close());

  it('`list` says on stderr that it is waiting, naming the service and endpoint, then exits 1 with what, why and fix', async () => {
    const result = await runCli(['list'], {
      env: { AWS_ENDPOINT_URL: silent.url, ...BOUND },
      timeoutMs: 100_000,
    });
    expect(silent.connections()).toBeGreaterThan(0);
    expect(result.stderr).toMatch(
      /Waiting for (STS|DynamoDB|CloudFormation) \w+( \(and \d+ other requests?\))? at http:\/\/127\.0\.0\.1:\d+/,
    );
    expect(result.stderr).toContain(`at ${silent.url} (us-east-1): no answer for 3s`);
    expect(result.stderr).toMatch(/retrying for up to 6s \(aws\.timeout/);
    expect(result.exitCode, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/AWS (STS|DynamoDB|CloudFormation) did not answer/);
    expect(result.stderr).toContain(silent.url);
    expect(result.stderr).toContain('RUNVOY_AWS_TIMEOUT');
    expect(result.stdout).toBe('');
  });

  it('`list --json` keeps stdout one JSON document (the error) and the waiting notice on stderr', async () => {
    const result = await runCli(['list', '--json'], {
      env: { AWS_ENDPOINT_URL: silent.url, ...BOUND },
      timeoutMs: 100_000,
    });
    expect(result.exitCode, result.stderr).toBe(1);
    expect(result.stderr).toMatch(
      /Waiting for \w+ \w+( \(and \d+ other requests?\))? at http:\/\/127\.0\.0\.1:\d+/,
    );
    const doc = JSON.parse(result.stdout) as {
      ok: boolean;
      error: { code: string; message: string; endpoint: string; exitCode: number };
    };
    expect(doc.ok).toBe(false);
    expect(doc.error.exitCode).toBe(1);
    expect(doc.error.code).toBe('AWS_UNRESPONSIVE');
    expect(doc.error.message).toContain(silent.url);
    expect(doc.error.endpoint).toBe(silent.url);
  });

  it('`doctor` checks everything and still ends: later checks are not each given the whole bound', async () => {
    const result = await runCli(['doctor'], {
      env: { AWS_ENDPOINT_URL: silent.url, ...BOUND },
      timeoutMs: 100_000,
    });
    expect(result.exitCode, result.stderr).not.toBe(0);
    expect(result.stderr + result.stdout).toMatch(/did not answer/);
    // One request per attempt of the first call, then nothing more: the endpoint is given up on.
    expect(silent.connections()).toBeLessThanOrEqual(10);
  });
});

interface Lock_ {
  state: string;
  holderExecutionId?: string;
  leaseExpiresAt?: number;
}

async function getItem<T>(pk: string): Promise<T | undefined> {
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient(sdkConfig()));
  try {
    const { TableName } = await stackOutputs();
    const out = await doc.send(new GetCommand({ TableName, Key: { pk, sk: 'META' }, ConsistentRead: true }));
    return out.Item as T | undefined;
  } finally {
    doc.destroy();
  }
}

const ECS_OR_LOGS = /^(AmazonEC2ContainerServiceV20141113|Logs_20140328)\./;
const isEcsOrLogs = (request: InterceptedRequest) =>
  ECS_OR_LOGS.test(String(request.headers['x-amz-target'] ?? ''));

/**
 * A proxy in front of the emulator that forwards everything until the attached CLI has polled its task
 * `afterPolls` times, then stops answering the requests `silence` picks (they hang, as on a dead link).
 */
async function startLosingProxy(
  silence: (request: InterceptedRequest) => boolean,
  afterPolls = 2,
): Promise<RunningProxy & { silenced: () => number }> {
  let polls = 0;
  let silenced = 0;
  const proxy = await startProxy(motoUrl(), (request, actions) => {
    if (polls >= afterPolls && silence(request)) {
      silenced++;
      return;
    }
    if (request.operation === 'DescribeTasks') polls++;
    actions.forward();
  });
  return { ...proxy, silenced: () => silenced };
}

describe('an attached run, and logs --follow, that lose AWS mid-run', () => {
  let configDir: string;
  let proxy: (RunningProxy & { silenced: () => number }) | undefined;

  beforeEach(async () => {
    await resetMoto();
    configDir = newConfigDir();
    const init = await runCli(['init', '--yes', '--vpc', 'default'], { configDir });
    expect(init.exitCode, init.stderr).toBe(0);
    await keepTasksRunning();
  });
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });

  it('ECS stops answering: the run says its task still runs and keeps its lock (lease extended), how to re-attach or stop it, and exits 1', async () => {
    proxy = await startLosingProxy(isEcsOrLogs);
    const result = await runCli(['run', '--image', IMAGE, '--lock', 'lost', '--', 'sleep', '600'], {
      configDir,
      env: { AWS_ENDPOINT_URL: proxy.url, ...BOUND },
      timeoutMs: 110_000,
    });
    expect(proxy.silenced()).toBeGreaterThan(0);
    expect(result.exitCode, result.stderr).toBe(1);
    const id = /Execution (\S+) started/.exec(result.stderr)?.[1] ?? '';
    expect(id).not.toBe('');
    expect(result.stderr).toMatch(
      /Waiting for (ECS DescribeTasks|CloudWatchLogs GetLogEvents)( \(and 1 other request\))? at http:\/\/127\.0\.0\.1:\d+/,
    );
    expect(result.stderr).toContain(`Lost contact with AWS while attached to ${id}`);
    expect(result.stderr).toMatch(/task .* still runs on ECS/);
    expect(result.stderr).toContain('lock "lost"');
    expect(result.stderr).toMatch(/lease now lasts until \d{4}-\d\d-\d\dT/);
    expect(result.stderr).toContain(`runvoy logs ${id} --follow`);
    expect(result.stderr).toContain(`runvoy kill ${id}`);

    // The lock is still this run's, with the lease of a detached run (days, not the attached 2 minutes).
    const lock = await getItem<Lock_>('LOCK#lost');
    expect(lock).toMatchObject({ state: 'HELD', holderExecutionId: id });
    expect(lock?.leaseExpiresAt ?? 0).toBeGreaterThan(Date.now() + 24 * 3_600_000);
    const record = await getItem<{ status: string; detached?: boolean }>(`EXEC#${id}`);
    expect(record?.detached).toBe(true);
    expect(['STARTING', 'RUNNING']).toContain(record?.status);
  });

  it('all of AWS stops answering: the run says when its lease expires, since it could not be extended', async () => {
    proxy = await startLosingProxy(() => true);
    const result = await runCli(['run', '--image', IMAGE, '--lock', 'gone', '--json', '--', 'sleep', '600'], {
      configDir,
      env: { AWS_ENDPOINT_URL: proxy.url, ...BOUND },
      timeoutMs: 110_000,
    });
    expect(result.exitCode, result.stderr).toBe(1);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; id?: string; error?: Record<string, unknown> });
    const id = lines.find((line) => line.type === 'started')?.id ?? '';
    expect(id).not.toBe('');
    const last = lines.at(-1) as {
      type: string;
      error: {
        code: string;
        message: string;
        why: string;
        fix: string;
        leaseExtended: boolean;
        exitCode: number;
      };
    };
    expect(last.type).toBe('error');
    expect(last.error.exitCode).toBe(1);
    expect(last.error.code).toBe('LOST_CONTACT');
    expect(last.error.message).toContain(id);
    expect(last.error.leaseExtended).toBe(false);
    expect(last.error.why).toMatch(/could not be extended/);
    expect(last.error.why).toMatch(/expires at \d{4}-\d\d-\d\dT/);
    expect(last.error.fix).toContain(`runvoy logs ${id} --follow`);
    expect(result.stderr).toMatch(
      /Waiting for \w+ \w+( \(and \d+ other requests?\))? at http:\/\/127\.0\.0\.1:\d+/,
    );

    // Nothing could be written: the lock is still held by the run, on its attached lease.
    const lock = await getItem<Lock_>('LOCK#gone');
    expect(lock).toMatchObject({ state: 'HELD', holderExecutionId: id });
    expect(lock?.leaseExpiresAt ?? Infinity).toBeLessThan(Date.now() + 24 * 3_600_000);
  });

  it('`logs --follow` that loses AWS says the task still runs and how to follow it again', async () => {
    const started = await runCli(['run', '--image', IMAGE, '--detach', '--', 'sleep', '600'], {
      configDir,
    });
    expect(started.exitCode, started.stderr).toBe(0);
    const id = started.stdout.trim();
    proxy = await startLosingProxy(() => true, 1);
    const result = await runCli(['logs', id, '--follow'], {
      configDir,
      env: { AWS_ENDPOINT_URL: proxy.url, ...BOUND },
      timeoutMs: 110_000,
    });
    expect(proxy.silenced()).toBeGreaterThan(0);
    expect(result.exitCode, result.stderr).toBe(1);
    expect(result.stderr).toContain(`Lost contact with AWS while following ${id}`);
    expect(result.stderr).toMatch(/still runs on ECS/);
    expect(result.stderr).toContain(`runvoy logs ${id} --follow`);
    expect(result.stderr).toContain(`runvoy kill ${id}`);
  });
});
