/**
 * Issue 11's user-facing polish, end to end with the built CLI: typos, -h, whole parse errors, logs -o,
 * audit periods, a broken config file, doctor's endpoint and profile checks, unknown costs, times and
 * money in JSON, hints that keep the user's global flags.
 */
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAwsProxy, type AwsProxy } from '../support/aws-proxy.js';
import { newConfigDir, runCli, jsonResult, streamResult, streamError } from '../support/cli.js';
import { stopTask } from '../support/emulator-state.js';
import { keepTasksRunning, motoUrl, resetMoto, stopTasksAtOnce } from '../support/moto.js';

const IMAGE = 'public.ecr.aws/docker/library/alpine:3.20';
const DEAD = 'http://127.0.0.1:1';
const STACK_TRACE = /^\s+at .+:\d+:\d+\)?$|node:internal|Unhandled 'error' event/m;

let configDir: string;
let proxy: AwsProxy;

/** Runs the CLI through the recording proxy; `requests` is what it sent to AWS. */
async function cli(args: string[], options: { env?: Record<string, string>; dir?: string } = {}) {
  const from = proxy.requests.length;
  const result = await runCli(args, {
    configDir: options.dir ?? configDir,
    env: { AWS_ENDPOINT_URL: proxy.url, ...options.env },
  });
  return { ...result, requests: proxy.requests.slice(from) };
}

/** The result of the `result` event that ends a stream (`run --json`). */
function lastJson<T>(stdout: string): T {
  return streamResult<T>(stdout);
}

beforeAll(async () => {
  await resetMoto();
  proxy = await startAwsProxy(motoUrl());
  configDir = newConfigDir();
  const init = await cli(['init', '--yes', '--vpc', 'default']);
  expect(init.exitCode, init.stderr).toBe(0);
});

afterAll(async () => {
  await proxy?.close();
});

describe('command typos', () => {
  it('`runvoy lsit` exits 2 with a suggestion, runs nothing and asks nothing', async () => {
    const result = await cli(['lsit']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('lsit is not a runvoy command.');
    expect(result.stderr).toContain('Did you mean `runvoy list`?');
    expect(result.stdout).toBe('');
    expect(result.requests).toEqual([]);
  });

  it('a typo in a topic command suggests the whole command; --json gets one error document', async () => {
    const topic = await cli(['locks', 'relase', 'x']);
    expect(topic.exitCode).toBe(2);
    expect(topic.stderr).toContain('Did you mean `runvoy locks release`?');
    const json = await cli(['lsit', '--json']);
    expect(json.exitCode).toBe(2);
    expect(JSON.parse(json.stdout)).toEqual({
      ok: false,
      error: expect.objectContaining({
        code: 'COMMAND_NOT_FOUND',
        command: 'lsit',
        suggestion: 'list',
        exitCode: 2,
      }),
      warnings: [],
    });
  });

  it('a word that looks like no command gets no suggestion', async () => {
    const result = await cli(['xyzzyplugh']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).not.toContain('Did you mean');
    expect(result.stderr).toContain('`runvoy help`');
  });
});

describe('-h is --help everywhere', () => {
  it.each([[['list']], [['locks', 'release']], [['config', 'set']], [['run']], [['cost']]])(
    'runvoy %j -h prints the same help as --help',
    async (command) => {
      const short = await runCli([...command, '-h'], { emulator: false });
      const long = await runCli([...command, '--help'], { emulator: false });
      expect(short.exitCode).toBe(0);
      expect(short.stdout).toContain('USAGE');
      expect(short.stdout).toBe(long.stdout);
    },
  );
});

describe('parse errors are shown whole', () => {
  it('a missing argument is named, with its description, exit 2', async () => {
    const result = await cli(['logs']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('Error: Missing the argument ID.');
    expect(result.stderr).toContain('ID: Execution ID or a unique prefix of it.');
    expect(result.stderr).toContain('`runvoy logs --help`');
  });

  it('a bad --tail says what was wrong with it', async () => {
    const result = await cli(['logs', 'abcd2345', '--tail', 'x']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('Error: --tail: Expected an integer but received: x');
    expect(result.requests).toEqual([]);
  });
});

describe('logs -o', () => {
  let id: string;
  beforeAll(async () => {
    await stopTasksAtOnce();
    const run = await cli(['run', '--image', IMAGE, '--json', '--', 'echo', 'hi']);
    expect(run.exitCode, run.stderr).toBe(0);
    id = lastJson<{ execution: { id: string } }>(run.stdout).execution.id;
  });

  it('an output path in a directory that does not exist: exit 2, what/why/fix, no stack trace, nothing sent', async () => {
    const result = await cli(['logs', id, '-o', '/nonexistent/x']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      'Error: --output /nonexistent/x cannot be written: the directory /nonexistent does not exist.',
    );
    expect(result.stderr).toContain('Fix: ');
    expect(result.stderr).not.toMatch(STACK_TRACE);
    expect(result.requests).toEqual([]);
  });

  it('an output path that is a directory: exit 2', async () => {
    const result = await cli(['logs', id, '--output', tmpdir()]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('is a directory');
  });

  it('writes the file with mode 0600, even over a file that was 0644', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'runvoy-out-')), 'out.txt');
    writeFileSync(file, 'old\n');
    chmodSync(file, 0o644);
    const result = await cli(['logs', id, '-o', file]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).not.toContain('old');
  });
});

describe('audit periods', () => {
  it('--since 1d --until 2d is refused like in cost and logs, before any AWS request', async () => {
    const result = await cli(['audit', '--since', '1d', '--until', '2d']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--until');
    expect(result.stderr).toContain('a time after --since');
    expect(result.requests).toEqual([]);
  });
});

describe('a broken config file', () => {
  function brokenDir(content: string): string {
    const dir = newConfigDir();
    writeFileSync(join(dir, 'config.json'), content);
    return dir;
  }

  it('config path still prints the path (and says the file is broken)', async () => {
    const dir = brokenDir('{"cpu": ');
    const result = await runCli(['config', 'path'], { configDir: dir, emulator: false });
    expect(result.exitCode).toBe(0);
    expect(result.stdout.trim()).toBe(join(dir, 'config.json'));
    expect(result.stderr).toContain('not a valid runvoy config');
  });

  it('config validate reports it with its reason and how to fix it, exit 2', async () => {
    const dir = brokenDir('{"cpu": ');
    const result = await runCli(['config', 'validate'], { configDir: dir, emulator: false });
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toContain(`${join(dir, 'config.json')} is not a valid runvoy config`);
    expect(result.stderr).toContain(`mv ${join(dir, 'config.json')}`);
    expect(result.stderr).not.toMatch(STACK_TRACE);
  });

  it('doctor reports it as one failed check with its fix, and runs the other checks', async () => {
    const dir = brokenDir('not json');
    const result = await cli(['doctor'], { dir });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/✖ Config +The config file .* is not a valid runvoy config/);
    expect(result.stdout).toMatch(/✔ Credentials +arn:aws:sts::/);
    expect(result.stdout).toMatch(/✔ Stack +runvoy/);
  });

  it('an empty file is an empty config: every command works, and validate says it is valid', async () => {
    const dir = brokenDir('');
    expect((await runCli(['config', 'validate'], { configDir: dir, emulator: false })).exitCode).toBe(0);
    expect((await runCli(['config', 'list'], { configDir: dir, emulator: false })).exitCode).toBe(0);
    const set = await runCli(['config', 'set', 'cpu', '1024'], { configDir: dir, emulator: false });
    expect(set.exitCode, set.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'))).toEqual({ cpu: 1024 });
  });
});

describe('doctor names what is wrong', () => {
  it('an endpoint that cannot be reached fails the Endpoint check, as such', async () => {
    const result = await runCli(['doctor'], { configDir: newConfigDir(), env: { AWS_ENDPOINT_URL: DEAD } });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`✖ Endpoint +${DEAD} cannot be reached`));
    expect(result.stdout).toContain('not checked: the endpoint');
  });

  it('a profile that does not exist fails the Profile check, as such', async () => {
    const result = await runCli(['doctor', '--profile', 'nope'], {
      configDir: newConfigDir(),
      env: { AWS_ENDPOINT_URL: proxy.url },
    });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(
      /✖ Profile +The AWS profile "nope" \(from --profile\) is not in your AWS config/,
    );
    expect(result.stdout).toContain('aws configure --profile nope');
  });
});

describe('unknown is never 0, times are ISO strings, money has no float noise', () => {
  it('cost csv and json leave an unknown amount empty and null where the table says n/a', async () => {
    await stopTasksAtOnce();
    // The emulator's tasks have no stop time: their cost is unavailable.
    const run = await cli(['run', '--image', IMAGE, '--', 'echo', 'x']);
    expect(run.exitCode, run.stderr).toBe(0);
    const table = await cli(['cost', '--by', 'image']);
    expect(table.stdout).toMatch(new RegExp(`^${IMAGE.replace(/[./]/g, '\\$&')}\\s+\\d+\\s+n/a`, 'm'));
    const csv = await cli(['cost', '--by', 'image', '--format', 'csv']);
    expect(csv.stdout.split('\r\n')[1]).toMatch(
      new RegExp(`^${IMAGE.replace(/[./]/g, '\\$&')},\\d+,,0,0,\\d+$`),
    );
    const json = jsonResult((await cli(['cost', '--by', 'image', '--json'])).stdout);
    expect(json.groups[0]).toMatchObject({ key: IMAGE, amount: null });
    expect(json.total.amount).toBeNull();
  });

  it("a held lock's lease is an ISO string in --json (locks status, locks list, the lock-held error)", async () => {
    await keepTasksRunning();
    const run = await cli([
      'run',
      '--image',
      IMAGE,
      '--lock',
      'iso',
      '--detach',
      '--json',
      '--',
      'sleep',
      '9',
    ]);
    expect(run.exitCode, run.stderr).toBe(0);
    const status = jsonResult((await cli(['locks', 'status', 'iso', '--json'])).stdout);
    expect(status.leaseExpiresAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const list = jsonResult((await cli(['locks', 'list', '--json'])).stdout);
    expect(list.locks.find((l: { name: string }) => l.name === 'iso').leaseExpiresAt).toMatch(/Z$/);
    const held = await cli(['run', '--image', IMAGE, '--lock', 'iso', '--json', '--', 'echo']);
    expect(held.exitCode).toBe(3);
    expect(streamError<{ lock: { leaseExpiresAt: unknown } }>(held.stdout).lock.leaseExpiresAt).toMatch(/Z$/);
    await stopTask(lastJson<{ execution: { taskArn: string } }>(run.stdout).execution.taskArn);
  });

  it('run --dry-run --json writes its estimate without binary float noise', async () => {
    const result = await cli([
      'run',
      '--image',
      IMAGE,
      '--timeout',
      '1h',
      '--dry-run',
      '--json',
      '--',
      'echo',
    ]);
    expect(result.exitCode, result.stderr).toBe(0);
    const doc = lastJson<{ estimate: { perHour: { amount: number } } }>(result.stdout);
    // 0.25 vCPU and 0.5 GB in us-east-1: 0.25 * 0.04048 + 0.5 * 0.004445 = 0.0123425 (not 0.012342500000000001)
    expect(doc.estimate.perHour.amount).toBe(0.0123425);
    expect(result.stdout).not.toMatch(/\d\.\d{13,}/);
  });

  it('tables show times as ISO 8601 UTC to the second', async () => {
    const result = await cli(['list']);
    expect(result.stdout).toMatch(/^[0-9a-z]{12}\s+\S+\s+\S+\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\s/m);
  });
});

describe('hints keep the --stack, --region and --profile the user gave', () => {
  it('a missing stack: the init hint has --stack and --region', async () => {
    const result = await cli(['list', '--stack', 'other-stack', '--region', 'us-east-1']);
    expect(result.exitCode).toBe(4);
    expect(result.stderr).toContain('`runvoy init --stack other-stack --region us-east-1`');
  });

  it('a detached run: the follow, status and stop lines have --region', async () => {
    await keepTasksRunning();
    const result = await cli([
      'run',
      '--image',
      IMAGE,
      '--detach',
      '--region',
      'us-east-1',
      '--',
      'sleep',
      '9',
    ]);
    expect(result.exitCode, result.stderr).toBe(0);
    const id = result.stdout.trim();
    expect(result.stderr).toContain(`runvoy logs ${id} --follow --region us-east-1`);
    expect(result.stderr).toContain(`runvoy kill ${id} --region us-east-1`);
    const kill = await cli(['kill', id, '--region', 'us-east-1']);
    expect(kill.exitCode, kill.stderr).toBe(0);
  });

  it('without global flags, hints are as they were', async () => {
    const dir = newConfigDir();
    mkdirSync(dir, { recursive: true });
    const result = await cli(['list', '--stack', 'other-stack'], { dir });
    expect(result.stderr).toContain('`runvoy init --stack other-stack`');
  });
});
