import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { awsEnv } from './moto.js';

export const BIN = resolve(import.meta.dirname, '../../bin/run.js');

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
}

export function newConfigDir(): string {
  return mkdtempSync(join(tmpdir(), 'runvoy-test-'));
}

/** Runs the built CLI as a subprocess, with an isolated config directory and no inherited AWS settings. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const base: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NO_COLOR: '1',
    RUNVOY_CONFIG_DIR: options.configDir ?? newConfigDir(),
    AWS_CONFIG_FILE: '/nonexistent/runvoy-test-aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/runvoy-test-aws-credentials',
    ...(options.emulator === false ? {} : awsEnv()),
    ...options.env,
  };
  const env = Object.fromEntries(Object.entries(base).filter(([, v]) => v !== undefined)) as Record<
    string,
    string
  >;
  return new Promise((resolvePromise, reject) => {
    // `--` as in bin/run.js's shebang: Node 20 would otherwise read `--env-file` after the script name.
    const child = spawn(process.execPath, ['--', BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
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
