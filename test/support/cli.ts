import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { awsEnv, motoUrl } from './moto.js';

export const BIN = resolve(import.meta.dirname, '../../bin/run.js');

/**
 * The CLI under test: RUNVOY_CLI names a single-executable binary (`RUNVOY_CLI=release/linux-x64/runvoy
 * npm run test:e2e`), run with a PATH that holds nothing but its own directory (no Node); unset, the npm
 * package's bin/run.js under this Node.
 */
export const CLI_BINARY = process.env.RUNVOY_CLI ? resolve(process.env.RUNVOY_CLI) : undefined;

/** The program and arguments that run the CLI under test with `args`. */
export function cliCommand(args: string[]): [string, string[]] {
  // `--` as in bin/run.js's shebang: Node 20 would otherwise read `--env-file` after the script name.
  return CLI_BINARY ? [CLI_BINARY, args] : [process.execPath, ['--', BIN, ...args]];
}

/** The same, as one line for `sh -c`, every word single-quoted. */
export function cliShellCommand(args: string[]): string {
  const [file, rest] = cliCommand(args);
  return [file, ...rest].map((word) => `'${word.replace(/'/g, `'\\''`)}'`).join(' ');
}

export interface CliResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  /** Config directory; a fresh temporary one per call when not given. */
  configDir?: string;
  input?: string;
  /** Whether to point the CLI at the emulator (default true). */
  emulator?: boolean;
  timeoutMs?: number;
  /** The working directory (task files are found from it); the test process's when not given. */
  cwd?: string;
}

export function newConfigDir(): string {
  return mkdtempSync(join(tmpdir(), 'runvoy-test-'));
}

/** Where AWS tools under test look for config: nowhere, so that this machine's profiles never leak in. */
export const NO_AWS_FILES = {
  AWS_CONFIG_FILE: '/nonexistent/runvoy-test-aws-config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/runvoy-test-aws-credentials',
};

/** PATH and HOME, no AWS config files, the emulator's endpoint and credentials, then `extra`. */
export function isolatedEnv(
  extra: Record<string, string | undefined> = {},
  options: { emulator?: boolean } = {},
): Record<string, string> {
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...NO_AWS_FILES,
    ...(options.emulator === false ? {} : awsEnv()),
    ...extra,
  };
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<string, string>;
}

/** The environment of the runvoy CLI under test, with its own config directory. */
export function cliEnv(
  configDir: string,
  extra: Record<string, string | undefined> = {},
  options: { emulator?: boolean } = {},
): Record<string, string> {
  const path = CLI_BINARY ? { PATH: dirname(CLI_BINARY) } : {};
  return isolatedEnv({ NO_COLOR: '1', RUNVOY_CONFIG_DIR: configDir, ...path, ...extra }, options);
}

/** `aws --endpoint-url URL ... --output json` with the AWS CLI on PATH, pointed at the emulator. */
export function awsCli(args: string[]): unknown {
  const result = spawnSync('aws', ['--endpoint-url', motoUrl(), ...args, '--output', 'json'], {
    env: isolatedEnv(),
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`aws ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

/** Runs the built CLI as a subprocess, with an isolated config directory and no inherited AWS settings. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const env = cliEnv(options.configDir ?? newConfigDir(), options.env, { emulator: options.emulator });
  return new Promise((resolvePromise, reject) => {
    const [file, fileArgs] = cliCommand(args);
    const child = spawn(file, fileArgs, { env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    // Decoded as streams, so a character split across two chunks is not garbled.
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (c: string) => (stdout += c));
    child.stderr.on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 90_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ stdout, stderr, exitCode: code ?? (signal ? 128 : -1) });
    });
    child.stdin.end(options.input ?? '');
  });
}

/**
 * The envelope of a `--json` document (docs/json.md): its `result`, after checking that it is one. Typed
 * as loosely as JSON.parse unless told.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function jsonResult<T = any>(stdout: string): T {
  const document = JSON.parse(stdout) as { ok?: boolean; result?: T; error?: unknown };
  if (document.ok !== true) throw new Error(`not a success envelope: ${stdout.slice(0, 1000)}`);
  return document.result as T;
}

/** The `error` of a `--json` failure document (`{ok: false, error, warnings}`). */
export function jsonError<T = Record<string, unknown>>(stdout: string): T & JsonErrorFields {
  const document = JSON.parse(stdout) as { ok?: boolean; error?: T & JsonErrorFields };
  if (document.ok !== false || !document.error)
    throw new Error(`not an error envelope: ${stdout.slice(0, 1000)}`);
  return document.error;
}

export interface JsonErrorFields {
  code: string;
  message: string;
  why?: string;
  fix?: string;
  exitCode: number;
}

/** The NDJSON events of `run --json` or `logs --json`, in order. */
export function jsonEvents<T = Record<string, unknown>>(
  stdout: string,
): Array<T & { type: string; time: string }> {
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T & { type: string; time: string });
}

/** The `result` of a stream's last event, after checking that it is a `result` event. */
export function streamResult<T = Record<string, unknown>>(stdout: string): T {
  const last = jsonEvents<{ result?: T }>(stdout).at(-1);
  if (last?.type !== 'result')
    throw new Error(`the stream does not end with a result event: ${stdout.slice(-1000)}`);
  return last.result as T;
}

/** The `error` of a stream's last event, after checking that it is an `error` event. */
export function streamError<T = Record<string, unknown>>(stdout: string): T & JsonErrorFields {
  const last = jsonEvents<{ error?: T & JsonErrorFields }>(stdout).at(-1);
  if (last?.type !== 'error' || !last.error)
    throw new Error(`the stream does not end with an error event: ${stdout.slice(-1000)}`);
  return last.error;
}
