import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configDir } from '../../../src/config/paths.js';
import { ConfigStore } from '../../../src/config/store.js';
import { RunvoyError } from '../../../src/core/errors.js';
import { tempDir } from './helpers.js';

function storeIn(dir = tempDir()) {
  return { dir, file: join(dir, 'config.json'), store: new ConfigStore({ RUNVOY_CONFIG_DIR: dir }) };
}

function modeOf(path: string): number {
  return statSync(path).mode & 0o777;
}

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}

describe('configDir', () => {
  it('uses RUNVOY_CONFIG_DIR first', () => {
    expect(configDir({ RUNVOY_CONFIG_DIR: '/a/b', XDG_CONFIG_HOME: '/x' })).toBe('/a/b');
  });

  it('then $XDG_CONFIG_HOME/runvoy', () => {
    expect(configDir({ XDG_CONFIG_HOME: '/x/config' })).toBe('/x/config/runvoy');
    expect(configDir({ RUNVOY_CONFIG_DIR: '', XDG_CONFIG_HOME: '/x/config' })).toBe('/x/config/runvoy');
  });

  it('then ~/.config/runvoy', () => {
    expect(configDir({})).toBe(join(homedir(), '.config', 'runvoy'));
    expect(configDir({ XDG_CONFIG_HOME: '' })).toBe(join(homedir(), '.config', 'runvoy'));
  });
});

describe('ConfigStore', () => {
  it('lives in the directory of the env object it is given, not in process.env', () => {
    const dir = tempDir();
    const store = new ConfigStore({ RUNVOY_CONFIG_DIR: dir });
    expect(store.path).toBe(join(dir, 'config.json'));
    expect(process.env.RUNVOY_CONFIG_DIR).not.toBe(dir);
  });

  it('is empty when there is no file', () => {
    const { store } = storeIn();
    expect(store.raw()).toEqual({});
    expect(store.values()).toEqual({});
  });

  it('set writes typed values to the file, with mode 0600', async () => {
    const { store, file } = storeIn();
    await store.set('cpu', 1024);
    await store.set('spot', false);
    await store.set('region', 'eu-west-1');
    expect(readJson(file)).toEqual({ cpu: 1024, spot: false, region: 'eu-west-1' });
    expect(modeOf(file)).toBe(0o600);
    expect(store.values()).toEqual({ cpu: 1024, spot: false, region: 'eu-west-1' });
    expect(store.raw()).toEqual({ cpu: 1024, spot: false, region: 'eu-west-1' });
  });

  it('set overwrites a value', async () => {
    const { store, file } = storeIn();
    await store.set('stack', 'one');
    await store.set('stack', 'two');
    expect(readJson(file)).toEqual({ stack: 'two' });
  });

  it('creates a missing config directory', async () => {
    const dir = join(tempDir(), 'nested', 'runvoy');
    const store = new ConfigStore({ RUNVOY_CONFIG_DIR: dir });
    await store.set('arch', 'arm64');
    expect(readJson(join(dir, 'config.json'))).toEqual({ arch: 'arm64' });
    expect(modeOf(join(dir, 'config.json'))).toBe(0o600);
  });

  it('tightens a hand-made 0644 file to 0600 on set', async () => {
    const dir = tempDir();
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ stack: 'mine' }));
    chmodSync(file, 0o644);
    const store = new ConfigStore({ RUNVOY_CONFIG_DIR: dir });
    await store.set('cpu', 512);
    expect(modeOf(file)).toBe(0o600);
    expect(readJson(file)).toEqual({ stack: 'mine', cpu: 512 });
  });

  it('unset removes the key, keeps the others and the mode', async () => {
    const { store, file } = storeIn();
    await store.set('cpu', 2048);
    await store.set('memory', 4096);
    chmodSync(file, 0o644);
    await store.unset('cpu');
    expect(readJson(file)).toEqual({ memory: 4096 });
    expect(store.values()).toEqual({ memory: 4096 });
    expect(modeOf(file)).toBe(0o600);
  });

  it('unset of a key that is not there changes nothing', async () => {
    const { store, file } = storeIn();
    await store.set('stack', 'kept');
    await store.unset('image');
    expect(readJson(file)).toEqual({ stack: 'kept' });
  });

  it('another store over the same directory reads what was written', async () => {
    const { dir, store } = storeIn();
    await store.set('profile', 'prod');
    await store.set('spot', true);
    expect(new ConfigStore({ RUNVOY_CONFIG_DIR: dir }).values()).toEqual({ profile: 'prod', spot: true });
  });

  it('raw returns everything in the file, including unknown keys and odd types', () => {
    const dir = tempDir();
    const doc = { cpu: 300, colour: 'blue', region: ['us-east-1'], spot: null, nested: { a: 1 } };
    writeFileSync(join(dir, 'config.json'), JSON.stringify(doc));
    expect(new ConfigStore({ RUNVOY_CONFIG_DIR: dir }).raw()).toEqual(doc);
  });

  it('values drops values that are not strings, numbers or booleans', () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({ cpu: 1024, region: ['us-east-1'], spot: null, image: { name: 'x' }, stack: 's' }),
    );
    expect(new ConfigStore({ RUNVOY_CONFIG_DIR: dir }).values()).toEqual({ cpu: 1024, stack: 's' });
  });

  // BUG (src/config/store.ts values(), line ~41): documented as "The known keys with values of a usable
  // type", but it keeps every key of the file, so {"colour": "blue"} comes back as a ConfigRecord entry.
  it('values keeps only known keys', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ colour: 'blue', cpu: 1024 }));
    expect(new ConfigStore({ RUNVOY_CONFIG_DIR: dir }).values()).toEqual({ cpu: 1024 });
  });

  it('values and raw are copies: changing them does not change the store', async () => {
    const { store } = storeIn();
    await store.set('cpu', 1024);
    (store.raw() as Record<string, unknown>).cpu = 1;
    (store.values() as Record<string, unknown>).cpu = 2;
    expect(store.values()).toEqual({ cpu: 1024 });
  });

  it.each([['{"cpu": '], ['{cpu: 1024}'], ['not json at all'], ["{'a': 1}"]])(
    'refuses a file that is not valid JSON (%j) with exit 2, naming the file, and leaves it alone',
    (content) => {
      const dir = tempDir();
      const file = join(dir, 'config.json');
      writeFileSync(file, content);
      let caught: unknown;
      try {
        new ConfigStore({ RUNVOY_CONFIG_DIR: dir });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(RunvoyError);
      const error = caught as RunvoyError;
      expect(error.exitCode).toBe(2);
      expect(error.code).toBe('CONFIG_UNREADABLE');
      expect(error.what).toContain(file);
      expect(error.why).toBeTruthy();
      expect(error.fix).toContain('runvoy config set');
      expect(readFileSync(file, 'utf8')).toBe(content);
    },
  );

  // BUG (src/config/store.ts guardReadable): only JSON syntax is checked. A file holding valid JSON that
  // is not an object is taken as a config: ["a","b"] or "str" become keys "0", "1", ... (so `config
  // validate` reports keys the user never wrote, and `config set` writes them back as an object), and
  // null or 42 are silently read as an empty config and overwritten on the next set. Expected: refused
  // like unparsable JSON, with a RunvoyError of exit 2, and the file left alone.
  it.each([['[1,2]'], ['"str"'], ['null'], ['42']])(
    'refuses a file holding JSON that is not an object (%s) with exit 2',
    (content) => {
      const dir = tempDir();
      writeFileSync(join(dir, 'config.json'), content);
      expect(() => new ConfigStore({ RUNVOY_CONFIG_DIR: dir })).toThrow(RunvoyError);
    },
  );

  it('does not create the file just by being opened', () => {
    const { file } = storeIn();
    expect(existsSync(file)).toBe(false);
  });
});
