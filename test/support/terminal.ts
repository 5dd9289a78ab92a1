import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, NO_AWS_FILES } from './cli.js';
import { awsEnv } from './moto.js';

/**
 * The built CLI in a real terminal: a tmux session (a pty) that the test types into with `send-keys`
 * and reads with `capture-pane`. The shell prints EXIT=<code> when the CLI ends.
 */
export interface Terminal {
  name: string;
  keys(...keys: string[]): void;
  screen(): string;
  /** Polls the screen (with 200 lines of scrollback) until it matches; fails with the screen when it never does. */
  waitFor(pattern: RegExp): Promise<string>;
  close(): void;
}

function tmux(args: string[]): string {
  const result = spawnSync('tmux', args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

let sessions = 0;

/** Starts `runvoy ARGS` in a 120x50 terminal, without colour, pointed at the emulator unless `env` says otherwise. */
export function startInTerminal(args: string[], env: Record<string, string>): Terminal {
  const name = `runvoy-term-${process.pid}-${sessions++}`;
  const script = join(mkdtempSync(join(tmpdir(), 'runvoy-tmux-')), 'run.sh');
  const vars = { ...awsEnv(), ...NO_AWS_FILES, TERM: 'xterm-256color', NO_COLOR: '1', ...env };
  const exports = Object.entries(vars)
    .map(([k, v]) => `export ${k}='${v}'`)
    .join('\n');
  const quoted = args.map((a) => `'${a}'`).join(' ');
  writeFileSync(
    script,
    // The trap keeps the shell alive through a Ctrl-C that the terminal sends to the whole foreground
    // process group (the CLI gets the default disposition back, since a trapped signal is reset in a child).
    `#!/bin/sh\ntrap ':' INT\nunset CI FORCE_COLOR\n${exports}\n'${process.execPath}' '${BIN}' ${quoted}\necho "EXIT=$?"\nsleep 600\n`,
    { mode: 0o755 },
  );
  tmux(['new-session', '-d', '-s', name, '-x', '120', '-y', '50', script]);
  const screen = () => tmux(['capture-pane', '-p', '-S', '-200', '-t', name]);
  return {
    name,
    keys: (...keys) => void tmux(['send-keys', '-t', name, ...keys]),
    screen,
    waitFor: async (pattern) => {
      let last = '';
      for (let i = 0; i < 900; i++) {
        last = screen();
        if (pattern.test(last)) return last;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`the screen never matched ${pattern}:\n${last}`);
    },
    close: () => void spawnSync('tmux', ['kill-session', '-t', name]),
  };
}
