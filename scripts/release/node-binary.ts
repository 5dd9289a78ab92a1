import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Target } from './manifest.js';

export class FetchError extends Error {}

function run(file: string, args: string[], cwd: string): string {
  const result = spawnSync(file, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) {
    throw new FetchError(
      `${file} ${args.join(' ')} exited ${result.status ?? result.signal}: ${result.stderr.trim()}`,
    );
  }
  return result.stdout;
}

function integrityOf(path: string): string {
  return `sha512-${createHash('sha512').update(readFileSync(path)).digest('base64')}`;
}

/**
 * The official Node binary of a target, from its npm package (`npm pack`, through npm's cache), checked
 * against the integrity the manifest pins, then unpacked once into cacheDir.
 */
export function nodeBinary(target: Target, version: string, cacheDir: string): string {
  const dir = join(cacheDir, `${target.npmPackage}-${version}`);
  const binary = join(dir, 'node');
  if (existsSync(binary)) return binary;
  mkdirSync(cacheDir, { recursive: true });
  const spec = `${target.npmPackage}@${version}`;
  const tarball = run('npm', ['pack', spec, '--silent', '--pack-destination', cacheDir], cacheDir)
    .trim()
    .split('\n')
    .at(-1);
  if (!tarball) throw new FetchError(`npm pack ${spec} named no tarball`);
  const tarPath = join(cacheDir, tarball);
  const integrity = integrityOf(tarPath);
  if (integrity !== target.integrity) {
    rmSync(tarPath, { force: true });
    throw new FetchError(`${spec}: integrity ${integrity} is not the manifest's ${target.integrity}`);
  }
  const unpack = `${dir}.partial`;
  rmSync(unpack, { recursive: true, force: true });
  mkdirSync(unpack, { recursive: true });
  run('tar', ['-xzf', tarPath, '-C', unpack, '--strip-components=2', 'package/bin/node'], cacheDir);
  rmSync(tarPath, { force: true });
  rmSync(dir, { recursive: true, force: true });
  renameSync(unpack, dir);
  return binary;
}
