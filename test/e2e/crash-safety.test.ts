/**
 * Crash safety (issue 6 item 6, SPEC section 9): the CLI is SIGKILLed at each step of `run`, then one
 * `reconcile` brings everything back to agreement: no lock held by a finished execution, no task without
 * a record, no record stuck non-terminal. The kill comes from outside: a proxy in front of the emulator
 * kills the process when a given AWS request arrives (test/support/kill-proxy.ts).
 */
import { spawn } from 'node:child_process';
import { beforeEach, describe, expect, it } from 'vitest';
import { cliCommand, cliEnv, newConfigDir, runCli, jsonResult } from '../support/cli.js';
import { backdate, disagreements, emulatorState } from '../support/emulator-state.js';
import { startKillProxy, touchesLock, type KillRule } from '../support/kill-proxy.js';
import { motoUrl, resetMoto, stopTasksAtOnce } from '../support/moto.js';

const IMAGE = 'public.ecr.aws/docker/library/alpine:3.20';
const TERMINAL = ['SUCCEEDED', 'FAILED', 'STOPPED', 'TIMED_OUT', 'LOST'];
const PAST_ANY_GRACE_MS = 2 * 60 * 60_000;

let configDir: string;

/** Runs `runvoy run --lock crash` attached through a kill proxy; resolves once the process is dead. */
async function runAndKill(rule: KillRule): Promise<{ signal: NodeJS.Signals | null; operation: string }> {
  const proxy = await startKillProxy(motoUrl(), rule);
  try {
    const child = spawn(...cliCommand(['run', '--image', IMAGE, '--lock', 'crash', '--', 'sleep', '5']), {
      env: cliEnv(configDir, { AWS_ENDPOINT_URL: proxy.url }),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    proxy.setVictim(() => child.kill('SIGKILL'));
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('close', (_code, signal) => resolve(signal)),
    );
    const [seen, signal] = await Promise.all([proxy.triggered, exited]);
    return { signal, operation: seen.operation };
  } finally {
    await proxy.close();
  }
}

/**
 * One `reconcile` once the grace period has passed for every unfinished run (their records are backdated:
 * `--grace` cannot go below the time RunTask may take, so a run without a task is only LOST after it).
 */
async function reconcileJson(): Promise<{ counts: Record<string, number>; actions: unknown[] }> {
  for (const e of (await emulatorState()).executions) {
    if (!TERMINAL.includes(e.status)) await backdate(e.id, PAST_ANY_GRACE_MS);
  }
  const result = await runCli(['reconcile', '--json'], { configDir });
  expect(result.exitCode, result.stderr).toBe(0);
  return jsonResult<{ counts: Record<string, number>; actions: unknown[] }>(result.stdout);
}

describe('crash safety: SIGKILL at each step of run, then one reconcile', () => {
  beforeEach(async () => {
    await resetMoto();
    configDir = newConfigDir();
    const init = await runCli(['init', '--yes', '--vpc', 'default'], { configDir });
    expect(init.exitCode, init.stderr).toBe(0);
    await stopTasksAtOnce();
    // Registers the task definition, so that the RunTask the proxy sees is the one that starts the task.
    const warm = await runCli(['run', '--image', IMAGE, '--', 'true'], { configDir });
    expect(warm.exitCode, warm.stderr).toBe(0);
  });

  const cases: Array<{ step: string; rule: KillRule; mess: RegExp }> = [
    {
      step: 'after the transaction (record and lock written, no task)',
      rule: { match: (r) => r.operation === 'TransactWriteItems', when: 'after' },
      mess: /is PENDING but has no task/,
    },
    {
      step: 'after RunTask (task started, its ARN never recorded)',
      rule: { match: (r) => r.operation === 'RunTask', when: 'after' },
      mess: /has no record/,
    },
    {
      step: 'while waiting (task stopped, nobody watching)',
      rule: { match: (r) => r.operation === 'DescribeTasks', when: 'after' },
      mess: /but its task stopped/,
    },
    {
      step: 'while releasing (record final, lock release never sent)',
      rule: { match: (r) => r.operation === 'UpdateItem' && touchesLock(r), when: 'before' },
      mess: /lock crash is held by \w+, which is SUCCEEDED/,
    },
  ];

  it.each(cases)('$step', async ({ rule, mess }) => {
    const killed = await runAndKill(rule);
    expect(killed.signal).toBe('SIGKILL');

    const broken = await emulatorState();
    expect(disagreements(broken).join('\n')).toMatch(mess);
    expect(broken.locks.find((l) => l.name === 'crash')).toMatchObject({ state: 'HELD' });

    const first = await reconcileJson();
    expect(first.actions.length).toBeGreaterThan(0);
    const repaired = await emulatorState();
    expect(disagreements(repaired)).toEqual([]);
    expect(repaired.locks.find((l) => l.name === 'crash')).toMatchObject({ state: 'FREE', fence: 1 });
    expect(repaired.executions.every((e) => TERMINAL.includes(e.status))).toBe(true);

    const second = await reconcileJson();
    expect(second.actions).toEqual([]);
    expect(await emulatorState()).toEqual(repaired);
  });
});
