/**
 * Interrupting `runvoy init` (issue 11 item 11): Ctrl-C at the confirmation prompt in a real terminal
 * (tmux), and SIGINT at each later step of `init --yes` (a child process, with a proxy in front of the
 * emulator that says when the CLI reached the step, and that can show the stack as still in progress the
 * way AWS would, since moto completes every stack operation at once).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, awsCli, cliEnv, newConfigDir, runCli, type CliResult } from '../support/cli.js';
import { motoUrl, resetMoto } from '../support/moto.js';
import {
  startProxy,
  type InterceptedRequest,
  type ProxyActions,
  type RunningProxy,
} from '../support/proxy.js';
import { startInTerminal as startTerminal, type Terminal } from '../support/terminal.js';

const terminals: Terminal[] = [];
const proxies: RunningProxy[] = [];
let configDir: string;

beforeEach(async () => {
  await resetMoto();
  configDir = newConfigDir();
});

afterEach(async () => {
  for (const terminal of terminals.splice(0)) terminal.close();
  for (const proxy of proxies.splice(0)) await proxy.close();
});

function startInTerminal(args: string[], env: Record<string, string> = {}): Terminal {
  const terminal = startTerminal(args, { configDir, env });
  terminals.push(terminal);
  return terminal;
}

/** Every stack in the emulator's region, as `aws cloudformation describe-stacks` lists them. */
function stacks(): Array<{ StackName: string; StackStatus: string }> {
  return (
    awsCli(['cloudformation', 'describe-stacks']) as {
      Stacks: Array<{ StackName: string; StackStatus: string }>;
    }
  ).Stacks;
}

/** `runvoy init ...` as a child process whose AWS requests go through `proxyUrl`. */
function spawnInit(args: string[], proxyUrl: string) {
  const child: ChildProcess = spawn(process.execPath, ['--', BIN, 'init', ...args], {
    env: cliEnv(configDir, { AWS_ENDPOINT_URL: proxyUrl }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  let exited = false;
  const done = new Promise<CliResult>((resolve) =>
    child.on('close', (code, signal) => {
      exited = true;
      resolve({ stdout, stderr, exitCode: code ?? (signal ? 128 : -1) });
    }),
  );
  /** Resolves once the CLI has said it was interrupted (its SIGINT handler ran), or has exited. */
  const interrupted = () => until(() => exited || /Ctrl-C again to exit at once/.test(stderr));
  return { child, done, interrupted };
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    if (condition()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('timed out waiting for a condition');
}

/** A proxy that records each operation in order and lets `handle` decide what to do with it. */
async function watchingProxy(
  handle: (request: InterceptedRequest, actions: ProxyActions) => void = (_r, actions) => actions.forward(),
) {
  const operations: string[] = [];
  const proxy = await startProxy(motoUrl(), (request, actions) => {
    operations.push(request.operation);
    handle(request, actions);
  });
  proxies.push(proxy);
  /** Resolves once the CLI has sent `then` after it sent `first`. */
  const sent = (first: string, then?: string) =>
    until(() => {
      const at = operations.indexOf(first);
      return at >= 0 && (then === undefined || operations.slice(at + 1).includes(then));
    });
  return { url: proxy.url, operations, sent };
}

/** Forwards the request and answers with its response, each `*_COMPLETE` stack status replaced by `status`. */
function forwardShowing(actions: ProxyActions, status: string): void {
  actions.forward({
    swallow: (answer) => {
      let body = '';
      answer.setEncoding('utf8');
      answer.on('data', (c: string) => (body += c));
      answer.on('end', () => {
        const headers = { ...answer.headers } as Record<string, string>;
        delete headers['content-length'];
        delete headers['transfer-encoding'];
        actions.respond(
          answer.statusCode ?? 200,
          headers,
          body.replace(
            /<StackStatus>[A-Z_]+_COMPLETE<\/StackStatus>/g,
            `<StackStatus>${status}</StackStatus>`,
          ),
        );
      });
    },
  });
}

describe('Ctrl-C at the confirmation prompt of `runvoy init`', () => {
  it('deletes the change set and the REVIEW_IN_PROGRESS placeholder, says so, and exits 130', async () => {
    const terminal = startInTerminal(['init', '--vpc', 'default']);
    await terminal.waitFor(/Apply these changes to stack "runvoy" in us-east-1\? \[y\/N\]/);
    expect(stacks().map((s) => s.StackStatus)).toEqual(['REVIEW_IN_PROGRESS']);

    terminal.keys('C-c');
    const screen = await terminal.waitFor(/EXIT=\d+/);
    expect(screen).toContain('EXIT=130');
    expect(screen).not.toContain('unexpected error');
    expect(screen).toMatch(/Interrupted: nothing was applied/);
    expect(screen).toMatch(/Deleted change set runvoy-\d+/);
    expect(screen).toContain('Deleted the empty stack "runvoy" (REVIEW_IN_PROGRESS)');
    expect(stacks()).toEqual([]);
  });

  it('answering no still cancels with exit 1 and leaves no stack', async () => {
    const terminal = startInTerminal(['init', '--vpc', 'default']);
    await terminal.waitFor(/\[y\/N\]/);
    terminal.keys('n', 'Enter');
    const screen = await terminal.waitFor(/EXIT=\d+/);
    expect(screen).toContain('Cancelled: nothing was changed.');
    expect(screen).toContain('EXIT=1');
    expect(stacks()).toEqual([]);
  });
});

describe('Ctrl-C in a terminal during `runvoy init --yes`', () => {
  it('while the live view follows the create: stops waiting, says the stack is CREATE_IN_PROGRESS, exits 130', async () => {
    let created = false;
    const proxy = await watchingProxy((request, actions) => {
      if (request.operation === 'CreateStack') created = true;
      if (created && request.operation === 'DescribeStacks') forwardShowing(actions, 'CREATE_IN_PROGRESS');
      else actions.forward();
    });
    const terminal = startInTerminal(['init', '--yes', '--vpc', 'default'], { AWS_ENDPOINT_URL: proxy.url });
    await proxy.sent('CreateStack', 'DescribeStackEvents');
    await terminal.waitFor(/Deploying stack "runvoy"/);
    terminal.keys('C-c');
    const screen = await terminal.waitFor(/EXIT=\d+/);
    expect(screen).toContain('EXIT=130');
    expect(screen).toContain('Interrupted: stopped waiting. Stack "runvoy" is CREATE_IN_PROGRESS.');
    expect(screen).toContain("The create continues on AWS's side.");
    expect(screen).not.toContain('unexpected error');
  });
});

describe('SIGINT during `runvoy init --yes`', () => {
  it('while the change set is being prepared: deletes it and the placeholder, creates nothing, exits 130', async () => {
    let hold = true;
    const held: Array<() => void> = [];
    const proxy = await watchingProxy((request, actions) => {
      if (hold && request.operation === 'DescribeChangeSet') held.push(() => actions.forward());
      else actions.forward();
    });
    const { child, done, interrupted } = spawnInit(['--yes', '--vpc', 'default'], proxy.url);
    await proxy.sent('DescribeChangeSet');
    child.kill('SIGINT');
    await interrupted();
    hold = false;
    for (const release of held) release();
    const result = await done;
    expect(result.exitCode, result.stderr).toBe(130);
    expect(result.stderr).toMatch(/Interrupted: nothing was applied/);
    expect(result.stderr).toContain('Deleted the empty stack "runvoy" (REVIEW_IN_PROGRESS)');
    expect(proxy.operations).not.toContain('CreateStack');
    expect(stacks()).toEqual([]);
  });

  it('while the stack is being created: says it is CREATE_IN_PROGRESS and that `runvoy destroy` deletes it once done, exits 130', async () => {
    let created = false;
    const proxy = await watchingProxy((request, actions) => {
      if (request.operation === 'CreateStack') created = true;
      if (created && request.operation === 'DescribeStacks') forwardShowing(actions, 'CREATE_IN_PROGRESS');
      else actions.forward();
    });
    const { child, done, interrupted } = spawnInit(['--yes', '--vpc', 'default'], proxy.url);
    await proxy.sent('CreateStack', 'DescribeStacks');
    child.kill('SIGINT');
    await interrupted();
    const result = await done;
    expect(result.exitCode, result.stderr).toBe(130);
    expect(result.stderr).not.toContain('unexpected error');
    expect(result.stderr).toContain('Stack "runvoy" is CREATE_IN_PROGRESS');
    expect(result.stderr).toMatch(/The create continues on AWS's side/);
    expect(result.stderr).toContain('runvoy destroy');
  });

  it('while the stack is being updated: says the update continues on AWS, exits 130', async () => {
    expect((await runCli(['init', '--yes', '--vpc', 'default'], { configDir })).exitCode).toBe(0);
    let executed = false;
    const proxy = await watchingProxy((request, actions) => {
      if (request.operation === 'ExecuteChangeSet') executed = true;
      if (executed && request.operation === 'DescribeStacks') forwardShowing(actions, 'UPDATE_IN_PROGRESS');
      else actions.forward();
    });
    const { child, done, interrupted } = spawnInit(['--yes', '--log-retention', '7'], proxy.url);
    await proxy.sent('ExecuteChangeSet', 'DescribeStacks');
    child.kill('SIGINT');
    await interrupted();
    const result = await done;
    expect(result.exitCode, result.stderr).toBe(130);
    expect(result.stderr).toContain('Stack "runvoy" is UPDATE_IN_PROGRESS');
    expect(result.stderr).toMatch(/The update continues on AWS's side/);
  });

  it('a second SIGINT exits at once, even while a request hangs', async () => {
    let created = false;
    let hang = false;
    const proxy = await watchingProxy((request, actions) => {
      if (request.operation === 'CreateStack') created = true;
      if (hang) return; // never answered
      if (created && request.operation === 'DescribeStacks') forwardShowing(actions, 'CREATE_IN_PROGRESS');
      else actions.forward();
    });
    const { child, done, interrupted } = spawnInit(['--yes', '--vpc', 'default'], proxy.url);
    await proxy.sent('CreateStack', 'DescribeStacks');
    hang = true;
    child.kill('SIGINT');
    await interrupted();
    child.kill('SIGINT');
    const result = await done;
    expect(result.exitCode, result.stderr).toBe(130);
    expect(result.stderr).toMatch(/Interrupted again: exiting now/);
  });
});
