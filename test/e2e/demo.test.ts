/**
 * `npm run demo` (scripts/demo.mjs; `npm run demo` is `npm run build && node scripts/demo.mjs`, and the
 * e2e tests run the built CLI already): it ends by itself with exit 0, and whatever way it ends (done, a
 * step failing, Ctrl-C) it leaves no emulator running and no temporary folder behind (issue 11, item 14).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NO_AWS_FILES } from '../support/cli.js';

const DEMO = resolve(import.meta.dirname, '../../scripts/demo.mjs');

interface DemoRun {
  pid: number;
  output: { stdout: string; stderr: string };
  done: Promise<{ exitCode: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once stdout contains `text`. */
  printed(text: string): Promise<void>;
}

let tmp: string;
const groups: number[] = [];

/**
 * Runs the demo in its own process group (as a shell runs a foreground job), with its own TMPDIR so
 * that whatever it leaves there can be seen, and nothing of the developer's AWS setup.
 */
function startDemo(extraEnv: Record<string, string> = {}): DemoRun {
  tmp = mkdtempSync(join(tmpdir(), 'runvoy-demo-test-'));
  const child = spawn(process.execPath, [DEMO], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TMPDIR: tmp,
      NO_COLOR: '1',
      ...NO_AWS_FILES,
      ...extraEnv,
    },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid ?? 0;
  groups.push(pid);
  const output = { stdout: '', stderr: '' };
  const waiters: Array<{ text: string; resolve: () => void }> = [];
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    output.stdout += chunk;
    for (const waiter of waiters) if (output.stdout.includes(waiter.text)) waiter.resolve();
  });
  child.stderr.on('data', (chunk: string) => (output.stderr += chunk));
  // A demo that never ends is stopped here (group and all), so that the test fails instead of hanging.
  const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), 100_000);
  const done = new Promise<{ exitCode: number | null; signal: NodeJS.Signals | null }>((done_) =>
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      done_({ exitCode, signal });
    }),
  );
  const printed = (text: string) =>
    new Promise<void>((resolve_) => {
      if (output.stdout.includes(text)) resolve_();
      else waiters.push({ text, resolve: resolve_ });
    });
  return { pid, output, done, printed };
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

/** Whether any process is left in process group `pgid` (signal 0 only checks). */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function emulatorOf(stdout: string): { url: string; pid: number } {
  const match = /AWS emulator \(moto, pid (\d+)\) at (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
  expect(match, stdout).not.toBeNull();
  return { pid: Number(match?.[1]), url: match?.[2] ?? '' };
}

async function answers(url: string): Promise<boolean> {
  try {
    await fetch(`${url}/moto-api/`, { signal: AbortSignal.timeout(5_000) });
    return true;
  } catch {
    return false;
  }
}

/** Nothing of the demo is left: its emulator's process group is empty, its port closed, TMPDIR empty. */
async function expectNothingLeft(run: DemoRun): Promise<void> {
  const moto = emulatorOf(run.output.stdout);
  expect(groupAlive(moto.pid), `moto process group ${moto.pid}`).toBe(false);
  expect(await answers(moto.url), `${moto.url} still answers`).toBe(false);
  expect(groupAlive(run.pid), `demo process group ${run.pid}`).toBe(false);
  expect(readdirSync(tmp), `left in TMPDIR ${tmp}`).toEqual([]);
}

afterEach(() => {
  // Whatever a failed test left running: the demo's group, and the emulator's own group.
  for (const pgid of groups.splice(0)) killGroup(pgid, 'SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});

describe('npm run demo (scripts/demo.mjs)', () => {
  it('runs init, doctor, a locked run and locks list, exits 0 by itself, and leaves nothing behind', async () => {
    const run = startDemo();
    const { exitCode } = await run.done;
    expect(exitCode, run.output.stdout + run.output.stderr).toBe(0);
    for (const step of [
      'runvoy init --yes --vpc default',
      'runvoy doctor',
      'runvoy run',
      'runvoy locks list',
    ]) {
      expect(run.output.stdout).toContain(`$ ${step}`);
    }
    expect(run.output.stdout).toMatch(/The run exited 0\./);
    groups.push(emulatorOf(run.output.stdout).pid);
    await expectNothingLeft(run);
  });

  it('on Ctrl-C (SIGINT to its process group, as a terminal sends it) stops, cleans up and exits 130', async () => {
    const run = startDemo();
    await run.printed('$ runvoy doctor');
    groups.push(emulatorOf(run.output.stdout).pid);
    killGroup(run.pid, 'SIGINT');
    const { exitCode } = await run.done;
    expect(exitCode, run.output.stdout + run.output.stderr).toBe(130);
    await expectNothingLeft(run);
  });

  it('when a step fails, says which, stops, cleans up and exits 1', async () => {
    // A stack name that runvoy refuses (exit 2) makes `init` fail.
    const run = startDemo({ RUNVOY_STACK: '1-not-a-stack-name' });
    const { exitCode } = await run.done;
    expect(exitCode, run.output.stdout + run.output.stderr).toBe(1);
    expect(run.output.stderr).toMatch(/runvoy init .*exited 2/);
    expect(run.output.stdout).not.toContain('$ runvoy doctor');
    groups.push(emulatorOf(run.output.stdout).pid);
    await expectNothingLeft(run);
  });
});
