import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigStore, readConfigFile } from '../../../src/config/store.js';

function fileWith(content?: string): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'runvoy-config-file-'));
  const path = join(dir, 'config.json');
  if (content !== undefined) writeFileSync(path, content);
  return { dir, path };
}

describe('readConfigFile: the file as it is, never throwing', () => {
  it('a missing or empty file is an empty config', () => {
    expect(readConfigFile(fileWith().path)).toEqual({ doc: {}, empty: true });
    expect(readConfigFile(fileWith('').path)).toEqual({ doc: {}, empty: true });
    expect(readConfigFile(fileWith(' \n\t').path)).toEqual({ doc: {}, empty: true });
  });

  it('a file that is not JSON, or not one object, is a problem with what, why and a fix (exit 2)', () => {
    for (const content of ['{"cpu": ', '[1]', 'null']) {
      const { path } = fileWith(content);
      const file = readConfigFile(path);
      expect('problem' in file, content).toBe(true);
      if (!('problem' in file)) continue;
      expect(file.problem.exitCode).toBe(2);
      expect(file.problem.what).toContain(path);
      expect(file.problem.why).toBeTruthy();
      expect(file.problem.fix).toContain(`mv ${path} ${path}.bak`);
      expect(file.problem.fix).toContain('runvoy config validate');
    }
  });

  it('a good file is its document', () => {
    expect(readConfigFile(fileWith('{"cpu": 1024}').path)).toEqual({ doc: { cpu: 1024 }, empty: false });
  });
});

describe('ConfigStore over an empty file', () => {
  it('reads nothing, and a set replaces the empty file', async () => {
    const { dir, path } = fileWith('');
    const store = new ConfigStore({ RUNVOY_CONFIG_DIR: dir });
    expect(store.values()).toEqual({});
    await store.set('cpu', 1024);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ cpu: 1024 });
  });
});
