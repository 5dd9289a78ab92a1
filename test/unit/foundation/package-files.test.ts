import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');

/** The files `npm pack` would put in the package (scripts off: nothing is built). */
function packedFiles(): string[] {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const [pack] = JSON.parse(out) as Array<{ files: Array<{ path: string }> }>;
  return (pack?.files ?? []).map((f) => f.path);
}

describe('the npm package', () => {
  it('ships bin/run.js, and not bin/dev.js (it runs the TypeScript sources through tsx, a dev dependency)', () => {
    const files = packedFiles();
    expect(files).toContain('bin/run.js');
    expect(files).toContain('package.json');
    expect(files).not.toContain('bin/dev.js');
    expect(files.filter((f) => f.startsWith('src/') || f.startsWith('test/'))).toEqual([]);
  });
});
