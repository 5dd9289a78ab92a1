import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  archiveName,
  fill,
  loadManifest,
  MANIFEST_FILE,
  SCHEMA_FILE,
  validateManifest,
  type ReleaseManifest,
} from '../../scripts/release/manifest.js';

const root = resolve(import.meta.dirname, '../..');
const raw = (): ReleaseManifest =>
  JSON.parse(readFileSync(join(root, MANIFEST_FILE), 'utf8')) as ReleaseManifest;
const schema = JSON.parse(readFileSync(join(root, SCHEMA_FILE), 'utf8')) as object;

describe('.goreleaser-like-pkg.json', () => {
  it('matches its schema', () => {
    expect(validateManifest(raw(), schema)).toEqual([]);
    expect(loadManifest(root).project).toBe('runvoy');
  });

  it('is refused when a darwin target is not signed, an integrity is malformed or execArgv lacks "--"', () => {
    const unsigned = raw();
    delete unsigned.targets.find((t) => t.os === 'darwin')?.sign;
    expect(validateManifest(unsigned, schema).join('\n')).toContain('sign');
    const badIntegrity = raw();
    (badIntegrity.targets[0] as { integrity: string }).integrity = 'sha1-abc';
    expect(validateManifest(badIntegrity, schema).join('\n')).toContain('/targets/0/integrity');
    const noDashDash = raw();
    noDashDash.node.execArgv = [];
    expect(validateManifest(noDashDash, schema).join('\n')).toContain('/node/execArgv');
  });

  it('has the four targets, each with the npm package of its platform, at one Node 22 version', () => {
    const manifest = raw();
    expect(manifest.targets.map((t) => `${t.os}-${t.arch}`).sort()).toEqual([
      'darwin-arm64',
      'darwin-x64',
      'linux-arm64',
      'linux-x64',
    ]);
    for (const target of manifest.targets) {
      expect(target.npmPackage).toMatch(new RegExp(`^node-(bin-)?${target.os}-${target.arch}$`));
    }
    expect(manifest.node.version).toMatch(/^22\./);
  });

  it('names archives and fills only known placeholders', () => {
    const manifest = raw();
    const target = manifest.targets[0]!;
    expect(archiveName(manifest, '1.2.3', target)).toBe(`runvoy-1.2.3-${target.os}-${target.arch}.tar.gz`);
    expect(() => fill('{nope}', {})).toThrow('unknown placeholder {nope}');
  });

  it("every bundled package's engines allow the binaries' Node", async () => {
    const metafile = join(root, 'tmp/bundle-meta.json');
    expect(existsSync(metafile), 'tmp/bundle-meta.json is missing: run npm run build').toBe(true);
    const { satisfies } = await import('semver');
    const inputs = Object.keys((JSON.parse(readFileSync(metafile, 'utf8')) as { inputs: object }).inputs);
    const packages = new Set(
      inputs.flatMap((input) => {
        const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
        return match ? [match[1] as string] : [];
      }),
    );
    expect(packages.size).toBeGreaterThan(20);
    const version = raw().node.version;
    const refused: string[] = [];
    for (const dir of packages) {
      const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as {
        engines?: { node?: string };
      };
      const range = pkg.engines?.node;
      if (range && !satisfies(version, range)) refused.push(`${dir}: ${range}`);
    }
    expect(refused).toEqual([]);
  });
});
