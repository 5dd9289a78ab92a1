/**
 * Issue 12, start-up: `config path` and help seen before are answered without the bundle
 * (src/bundle/fast-path.ts). Each case here runs the CLI under test through oclif (RUNVOY_FAST_PATH=0),
 * then twice as a user does: the first run goes through oclif and keeps its help output, the second is
 * answered from what was kept. All three must print the same bytes, for every command's help, at several
 * widths, with and without colour, in a terminal and through a pipe, and for `config path` under every
 * variable that moves it.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliCommand, cliEnv, cliShellCommand, newConfigDir, runCli, type CliResult } from '../support/cli.js';

const ROOT = resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  oclif: { topics: Record<string, unknown> };
};

/** Every command's words, as oclif's pattern strategy names them (scripts/build.mjs), and plugin-help's. */
const COMMANDS = [
  ...readdirSync(join(ROOT, 'src/commands'), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) =>
      file
        .replace(/\.ts$/, '')
        .split('/')
        .filter((part) => part !== 'index'),
    ),
  ['help'],
].sort();
const TOPICS = Object.keys(pkg.oclif.topics).map((topic) => [topic]);

interface Entry {
  key: string;
  stdout: string;
}

function kept(configDir: string): Entry[] {
  const dir = join(configDir, 'help');
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch {
    return [];
  }
  return files.map((file) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as Entry);
}

type Env = Record<string, string | undefined>;

/** Through oclif, then first and second run with the fast path; the same directory for all three. */
async function threeRuns(args: string[], env: Env = {}, configDir = newConfigDir()) {
  const oclif = await runCli(args, { configDir, env: { ...env, RUNVOY_FAST_PATH: '0' }, emulator: false });
  const first = await runCli(args, { configDir, env, emulator: false });
  const entries = kept(configDir);
  const second = await runCli(args, { configDir, env, emulator: false });
  return { oclif, first, second, entries, configDir };
}

/** The help of `args`: oclif's output, kept once, and printed the same from what was kept. */
async function expectSameHelp(args: string[], env: Env = {}): Promise<CliResult> {
  const { oclif, first, second, entries } = await threeRuns(args, env);
  expect(oclif.exitCode).toBe(0);
  expect(oclif.stderr).toBe('');
  expect(oclif.stdout).toMatch(/USAGE|TOPICS|COMMANDS/);
  expect(first).toEqual(oclif);
  expect(entries.map((entry) => entry.stdout)).toEqual([oclif.stdout]);
  expect(second).toEqual(oclif);
  return oclif;
}

describe('help from the fast path is byte for byte what oclif prints', () => {
  it.each([[[]], [['--help']], [['-h']], ...TOPICS.map((topic) => [[...topic, '--help']])])(
    'runvoy %j',
    async (args) => {
      await expectSameHelp(args);
    },
  );

  it.each(COMMANDS.map((words) => [words.join(' ')]))('runvoy %s --help', async (words) => {
    await expectSameHelp([...words.split(' '), '--help']);
  });

  it.each([
    [['help', 'run']],
    [['help', 'config', 'set']],
    [['run', '-h']],
    [['run', 'echo', 'hi', '--help']],
  ])('runvoy %j', async (args) => {
    await expectSameHelp(args);
  });

  it.each([
    ['--help', 40],
    ['--help', 80],
    ['--help', 132],
    ['--help', 200],
    ['list', 40],
    ['list', 80],
    ['run', 40],
    ['run', 132],
    ['config set', 60],
    ['config set', 200],
  ])('%s at OCLIF_COLUMNS=%i, with and without colour', async (words, columns) => {
    const args = words === '--help' ? ['--help'] : [...words.split(' '), '--help'];
    const plain = await expectSameHelp(args, { OCLIF_COLUMNS: String(columns) });
    const colour = await expectSameHelp(args, {
      OCLIF_COLUMNS: String(columns),
      NO_COLOR: undefined,
      FORCE_COLOR: '3',
    });
    expect(plain.stdout).not.toContain('\u001b[');
    expect(colour.stdout).toContain('\u001b[');
  });

  it('keeps one output per width: a narrower terminal never gets the wider text', async () => {
    const configDir = newConfigDir();
    const wide = await threeRuns(['run', '--help'], { OCLIF_COLUMNS: '200' }, configDir);
    const narrow = await threeRuns(['run', '--help'], { OCLIF_COLUMNS: '40' }, configDir);
    expect(narrow.second).toEqual(narrow.oclif);
    expect(narrow.oclif.stdout).not.toBe(wide.oclif.stdout);
    expect(kept(configDir)).toHaveLength(2);
  });

  it("follows oclif's theme file: created after an output was kept, it is honoured", async () => {
    const configDir = newConfigDir();
    const env = { NO_COLOR: undefined, FORCE_COLOR: '3' };
    const before = await threeRuns(['list', '--help'], env, configDir);
    writeFileSync(join(configDir, 'theme.json'), JSON.stringify({ sectionHeader: 'red', flag: '#00ff00' }));
    const themed = await threeRuns(['list', '--help'], env, configDir);
    expect(themed.oclif.stdout).not.toBe(before.oclif.stdout);
    expect(themed.first).toEqual(themed.oclif);
    expect(themed.second).toEqual(themed.oclif);
  });

  it('prints what was kept, and nothing kept for other inputs (the key is checked)', async () => {
    const configDir = newConfigDir();
    await runCli(['--help'], { configDir, emulator: false });
    const [entry] = kept(configDir);
    const file = join(configDir, 'help', readdirSync(join(configDir, 'help'))[0] as string);
    writeFileSync(file, JSON.stringify({ key: entry?.key, stdout: 'kept\n' }));
    expect((await runCli(['--help'], { configDir, emulator: false })).stdout).toBe('kept\n');
    // Any other variable is another key: oclif answers.
    const other = await runCli(['--help'], { configDir, env: { LANG: 'C' }, emulator: false });
    expect(other.stdout).toContain('USAGE');
    writeFileSync(file, JSON.stringify({ key: `${entry?.key}x`, stdout: 'kept\n' }));
    expect((await runCli(['--help'], { configDir, emulator: false })).stdout).toContain('USAGE');
  });

  it('keeps nothing from a run that fails or writes to stderr', async () => {
    const { oclif, first, second, entries } = await threeRuns(['nosuchcommand', '--help']);
    expect(entries).toEqual(
      oclif.exitCode === 0 && oclif.stderr === '' ? [{ key: expect.any(String), stdout: oclif.stdout }] : [],
    );
    expect(first).toEqual(oclif);
    expect(second).toEqual(oclif);
    const configDir = newConfigDir();
    await runCli(['list', '--nosuchflag'], { configDir, emulator: false });
    expect(kept(configDir)).toEqual([]);
  });
});

describe('help in a terminal', () => {
  const stty = spawnSync('sh', ['-c', 'command -v stty'], { encoding: 'utf8' }).stdout.trim();
  const script = spawnSync('sh', ['-c', 'command -v script'], { encoding: 'utf8' }).stdout.trim();

  /** The CLI in a pseudo-terminal (util-linux `script`) of `columns` columns, colour on. */
  function inTerminal(args: string[], columns: number, configDir: string, env: Env = {}): string {
    const result = spawnSync(
      script,
      ['-qec', `${stty} cols ${columns} rows 30; ${cliShellCommand(args)}`, '/dev/null'],
      {
        env: cliEnv(configDir, { NO_COLOR: undefined, TERM: 'xterm-256color', ...env }, { emulator: false }),
        encoding: 'utf8',
        input: '',
      },
    );
    expect(result.status).toBe(0);
    return result.stdout;
  }

  it.each([
    [['--help'], 70],
    [['--help'], 150],
    [['run', '--help'], 90],
    [['logs', '--help'], 120],
  ])('runvoy %j at %i columns', (args, columns) => {
    const configDir = newConfigDir();
    const oclif = inTerminal(args, columns, configDir, { RUNVOY_FAST_PATH: '0' });
    const first = inTerminal(args, columns, configDir);
    const second = inTerminal(args, columns, configDir);
    expect(oclif).toContain('\u001b[');
    expect(first).toBe(oclif);
    expect(kept(configDir)).toHaveLength(1);
    expect(second).toBe(oclif);
    // The terminal's width is part of the key.
    const other = inTerminal(args, columns + 7, configDir, { RUNVOY_FAST_PATH: '0' });
    expect(inTerminal(args, columns + 7, configDir)).toBe(other);
  });
});

describe('a stdout closed before the output (`runvoy --help | head`)', () => {
  // The interpreter itself, not a shim (pyenv's needs a PATH, and the binary runs with its own only).
  const python = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], {
    encoding: 'utf8',
  }).stdout.trim();
  // A pipe whose reading end is closed before the CLI starts: every write fails with EPIPE.
  const closedPipe = [
    'import os, subprocess, sys',
    'r, w = os.pipe()',
    'os.close(r)',
    'p = subprocess.run(sys.argv[1:], stdout=w, stderr=subprocess.PIPE)',
    'sys.stdout.write("exit %d\\n%s" % (p.returncode, p.stderr.decode()))',
  ].join('\n');

  function intoClosedPipe(args: string[], configDir: string, env: Env = {}): string {
    const [file, rest] = cliCommand(args);
    const result = spawnSync(python, ['-c', closedPipe, file, ...rest], {
      env: cliEnv(configDir, env, { emulator: false }),
      encoding: 'utf8',
    });
    expect(result.status).toBe(0);
    return result.stdout;
  }

  it.each([[['--help']], [['config', 'path']]])('runvoy %j exits as it does through oclif', (args) => {
    const configDir = newConfigDir();
    const oclif = intoClosedPipe(args, configDir, { RUNVOY_FAST_PATH: '0' });
    expect(oclif).toBe('exit 0\n');
    expect(intoClosedPipe(args, configDir)).toBe(oclif);
    expect(intoClosedPipe(args, configDir)).toBe(oclif);
  });
});

describe('config path from the fast path is what oclif prints', () => {
  async function expectSame(env: Env, configDir: string, cwd?: string): Promise<CliResult> {
    const oclif = await runCli(['config', 'path'], {
      configDir,
      env: { ...env, RUNVOY_FAST_PATH: '0' },
      emulator: false,
      cwd,
    });
    const fast = await runCli(['config', 'path'], { configDir, env, emulator: false, cwd });
    expect(fast).toEqual(oclif);
    expect(kept(configDir)).toEqual([]);
    return oclif;
  }

  it('under RUNVOY_CONFIG_DIR, XDG_CONFIG_HOME and HOME, relative or empty', async () => {
    const base = newConfigDir();
    const cases: [Env, string][] = [
      [{}, join(base, 'config.json')],
      [
        { RUNVOY_CONFIG_DIR: undefined, XDG_CONFIG_HOME: join(base, 'xdg') },
        join(base, 'xdg/runvoy/config.json'),
      ],
      [{ RUNVOY_CONFIG_DIR: '', XDG_CONFIG_HOME: join(base, 'xdg') }, join(base, 'xdg/runvoy/config.json')],
      [
        { RUNVOY_CONFIG_DIR: undefined, HOME: join(base, 'home') },
        join(base, 'home/.config/runvoy/config.json'),
      ],
      [
        { RUNVOY_CONFIG_DIR: undefined, HOME: join(base, 'home'), XDG_CONFIG_HOME: '' },
        join(base, 'home/.config/runvoy/config.json'),
      ],
      [{ RUNVOY_CONFIG_DIR: 'relative/dir' }, 'relative/dir/config.json'],
    ];
    for (const [env, path] of cases) {
      const result = await expectSame(env, base, base);
      expect(result).toEqual({ stdout: `${path}\n`, stderr: '', exitCode: 0 });
    }
  });

  it('with a valid file, a broken one (oclif warns), an empty one, and debug output on', async () => {
    const configDir = newConfigDir();
    mkdirSync(configDir, { recursive: true });
    const file = join(configDir, 'config.json');
    writeFileSync(file, JSON.stringify({ region: 'eu-west-1', stack: 'other' }));
    expect((await expectSame({}, configDir)).stdout).toBe(`${file}\n`);
    writeFileSync(file, '');
    expect((await expectSame({}, configDir)).stdout).toBe(`${file}\n`);
    writeFileSync(file, '{"region": ');
    const broken = await expectSame({}, configDir);
    expect(broken.stderr).toContain('not a valid runvoy config');
    const colour = await expectSame({ NO_COLOR: undefined, FORCE_COLOR: '3' }, configDir);
    expect(colour.stderr).toContain('\u001b[');
    writeFileSync(file, '{}');
    await expectSame({ RUNVOY_DEBUG: '1' }, configDir);
    // oclif's debug lines carry timestamps: the same output, and oclif's lines show that oclif answered.
    const debug = await runCli(['config', 'path'], { configDir, env: { DEBUG: '*' }, emulator: false });
    expect(debug.stdout).toBe(`${file}\n`);
    expect(debug.exitCode).toBe(0);
    expect(debug.stderr).toContain('oclif:config');
  });

  it('other arguments go to oclif unchanged', async () => {
    const configDir = newConfigDir();
    for (const args of [
      ['config', 'path', '--json'],
      ['config', 'path', 'extra'],
      ['config', 'path', '--debug'],
    ]) {
      const oclif = await runCli(args, { configDir, env: { RUNVOY_FAST_PATH: '0' }, emulator: false });
      const fast = await runCli(args, { configDir, emulator: false });
      expect(fast).toEqual(oclif);
    }
  });
});
