import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Cache } from '../../../src/config/cache.js';
import { cacheDir, configDir } from '../../../src/config/paths.js';

const home = () => mkdtempSync(join(tmpdir(), 'runvoy-xdg-'));

describe('cacheDir', () => {
  it('RUNVOY_CACHE_DIR first, then RUNVOY_CONFIG_DIR (one place for everything), then XDG_CACHE_HOME', () => {
    expect(cacheDir({ RUNVOY_CACHE_DIR: '/c', RUNVOY_CONFIG_DIR: '/a', XDG_CACHE_HOME: '/x' })).toBe('/c');
    expect(cacheDir({ RUNVOY_CONFIG_DIR: '/a', XDG_CACHE_HOME: '/x' })).toBe('/a');
    expect(cacheDir({ XDG_CACHE_HOME: '/x/cache', XDG_CONFIG_HOME: '/x/config' })).toBe('/x/cache/runvoy');
  });

  it('defaults to ~/.cache/runvoy, and to ~/Library/Caches/runvoy on macOS', () => {
    expect(cacheDir({}, 'linux')).toBe(join(homedir(), '.cache', 'runvoy'));
    expect(cacheDir({ XDG_CACHE_HOME: '' }, 'linux')).toBe(join(homedir(), '.cache', 'runvoy'));
    expect(cacheDir({}, 'darwin')).toBe(join(homedir(), 'Library', 'Caches', 'runvoy'));
    expect(cacheDir({ XDG_CACHE_HOME: '/x' }, 'darwin')).toBe('/x/runvoy');
  });

  it('is not the config directory by default', () => {
    const env = { XDG_CACHE_HOME: '/x/cache', XDG_CONFIG_HOME: '/x/config' };
    expect(cacheDir(env)).not.toBe(configDir(env));
  });
});

describe('Cache in the XDG cache directory', () => {
  it('writes cache.json (0600) in $XDG_CACHE_HOME/runvoy, and nothing in the config directory', () => {
    const dir = home();
    const env = { XDG_CACHE_HOME: join(dir, 'cache'), XDG_CONFIG_HOME: join(dir, 'config') };
    new Cache(env).set('k', { v: 1 });
    const file = join(dir, 'cache', 'runvoy', 'cache.json');
    expect(JSON.parse(readFileSync(file, 'utf8')).k.value).toEqual({ v: 1 });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(existsSync(join(dir, 'config', 'runvoy', 'cache.json'))).toBe(false);
    expect(new Cache(env).get('k', 60_000)).toEqual({ v: 1 });
  });

  it('moves a cache.json left next to the config by an older version, once', () => {
    const dir = home();
    const env = { XDG_CACHE_HOME: join(dir, 'cache'), XDG_CONFIG_HOME: join(dir, 'config') };
    const legacy = join(dir, 'config', 'runvoy', 'cache.json');
    mkdirSync(join(dir, 'config', 'runvoy'), { recursive: true });
    writeFileSync(legacy, JSON.stringify({ old: { value: 'kept', savedAt: Date.now() } }));
    expect(new Cache(env).get('old', 60_000)).toBe('kept');
    expect(existsSync(legacy)).toBe(false);
    expect(existsSync(join(dir, 'cache', 'runvoy', 'cache.json'))).toBe(true);
    expect(new Cache(env).get('old', 60_000)).toBe('kept');
  });

  it('an old cache file that is not JSON is ignored: an empty cache, no error', () => {
    const dir = home();
    const env = { XDG_CACHE_HOME: join(dir, 'cache'), XDG_CONFIG_HOME: join(dir, 'config') };
    mkdirSync(join(dir, 'config', 'runvoy'), { recursive: true });
    writeFileSync(join(dir, 'config', 'runvoy', 'cache.json'), '{not json');
    const cache = new Cache(env);
    expect(cache.get('anything', 60_000)).toBeUndefined();
    cache.set('k', 2);
    expect(new Cache(env).get('k', 60_000)).toBe(2);
  });

  it('with RUNVOY_CONFIG_DIR the cache stays in that directory, with nothing to move', () => {
    const dir = home();
    new Cache({ RUNVOY_CONFIG_DIR: dir }).set('k', 3);
    expect(existsSync(join(dir, 'cache.json'))).toBe(true);
    expect(new Cache({ RUNVOY_CONFIG_DIR: dir }).get('k', 60_000)).toBe(3);
  });
});
