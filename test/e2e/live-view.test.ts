/**
 * The live view in a real terminal: the built CLI runs inside tmux (a pty), the test presses keys with
 * `send-keys` and reads the screen with `capture-pane`. No container runs in the emulator, so the test
 * writes the run's log stream itself.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cliShellCommand, newConfigDir, NO_AWS_FILES, runCli } from '../support/cli.js';
import { stackOutputs, stopTask } from '../support/emulator-state.js';
import { putLines } from '../support/log-writer.js';
import { awsEnv, keepTasksRunning, resetMoto, sdkConfig } from '../support/moto.js';

const IMAGE = 'public.ecr.aws/docker/library/alpine:3.20';

let configDir: string;
let outputs: Record<string, string>;
const sessions: string[] = [];

function tmux(args: string[]): string {
  const result = spawnSync('tmux', args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/** Starts the CLI in a 120x40 tmux session; the shell prints EXIT=<code> when it ends. */
function startInTerminal(args: string[]): string {
  const name = `runvoy-test-${process.pid}-${sessions.length}`;
  const dir = mkdtempSync(join(tmpdir(), 'runvoy-tmux-'));
  const script = join(dir, 'run.sh');
  const env = {
    ...awsEnv(),
    RUNVOY_CONFIG_DIR: configDir,
    ...NO_AWS_FILES,
    TERM: 'xterm-256color',
    FORCE_COLOR: '1',
  };
  const exports = Object.entries(env)
    .map(([k, v]) => `export ${k}='${v}'`)
    .join('\n');
  writeFileSync(
    script,
    `#!/bin/sh\nunset NO_COLOR CI\n${exports}\n${cliShellCommand(args)}\necho "EXIT=$?"\nsleep 600\n`,
    { mode: 0o755 },
  );
  tmux(['new-session', '-d', '-s', name, '-x', '120', '-y', '40', script]);
  sessions.push(name);
  return name;
}

function screen(name: string, colours = false): string {
  return tmux(['capture-pane', '-p', ...(colours ? ['-e'] : []), '-t', name]);
}

/** Polls the screen until it matches; fails with the screen when it never does. */
async function waitForScreen(name: string, pattern: RegExp, colours = false): Promise<RegExpExecArray> {
  let last = '';
  for (let i = 0; i < 600; i++) {
    last = screen(name, colours);
    const match = pattern.exec(last);
    if (match) return match;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the screen never matched ${pattern}:\n${last}`);
}

async function item<T>(pk: string): Promise<T | undefined> {
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient(sdkConfig()));
  try {
    const out = await doc.send(
      new GetCommand({ TableName: outputs.TableName, Key: { pk, sk: 'META' }, ConsistentRead: true }),
    );
    return out.Item as T | undefined;
  } finally {
    doc.destroy();
  }
}

async function writeLog(taskArn: string, lines: string[]): Promise<void> {
  const logs = new CloudWatchLogsClient(sdkConfig());
  try {
    await putLines(
      logs,
      outputs.LogGroupName ?? '',
      `runvoy/runner/${taskArn.split('/').pop() ?? ''}`,
      lines,
    );
  } finally {
    logs.destroy();
  }
}

const TASK = /task (arn:aws:ecs:\S+)/;
const ID = /Execution ([0-9a-z]{12}) started/;

describe('the live view in a terminal', () => {
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

  afterEach(() => {
    for (const name of sessions.splice(0)) spawnSync('tmux', ['kill-session', '-t', name]);
  });

  it('shows the header and the log with its colours; t adds timestamps; d detaches (exit 130) and the task keeps its lock', async () => {
    const name = startInTerminal([
      'run',
      '--image',
      IMAGE,
      '--lock',
      'view-detach',
      '--',
      'sh',
      '-c',
      'work',
    ]);
    const taskArn = (await waitForScreen(name, TASK))[1] ?? '';
    const id = (await waitForScreen(name, ID))[1] ?? '';
    const header = await waitForScreen(name, /RUNNING[\s\S]*cost so far[\s\S]*view-detach \(fence 1\)/);
    expect(header[0]).toContain('elapsed');
    expect(screen(name)).toMatch(/\d+ CPU, \d+ MiB, x86_64/);
    expect(screen(name)).toMatch(/d\/ctrl-c detach · k kill · t timestamps on/);

    await writeLog(taskArn, ['first line', '\u001b[32mgreen line\u001b[0m']);
    await waitForScreen(name, /first line\n(.*\n)*green line/);
    // The program's own colours reach the terminal.
    expect(screen(name, true)).toContain('\u001b[32mgreen line');

    tmux(['send-keys', '-t', name, 't']);
    await waitForScreen(name, /t timestamps off/);
    await writeLog(taskArn, ['stamped line']);
    await waitForScreen(name, /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z stamped line/);
    // Each line is rendered once: no repeats on the screen.
    expect(screen(name).match(/first line/g)).toHaveLength(1);

    tmux(['send-keys', '-t', name, 'd']);
    await waitForScreen(name, /EXIT=130/);
    expect(screen(name)).toContain(`Detached from ${id}`);
    expect(screen(name)).toContain(`runvoy logs ${id} --follow`);
    expect(await item<{ status: string; detached: boolean }>(`EXEC#${id}`)).toMatchObject({
      status: 'RUNNING',
      detached: true,
    });
    expect(await item<{ state: string; holderExecutionId: string }>('LOCK#view-detach')).toMatchObject({
      state: 'HELD',
      holderExecutionId: id,
    });
    await stopTask(taskArn);
  });

  it('k asks y/n: n goes back, y stops the task; the run ends STOPPED with exit 130 and frees its lock', async () => {
    const name = startInTerminal(['run', '--image', IMAGE, '--lock', 'view-kill', '--', 'sh', '-c', 'work']);
    const id = (await waitForScreen(name, ID))[1] ?? '';
    await waitForScreen(name, /RUNNING/);

    tmux(['send-keys', '-t', name, 'k']);
    await waitForScreen(name, /Stop the task\? y\/n/);
    tmux(['send-keys', '-t', name, 'n']);
    await waitForScreen(name, /d\/ctrl-c detach · k kill/);
    expect(screen(name)).not.toContain('Stop the task?');

    tmux(['send-keys', '-t', name, 'k']);
    await waitForScreen(name, /Stop the task\? y\/n/);
    tmux(['send-keys', '-t', name, 'y']);
    await waitForScreen(name, /EXIT=130/);
    expect(screen(name)).toMatch(/STOPPED/);
    expect(screen(name)).toContain('runvoy: killed by arn:aws:sts::123456789012:user/moto');
    expect(await item<{ status: string; killedBy: string }>(`EXEC#${id}`)).toMatchObject({
      status: 'STOPPED',
      killedBy: 'arn:aws:sts::123456789012:user/moto',
    });
    expect(await item<{ state: string }>('LOCK#view-kill')).toMatchObject({ state: 'FREE' });
  });

  it('Ctrl-C detaches too, and `logs --follow` shows the same view until the task stops', async () => {
    const name = startInTerminal(['run', '--image', IMAGE, '--', 'sh', '-c', 'work']);
    const taskArn = (await waitForScreen(name, TASK))[1] ?? '';
    const id = (await waitForScreen(name, ID))[1] ?? '';
    await writeLog(taskArn, ['before detach']);
    await waitForScreen(name, /before detach/);
    tmux(['send-keys', '-t', name, 'C-c']);
    await waitForScreen(name, /EXIT=130/);

    const follow = startInTerminal(['logs', id, '--follow']);
    await waitForScreen(follow, /before detach[\s\S]*RUNNING[\s\S]*k kill/);
    await writeLog(taskArn, ['after reattach']);
    await waitForScreen(follow, /after reattach/);
    await stopTask(taskArn);
    await waitForScreen(follow, /EXIT=0/);
    expect(screen(follow)).toMatch(/SUCCEEDED/);
    expect(screen(follow).match(/before detach/g)).toHaveLength(1);
  });
});
