/**
 * Every request a command sends to AWS is one that src/core/permissions.ts (and so docs/permissions.md)
 * lists for it. Each command runs against the emulator through the recording proxy, with a fresh config
 * directory (so the identity and stack lookups are not served from a cache); the IAM action of each
 * request is its signing service and operation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionsOf } from '../../src/core/permissions.js';
import { startAwsProxy, type AwsProxy } from '../support/aws-proxy.js';
import { runCli, streamResult } from '../support/cli.js';
import { stopTask } from '../support/emulator-state.js';
import { keepTasksRunning, motoUrl, resetMoto, stopTasksAtOnce } from '../support/moto.js';

const IMAGE = 'public.ecr.aws/docker/library/alpine:3.20';

let proxy: AwsProxy;

/** Runs `runvoy ARGS` through the proxy; returns its result and the IAM actions it sent. */
async function sent(args: string[], env: Record<string, string> = {}) {
  const from = proxy.requests.length;
  const result = await runCli(args, { env: { AWS_ENDPOINT_URL: proxy.url, ...env } });
  return { result, actions: [...new Set(proxy.requests.slice(from).map((r) => r.iamAction))].sort() };
}

/** Asserts that `runvoy ARGS` succeeds and sends only actions listed for `commandId`; returns them. */
async function check(commandId: string, args: string[], env: Record<string, string> = {}, exitCode = 0) {
  const { result, actions } = await sent(args, env);
  expect(result.exitCode, `${args.join(' ')}\n${result.stderr}`).toBe(exitCode);
  expect(actions.length, args.join(' ')).toBeGreaterThan(0);
  const listed = actionsOf(commandId);
  expect(
    actions.filter((a) => !listed.has(a as never)),
    `${args.join(' ')} sent actions that src/core/permissions.ts does not list for ${commandId}`,
  ).toEqual([]);
  return { result, actions };
}

async function detachedRun(lock: string): Promise<{ id: string; taskArn: string }> {
  const { result } = await sent([
    'run',
    '--image',
    IMAGE,
    '--lock',
    lock,
    '--detach',
    '--json',
    '--',
    'sleep',
    '1',
  ]);
  expect(result.exitCode, result.stderr).toBe(0);
  const doc = streamResult<{ execution: { id: string; taskArn: string } }>(result.stdout);
  return { id: doc.execution.id, taskArn: doc.execution.taskArn };
}

describe('every AWS request of every command is listed in src/core/permissions.ts', () => {
  beforeAll(async () => {
    await resetMoto();
    proxy = await startAwsProxy(motoUrl());
  });

  afterAll(async () => {
    await proxy?.close();
  });

  it('init (create, unchanged, update), iam policy, doctor', async () => {
    await check('init', ['init', '--yes', '--vpc', 'default']);
    // Again with nothing to change, then with a change.
    await check('init', ['init', '--yes']);
    await check('init', ['init', '--yes', '--log-retention', '7']);
    await check('iam:policy', ['iam', 'policy', '--role', 'admin', '--mfa']);
    const doctor = await check('doctor', ['doctor']);
    // The spend check reads this month's runs: the page used to leave this out.
    expect(doctor.actions).toContain('dynamodb:Query');
  });

  it('run (lock, timeout, tags), and run --dry-run with a monthly budget', async () => {
    await stopTasksAtOnce();
    const run = await check('run', [
      'run',
      '--image',
      IMAGE,
      '--lock',
      'perm',
      '--timeout',
      '10m',
      '--tag',
      'a=b',
      '--',
      'echo',
      'hi',
    ]);
    expect(run.actions).toEqual(
      expect.arrayContaining(['ecs:RunTask', 'dynamodb:TransactWriteItems', 'scheduler:CreateSchedule']),
    );
    const budget = await check(
      'run',
      ['run', '--image', IMAGE, '--timeout', '10m', '--dry-run', '--', 'echo'],
      {
        RUNVOY_BUDGET_MONTHLY: '100',
      },
    );
    expect(budget.actions).toContain('dynamodb:Query');
  });

  it('list, status, logs, cost, audit, locks list and status, reconcile', async () => {
    await stopTasksAtOnce();
    const { result } = await sent(['run', '--image', IMAGE, '--json', '--', 'echo', 'x']);
    const id = streamResult<{ execution: { id: string } }>(result.stdout).execution.id;
    await check('list', ['list']);
    await check('status', ['status', id]);
    await check('status', ['status', id.slice(0, 6)]);
    await check('logs', ['logs', id]);
    await check('logs', ['logs', id, '--filter', 'x']);
    await check('logs', ['logs', id, '--follow']);
    const cost = await check('cost', ['cost', id]);
    expect(cost.actions).toContain('dynamodb:GetItem');
    const report = await check('cost', ['cost', '--by', 'day']);
    expect(report.actions).toContain('dynamodb:Query');
    await check('audit', ['audit']);
    await check('locks:list', ['locks', 'list']);
    await check('locks:status', ['locks', 'status', 'perm']);
    await check('reconcile', ['reconcile', '--dry-run']);
    await check('reconcile', ['reconcile']);
  });

  it('kill, locks release (a finished holder, and --force), locks status of a held lock', async () => {
    await keepTasksRunning();
    const live = await detachedRun('perm-kill');
    await check('locks:status', ['locks', 'status', 'perm-kill']);
    await check('kill', ['kill', live.id]);

    const finished = await detachedRun('perm-release');
    await stopTask(finished.taskArn);
    const release = await check('locks:release', ['locks', 'release', 'perm-release']);
    // Releasing the lock of a finished holder is an UpdateItem: the page used to leave this out.
    expect(release.actions).toContain('dynamodb:UpdateItem');

    const held = await detachedRun('perm-force');
    await check('locks:release', ['locks', 'release', 'perm-force'], {}, 3);
    await check('locks:release', ['locks', 'release', 'perm-force', '--force', '--yes']);
    await stopTask(held.taskArn);
    await stopTask(live.taskArn);
  });

  it('policy set, get, list, unset; a run under a policy that changed since it was cached', async () => {
    const set = await check('policy:set', ['policy', 'set', 'budget.perRun', '5']);
    expect(set.actions).toContain('dynamodb:TransactWriteItems');
    await check('policy:get', ['policy', 'get', 'budget.perRun']);
    await check('policy:list', ['policy', 'list']);
    await check('policy:unset', ['policy', 'unset', 'budget.perRun']);
    await stopTasksAtOnce();
    const run = await check('run', ['run', '--image', IMAGE, '--', 'echo', 'policy']);
    expect(run.actions).toContain('dynamodb:GetItem');
  });

  it('destroy', async () => {
    await check('destroy', ['destroy', '--yes']);
  });
});
