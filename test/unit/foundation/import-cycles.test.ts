import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseCircular, parseDependencyTree } from 'dpdm';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * Every import cycle among the files under `cwd`, counting type-only and dynamic imports too: a cycle
 * of either kind still means two modules that cannot be understood, or moved, one without the other.
 */
async function importCycles(cwd: string): Promise<string[][]> {
  const tree = await parseDependencyTree(['src/**/*.ts', 'src/**/*.tsx'], {
    cwd,
    context: cwd,
    // NodeNext resolution: `./store.js` in an import is `./store.ts`.
    tsconfig: join(cwd, 'tsconfig.json'),
    transform: false,
    skipDynamicImports: false,
    include: /\.tsx?$/,
    exclude: /node_modules/,
  });
  return parseCircular(tree, false);
}

describe('import cycles', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('src/ has none', async () => {
    const cycles = await importCycles(resolve(import.meta.dirname, '../../..'));
    expect(cycles.map((cycle) => cycle.join(' -> '))).toEqual([]);
  }, 60_000);

  it('finds a cycle made of a type-only import and a dynamic import', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runvoy-cycles-'));
    dirs.push(dir);
    mkdirSync(join(dir, 'src'));
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext' } }),
    );
    writeFileSync(join(dir, 'src', 'a.ts'), "import type { B } from './b.js';\nexport type A = B | 1;\n");
    writeFileSync(
      join(dir, 'src', 'b.ts'),
      "export type B = 2;\nexport const load = () => import('./a.js');\n",
    );
    writeFileSync(join(dir, 'src', 'c.ts'), "import type { B } from './b.js';\nexport type C = B;\n");
    const cycles = await importCycles(dir);
    expect(cycles.map((cycle) => [...cycle].sort())).toEqual([['src/a.ts', 'src/b.ts']]);
  });
});
