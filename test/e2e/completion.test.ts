/**
 * `runvoy autocomplete bash|zsh|fish` in the real shells: bash (with bash-completion) and zsh (compinit)
 * are driven through tmux, pressing TAB as a person does and reading the screen; fish answers through
 * `complete -C`, the engine its TAB key uses. The shells and tmux are installed by .ci/run: a missing
 * one fails the test with the package to install.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'runvoy-completion-'));
const scripts: Record<'bash' | 'zsh' | 'fish', string> = { bash: '', zsh: '', fish: '' };

function need(tool: string, apt: string): void {
  const found = spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
  expect(found, `${tool} is not installed: apt-get install -y ${apt}`).toBe(true);
}

beforeAll(async () => {
  for (const shell of ['bash', 'zsh', 'fish'] as const) {
    const result = await runCli(['autocomplete', shell], { emulator: false });
    expect(result.exitCode, result.stderr).toBe(0);
    scripts[shell] = join(dir, `runvoy.${shell}`);
    writeFileSync(scripts[shell], result.stdout);
  }
});

function tmux(args: string[]): string {
  const result = spawnSync('tmux', args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

const sessions: string[] = [];
afterEach(() => {
  for (const name of sessions.splice(0)) spawnSync('tmux', ['kill-session', '-t', name]);
});

/** A shell in a detached 160x40 tmux session, with a clean environment. */
function startShell(command: string[]): string {
  need('tmux', 'tmux');
  const name = `runvoy-completion-${process.pid}-${sessions.length}`;
  const home = mkdtempSync(join(tmpdir(), 'runvoy-shell-home-'));
  tmux([
    'new-session',
    '-d',
    '-s',
    name,
    '-x',
    '160',
    '-y',
    '40',
    'env',
    '-i',
    `HOME=${home}`,
    'TERM=xterm',
    `PATH=${process.env.PATH ?? '/usr/bin:/bin'}`,
    ...command,
  ]);
  sessions.push(name);
  return name;
}

const screen = (name: string): string => tmux(['capture-pane', '-p', '-t', name]);

/** Waits until the screen shows what `done` looks for (a shell answers when it is ready, not on a clock). */
async function waitFor(name: string, done: (text: string) => boolean, what: string): Promise<string> {
  for (let i = 0; i < 300; i++) {
    const text = screen(name);
    if (done(text)) return text;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the shell never showed ${what}; the screen:\n${screen(name)}`);
}

/** Loads the script, marks the prompt as ready, then types `line` and presses TAB `tabs` times. */
async function complete(name: string, setup: string, line: string, tabs: number): Promise<string> {
  tmux(['send-keys', '-t', name, `${setup} && echo READY-$((6*7))`, 'Enter']);
  await waitFor(name, (text) => text.includes('READY-42'), 'READY-42 after loading the script');
  tmux(['send-keys', '-t', name, '-l', line]);
  for (let i = 0; i < tabs; i++) {
    await waitFor(name, (text) => text.includes(line.trimEnd()), `the typed line "${line}"`);
    tmux(['send-keys', '-t', name, 'Tab']);
  }
  return screen(name);
}

const lines = (text: string): string[] => text.split('\n').map((l) => l.trimEnd());

describe('bash', () => {
  const setup = () => `source /usr/share/bash-completion/bash_completion && source ${scripts.bash}`;
  const bash = () => {
    need('bash', 'bash');
    expect(
      spawnSync('test', ['-f', '/usr/share/bash-completion/bash_completion']).status,
      'apt-get install -y bash-completion',
    ).toBe(0);
    return startShell(['bash', '--norc', '--noprofile']);
  };

  it('runvoy lo<TAB><TAB> lists locks and logs', async () => {
    const name = bash();
    await complete(name, setup(), 'runvoy lo', 2);
    const text = await waitFor(name, (t) => /locks\s+logs/.test(t), 'locks and logs');
    expect(text).toMatch(/locks\s+logs/);
  });

  it('runvoy run --ar<TAB> completes to --arch', async () => {
    const name = bash();
    await complete(name, setup(), 'runvoy run --ar', 1);
    // The screen's lines lose their trailing spaces: the completed line ends with the whole flag.
    const text = await waitFor(
      name,
      (t) => lines(t).some((l) => l.endsWith('runvoy run --arch')),
      'runvoy run --arch',
    );
    expect(lines(text).some((l) => l.endsWith('runvoy run --arch'))).toBe(true);
  });

  it('runvoy run --arch <TAB><TAB> lists x86_64 and arm64', async () => {
    const name = bash();
    await complete(name, setup(), 'runvoy run --arch ', 2);
    const text = await waitFor(name, (t) => /arm64\s+x86_64/.test(t), 'arm64 and x86_64');
    expect(text).toMatch(/arm64\s+x86_64/);
  });
});

describe('zsh', () => {
  const setup = () => `autoload -U compinit && compinit -u && source ${scripts.zsh}`;
  const zsh = () => {
    need('zsh', 'zsh');
    return startShell(['zsh', '-f']);
  };

  it('runvoy lo<TAB> lists locks and logs, with their descriptions', async () => {
    const name = zsh();
    await complete(name, setup(), 'runvoy lo', 1);
    const text = await waitFor(name, (t) => t.includes('logs') && t.includes('locks  --'), 'locks and logs');
    expect(text).toContain('locks  -- Inspect and release named locks.');
    expect(text).toMatch(/logs +-- Print the logs of an execution/);
  });

  it('runvoy run --ar<TAB> completes to --arch', async () => {
    const name = zsh();
    await complete(name, setup(), 'runvoy run --ar', 1);
    const text = await waitFor(name, (t) => t.includes('runvoy run --arch'), 'runvoy run --arch');
    expect(text).toContain('runvoy run --arch');
  });

  it('runvoy run --arch <TAB> lists x86_64 and arm64', async () => {
    const name = zsh();
    await complete(name, setup(), 'runvoy run --arch ', 1);
    const text = await waitFor(name, (t) => /arm64\s+x86_64/.test(t), 'arm64 and x86_64');
    expect(text).toMatch(/arm64\s+x86_64/);
  });
});

describe('fish', () => {
  /** What fish's TAB offers for `line`: its `complete -C` answers, one `word<TAB>description` a line. */
  function fishComplete(line: string): string[] {
    need('fish', 'fish');
    const result = spawnSync(
      'fish',
      ['--no-config', '-c', `source ${scripts.fish}; complete -C ${JSON.stringify(line)}`],
      {
        encoding: 'utf8',
        env: { PATH: process.env.PATH, HOME: dir },
      },
    );
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    return result.stdout.trim().split('\n');
  }

  it('runvoy lo<TAB> gives locks and logs, with their descriptions', () => {
    expect(fishComplete('runvoy lo')).toEqual([
      'locks\tInspect and release named locks.',
      'logs\tPrint the logs of an execution, or follow them live.',
    ]);
  });

  it('runvoy run --ar<TAB> gives --arch', () => {
    expect(fishComplete('runvoy run --ar').map((l) => l.split('\t')[0])).toEqual(['--arch']);
  });

  it('runvoy run --arch <TAB> gives x86_64 and arm64', () => {
    expect(fishComplete('runvoy run --arch ').map((l) => l.split('\t')[0])).toEqual(['arm64', 'x86_64']);
  });

  it('completes topics with the space separator, aliases, negatable flags and values after a topic', () => {
    expect(fishComplete('runvoy locks ').map((l) => l.split('\t')[0])).toEqual(['list', 'release', 'status']);
    expect(fishComplete('runvoy p').map((l) => l.split('\t')[0])).toEqual(['policy', 'ps']);
    expect(fishComplete('runvoy ps --status ').map((l) => l.split('\t')[0])).toContain('RUNNING');
    expect(fishComplete('runvoy init --no-p').map((l) => l.split('\t')[0])).toEqual(['--no-public-ip']);
    expect(fishComplete('runvoy cost --by ').map((l) => l.split('\t')[0])).toEqual([
      'day',
      'image',
      'lock',
      'month',
      'user',
    ]);
  });
});
