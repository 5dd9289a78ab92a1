import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { unsign } from 'macho-unsign';
import { inject } from 'postject';
import { adhocSign } from './macho-sign.js';
import type { ReleaseManifest, Target } from './manifest.js';

export class SeaError extends Error {}

export interface Blob {
  path: string;
}

/**
 * The SEA preparation blob, made by the host's Node of the manifest's version (the blob's format is that
 * Node's): the main script is scripts/release/sea-main.js, bundled, and the CLI's bundle is its asset.
 * No V8 code cache in the blob: one made at build time holds only the top-level code and is valid on the
 * building platform alone; the main script keeps one per user, as the npm install does.
 */
export async function prepareBlob(
  manifest: ReleaseManifest,
  root: string,
  version: string,
  builderNode: string,
  dir: string,
): Promise<Blob> {
  mkdirSync(dir, { recursive: true });
  const main = join(dir, 'sea-main.cjs');
  await build({
    entryPoints: [join(root, 'scripts/release/sea-main.js')],
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    outfile: main,
    logLevel: 'warning',
    define: {
      RUNVOY_VERSION: JSON.stringify(version),
      // Identifies the bundle for the help outputs the binary keeps (src/bundle/fast-path.ts).
      RUNVOY_BUILD_ID: JSON.stringify(
        createHash('sha256')
          .update(readFileSync(join(root, manifest.bundle)))
          .digest('hex')
          .slice(0, 16),
      ),
    },
  });
  const config = {
    main,
    output: join(dir, 'sea.blob'),
    disableExperimentalSEAWarning: true,
    useCodeCache: false,
    useSnapshot: false,
    assets: { 'runvoy.cjs': join(root, manifest.bundle) },
    // "--" ends Node's options: without it, Node reads --env-file from the user's arguments (it errors,
    // exit 9, for a missing file) before runvoy runs.
    execArgv: manifest.node.execArgv,
  };
  const configPath = join(dir, 'sea.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  const result = spawnSync(builderNode, ['--experimental-sea-config', configPath], { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new SeaError(`${builderNode} --experimental-sea-config failed: ${result.stderr.trim()}`);
  }
  return { path: config.output };
}

/** Copies Node, injects the blob, and for darwin removes Node's signature before and signs ad hoc after. */
export async function buildBinary(
  manifest: ReleaseManifest,
  target: Target,
  node: string,
  blob: Blob,
  output: string,
): Promise<void> {
  if (target.sign === 'adhoc') {
    const unsigned = unsign(readFileSync(node));
    if (!unsigned)
      throw new SeaError(`${target.npmPackage}'s node is not signed: expected Node's own signature`);
    writeFileSync(output, Buffer.from(unsigned));
  } else {
    copyFileSync(node, output);
  }
  await inject(output, 'NODE_SEA_BLOB', readFileSync(blob.path), {
    sentinelFuse: manifest.node.seaFuse,
    ...(target.os === 'darwin' ? { machoSegmentName: 'NODE_SEA' } : {}),
  });
  if (target.sign === 'adhoc') writeFileSync(output, adhocSign(readFileSync(output), manifest.binary));
  chmodSync(output, 0o755);
}
