import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { configFilePath } from '../../../src/config/paths.js';
import {
  answerFast,
  helpCacheDir,
  helpEntryPath,
  helpKey,
  isHelpInvocation,
  keepHelp,
  MAX_HELP_ENTRIES,
  type FastPathOptions,
} from '../../../src/bundle/fast-path.js';

class Out {
  text = '';
  isTTY = false;
  columns: number | undefined = undefined;
  rows: number | undefined = undefined;
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

let dir: string;
let env: NodeJS.ProcessEnv;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'runvoy-fast-path-'));
  env = { HOME: join(dir, 'home'), RUNVOY_CONFIG_DIR: join(dir, 'config'), PATH: '/usr/bin' };
});

function answer(argv: string[], over: Partial<FastPathOptions> = {}): { answered: boolean; out: string } {
  const out = new Out();
  const answered = answerFast({ argv, buildId: 'b1', env, stdout: out, ...over });
  return { answered, out: out.text };
}

describe('isHelpInvocation', () => {
  it.each([
    [[], true],
    [['--help'], true],
    [['-h'], true],
    [['list', '--help'], true],
    [['config', 'set', 'region', '-h'], true],
    [['help'], true],
    [['help', 'run'], true],
    [['run', 'echo', '--help'], true],
    [['run', '--', 'echo', '--help'], false],
    [['--version', '--help'], false],
    [['list'], false],
    [['config', 'path'], false],
    [['--helpx'], false],
  ])('%j is help: %s', (argv, help) => {
    expect(isHelpInvocation(argv)).toBe(help);
  });
});

describe('config path', () => {
  it('prints the config file path, from RUNVOY_CONFIG_DIR, XDG_CONFIG_HOME or HOME', () => {
    expect(answer(['config', 'path'])).toEqual({
      answered: true,
      out: `${join(dir, 'config', 'config.json')}\n`,
    });
    env = { HOME: join(dir, 'home'), XDG_CONFIG_HOME: join(dir, 'xdg') };
    expect(answer(['config', 'path']).out).toBe(`${join(dir, 'xdg', 'runvoy', 'config.json')}\n`);
    env = { HOME: join(dir, 'home'), RUNVOY_CONFIG_DIR: '' };
    expect(answer(['config', 'path']).out).toBe(`${configFilePath(env)}\n`);
  });

  it('prints the path of a valid file', () => {
    mkdirSync(join(dir, 'config'));
    writeFileSync(join(dir, 'config', 'config.json'), '{"region":"eu-west-1","unknown":1}');
    expect(answer(['config', 'path']).answered).toBe(true);
  });

  it('leaves a broken file to oclif, which warns about it', () => {
    mkdirSync(join(dir, 'config'));
    writeFileSync(join(dir, 'config', 'config.json'), '{"region":');
    expect(answer(['config', 'path'])).toEqual({ answered: false, out: '' });
  });

  it('leaves debug variables, oclif settings, other arguments and RUNVOY_FAST_PATH=0 to oclif', () => {
    for (const extra of [
      { DEBUG: '*' },
      { OCLIF_COLUMNS: '80' },
      { RUNVOY_DEBUG: '1' },
      { RUNVOY_FAST_PATH: '0' },
    ]) {
      env = { ...env, ...extra };
      expect(answer(['config', 'path'])).toEqual({ answered: false, out: '' });
    }
    env = { HOME: join(dir, 'home') };
    for (const argv of [['config', 'path', '--json'], ['config', 'path', '--debug'], ['config'], ['path']]) {
      expect(answer(argv)).toEqual({ answered: false, out: '' });
    }
  });
});

describe('kept help', () => {
  const options = (argv: string[], over: Partial<FastPathOptions> = {}): FastPathOptions => ({
    argv,
    buildId: 'b1',
    env,
    stdout: new Out(),
    ...over,
  });

  it('answers nothing until an output is kept, then prints it exactly', () => {
    expect(answer(['--help'])).toEqual({ answered: false, out: '' });
    keepHelp(helpKey(options(['--help'])), 'USAGE\n  $ runvoy\u00e9\n', env);
    expect(answer(['--help'])).toEqual({ answered: true, out: 'USAGE\n  $ runvoy\u00e9\n' });
    expect(answer(['list', '--help']).answered).toBe(false);
  });

  it('never serves an output kept for other inputs', () => {
    keepHelp(helpKey(options(['--help'])), 'kept', env);
    const wide = new Out();
    wide.isTTY = true;
    wide.columns = 120;
    expect(answer(['--help'], { stdout: wide }).answered).toBe(false);
    expect(answer(['--help'], { buildId: 'b2' }).answered).toBe(false);
    expect(answer(['--help'], { env: { ...env, NO_COLOR: '1' } }).answered).toBe(false);
    expect(answer(['-h']).answered).toBe(false);
    // oclif's theme file, in its config directory.
    mkdirSync(join(dir, 'config'), { recursive: true });
    writeFileSync(join(dir, 'config', 'theme.json'), '{"sectionHeader":"red"}');
    expect(answer(['--help']).answered).toBe(false);
  });

  it('checks the whole key held in the file, not only its name', () => {
    const key = helpKey(options(['--help']));
    keepHelp(key, 'kept', env);
    const path = helpEntryPath(key, env);
    writeFileSync(path, JSON.stringify({ key: `${key} `, stdout: 'other' }));
    expect(answer(['--help']).answered).toBe(false);
    writeFileSync(path, '{"key":');
    expect(answer(['--help']).answered).toBe(false);
  });

  it('keeps the files private and empties the directory when it is full', () => {
    for (let i = 0; i < MAX_HELP_ENTRIES + 3; i++) keepHelp(`key ${i}`, `out ${i}`, env);
    const files = readdirSync(helpCacheDir(env));
    expect(files.length).toBeLessThanOrEqual(MAX_HELP_ENTRIES);
    expect(files.length).toBeGreaterThan(0);
    const last = helpEntryPath(`key ${MAX_HELP_ENTRIES + 2}`, env);
    expect(JSON.parse(readFileSync(last, 'utf8'))).toEqual({
      key: `key ${MAX_HELP_ENTRIES + 2}`,
      stdout: `out ${MAX_HELP_ENTRIES + 2}`,
    });
    expect(statSync(last).mode & 0o777).toBe(0o600);
    expect(statSync(helpCacheDir(env)).mode & 0o777).toBe(0o700);
  });

  it('keeps nothing and answers nothing with RUNVOY_FAST_PATH=0', () => {
    keepHelp(helpKey(options(['--help'], { env: { ...env, RUNVOY_FAST_PATH: '0' } })), 'kept', env);
    env = { ...env, RUNVOY_FAST_PATH: '0' };
    expect(answer(['--help']).answered).toBe(false);
  });
});
