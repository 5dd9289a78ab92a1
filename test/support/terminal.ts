/**
 * The built CLI in a real terminal: a tmux session (a pty) of 120x40. The test reads the screen with
 * `capture-pane` (optionally with its colours) and presses keys with `send-keys`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, NO_AWS_FILES } from './cli.js';
import { awsEnv } from './moto.js';

const sessions: string[] = [];

function tmux(args: string[]): string {
  const result = spawnSync('tmux', args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/**
 * Starts `runvoy ARGS` in a terminal with the emulator's environment, the given config directory and
 * `env` (nothing else of this process's environment: no NO_COLOR, no CI unless given). The shell prints
 * EXIT=<code> when the CLI ends.
 */
export function startInTerminal(
  args: string[],
  options: { configDir: string; env?: Record<string, string> },
): string {
  const name = `runvoy-term-${process.pid}-${sessions.length}-${Date.now()}`;
  const dir = mkdtempSync(join(tmpdir(), 'runvoy-tmux-'));
  const script = join(dir, 'run.sh');
  const env = {
    ...awsEnv(),
    RUNVOY_CONFIG_DIR: options.configDir,
    ...NO_AWS_FILES,
    TERM: 'xterm-256color',
    ...options.env,
  };
  const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;
  const exports = Object.entries(env)
    .map(([k, v]) => `export ${k}=${quote(v)}`)
    .join('\n');
  writeFileSync(
    script,
    `#!/bin/sh\nunset NO_COLOR CI FORCE_COLOR\n${exports}\n${quote(process.execPath)} ${quote(BIN)} ${args.map(quote).join(' ')}\necho "EXIT=$?"\nsleep 600\n`,
    { mode: 0o755 },
  );
  tmux(['new-session', '-d', '-s', name, '-x', '120', '-y', '40', script]);
  sessions.push(name);
  return name;
}

export function screen(name: string, colours = false): string {
  return tmux(['capture-pane', '-p', ...(colours ? ['-e'] : []), '-t', name]);
}

export function pressKeys(name: string, ...keys: string[]): void {
  tmux(['send-keys', '-t', name, ...keys]);
}

/** Polls the screen until it matches; fails with the screen when it never does. */
export async function waitForScreen(
  name: string,
  pattern: RegExp,
  colours = false,
): Promise<RegExpExecArray> {
  let last = '';
  for (let i = 0; i < 600; i++) {
    last = screen(name, colours);
    const match = pattern.exec(last);
    if (match) return match;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the screen never matched ${pattern}:\n${last}`);
}

/** Ends every session this file started. */
export function closeTerminals(): void {
  for (const name of sessions.splice(0)) spawnSync('tmux', ['kill-session', '-t', name]);
}

/** SGR sequences that set a colour or a text style (ESC [ ... m with a non-reset parameter). */
export function colourCodes(text: string): string[] {
  // eslint-disable-next-line no-control-regex -- the escape character is what this looks for
  return (text.match(/\u001b\[[0-9;]*m/g) ?? []).filter((seq) => !/^\u001b\[0?m$/.test(seq));
}
