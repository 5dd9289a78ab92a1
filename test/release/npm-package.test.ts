/**
 * The npm package as a user gets it: `npm pack`, then `npx ./runvoy-*.tgz` in an empty folder and a
 * global install. It runs from the bundle alone (no dependencies to install) and has no install script
 * (npm warns about those). Needs `npm run build` first (the tarball is packed without prepack).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'runvoy-npm-package-'));
let tarball = '';

function npm(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  return spawnSync('npm', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      npm_config_cache: join(work, 'npm-cache'),
      npm_config_update_notifier: 'false',
      ...env,
    },
  });
}

beforeAll(() => {
  expect(existsSync(join(root, 'dist/runvoy.cjs')), 'run npm run build first').toBe(true);
  const pack = npm(['pack', '--ignore-scripts', '--pack-destination', work], root);
  expect(pack.status, pack.stderr).toBe(0);
  tarball = join(work, pack.stdout.trim().split('\n').at(-1) as string);
});

describe('the npm package', () => {
  it('ships the bundle, bin and docs, and no install script or dependency', () => {
    const listing = spawnSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).stdout.split('\n');
    expect(listing).toContain('package/dist/runvoy.cjs');
    expect(listing).toContain('package/bin/run.js');
    expect(listing).toContain('package/bin/load-bundle.js');
    const pkg = JSON.parse(
      spawnSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }).stdout,
    );
    expect(pkg.dependencies ?? {}).toEqual({});
    for (const script of ['preinstall', 'install', 'postinstall', 'prepare'])
      expect(pkg.scripts?.[script]).toBeUndefined();
  });

  it('the bundle has no import(): bin/load-bundle.js compiles it with vm.Script, which cannot load one', () => {
    const bundle = readFileSync(join(root, 'dist/runvoy.cjs'), 'utf8');
    // A call has a specifier or a variable in the parentheses; React's messages quote import('./X') in text.
    const calls = [...bundle.matchAll(/\bimport\(\s*(?!\)|'\.\/MyComponent')/g)].map((m) =>
      bundle.slice(m.index, m.index + 40),
    );
    expect(calls).toEqual([]);
  });

  it('npx --yes ./runvoy-*.tgz --help works in an otherwise empty folder', () => {
    const empty = mkdtempSync(join(work, 'empty-'));
    copyFileSync(tarball, join(empty, basename(tarball)));
    const result = spawnSync('npx', ['--yes', `./${basename(tarball)}`, '--help'], {
      cwd: empty,
      encoding: 'utf8',
      env: { ...process.env, npm_config_cache: join(work, 'npm-cache'), npm_config_update_notifier: 'false' },
    });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('USAGE');
    expect(result.stdout).toContain('$ runvoy [COMMAND]');
    expect(readdirSync(empty)).toEqual([basename(tarball)]);
  });

  it('a global install prints no install-script warning, and the command runs with a code cache', () => {
    const prefix = join(work, 'global');
    const install = npm(['install', '--global', '--prefix', prefix, tarball], work);
    expect(install.status, install.stderr).toBe(0);
    expect(`${install.stdout}${install.stderr}`).not.toMatch(/install-scripts|allow-scripts|prepare/);
    expect(install.stdout).toMatch(/added 1 package/);

    const cache = join(work, 'xdg-cache');
    const env = {
      PATH: `${join(prefix, 'bin')}:${process.env.PATH}`,
      HOME: work,
      XDG_CACHE_HOME: cache,
      NO_COLOR: '1',
    };
    const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version as string;
    const run = (args: string[]) => spawnSync('runvoy', args, { encoding: 'utf8', env });
    expect(run(['--version']).stdout).toBe(
      `runvoy/${version} ${process.platform}-${process.arch} node-${process.version}\n`,
    );
    const path = run(['config', 'path']);
    expect(path.status, path.stderr).toBe(0);
    expect(path.stdout).toBe(`${join(work, '.config/runvoy/config.json')}\n`);
    // Answered before the bundle loads (src/bundle/fast-path.ts): nothing compiled, no code cache.
    expect(existsSync(join(cache, 'runvoy/code-cache'))).toBe(false);
    const list = run(['config', 'list']);
    expect(list.status, list.stderr).toBe(0);
    expect(readdirSync(join(cache, 'runvoy/code-cache'))).toEqual([
      `${version}-config-${process.version}-${process.arch}.bin`,
    ]);
    const help = run(['list', '--help']);
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toContain('--status');
    // One cache per command: help compiles other functions than config list.
    expect(readdirSync(join(cache, 'runvoy/code-cache')).sort()).toEqual([
      `${version}-config-${process.version}-${process.arch}.bin`,
      `${version}-help-${process.version}-${process.arch}.bin`,
    ]);
    // The help printed is kept, and printed again without the bundle.
    expect(readdirSync(join(cache, 'runvoy/help'))).toHaveLength(1);
    expect(run(['list', '--help'])).toMatchObject({ status: 0, stdout: help.stdout, stderr: '' });
  });
});
