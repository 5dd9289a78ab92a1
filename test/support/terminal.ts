/**
 * The built CLI in a real terminal: a tmux session (a pty) of 120x50. The test presses keys with
 * `send-keys` and reads the screen (with 200 lines of scrollback, optionally with its colours) with
 * `capture-pane`. The shell prints EXIT=<code> when the CLI ends.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, NO_AWS_FILES } from './cli.js';
import { awsEnv } from './moto.js';

export interface Terminal {
  name: string;
  keys(...keys: string[]): void;
  screen(colours?: boolean): string;
  /** Polls the screen until it matches; fails with the screen when it never does. */
  waitFor(pattern: RegExp, colours?: boolean): Promise<string>;
  /** As waitFor, giving the match (for its groups). */
  match(pattern: RegExp, colours?: boolean): Promise<RegExpExecArray>;
  close(): void;
}

export interface TerminalOptions {
  /** RUNVOY_CONFIG_DIR for the CLI. */
  configDir?: string;
  /** On top of the emulator's environment; nothing else of this process's (no NO_COLOR, no CI unless given). */
  env?: Record<string, string>;
}

const open: Terminal[] = [];
let started = 0;

function tmux(args: string[]): string {
  const result = spawnSync('tmux', args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/** Starts `runvoy ARGS` in a terminal pointed at the emulator (unless `env` says otherwise). */
export function startInTerminal(args: string[], options: TerminalOptions = {}): Terminal {
  const name = `runvoy-term-${process.pid}-${started++}`;
  const script = join(mkdtempSync(join(tmpdir(), 'runvoy-tmux-')), 'run.sh');
  const env = {
    ...awsEnv(),
    ...(options.configDir ? { RUNVOY_CONFIG_DIR: options.configDir } : {}),
    ...NO_AWS_FILES,
    TERM: 'xterm-256color',
    ...options.env,
  };
  const exports = Object.entries(env)
    .map(([k, v]) => `export ${k}=${quote(v)}`)
    .join('\n');
  writeFileSync(
    script,
    // The trap keeps the shell alive through a Ctrl-C that the terminal sends to the whole foreground
    // process group (the CLI gets the default disposition back, since a trapped signal is reset in a child).
    `#!/bin/sh\ntrap ':' INT\nunset NO_COLOR CI FORCE_COLOR\n${exports}\n${quote(process.execPath)} ${quote(BIN)} ${args.map(quote).join(' ')}\necho "EXIT=$?"\nsleep 600\n`,
    { mode: 0o755 },
  );
  tmux(['new-session', '-d', '-s', name, '-x', '120', '-y', '50', script]);
  const screen = (colours = false) =>
    tmux(['capture-pane', '-p', ...(colours ? ['-e'] : []), '-S', '-200', '-t', name]);
  const match = async (pattern: RegExp, colours = false) => {
    let last = '';
    for (let i = 0; i < 900; i++) {
      last = screen(colours);
      const found = pattern.exec(last);
      if (found) return found;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the screen never matched ${pattern}:\n${last}`);
  };
  const terminal: Terminal = {
    name,
    keys: (...keys) => void tmux(['send-keys', '-t', name, ...keys]),
    screen,
    match,
    waitFor: async (pattern, colours) => (await match(pattern, colours)).input,
    close: () => void spawnSync('tmux', ['kill-session', '-t', name]),
  };
  open.push(terminal);
  return terminal;
}

/** Ends every session started here. */
export function closeTerminals(): void {
  for (const terminal of open.splice(0)) terminal.close();
}

/** SGR sequences that set a colour or a text style (ESC [ ... m with a non-reset parameter). */
export function colourCodes(text: string): string[] {
  // eslint-disable-next-line no-control-regex -- the escape character is what this looks for
  return (text.match(/\u001b\[[0-9;]*m/g) ?? []).filter((seq) => !/^\u001b\[0?m$/.test(seq));
}
