// Loads the CLI's bundle (dist/runvoy.cjs, npm run build) as CommonJS, with a V8 code cache kept in the
// user's cache directory: compiling the bundle's few megabytes from source is most of a cold start.
// The cache is per runvoy version, Node version and architecture, made after the first command so that
// it holds the functions that command compiled; V8 rejects (and this rewrites) a cache that does not
// match the source. RUNVOY_CODE_CACHE=0 turns it off. The single-file binaries load the same bundle the
// same way (scripts/release/sea-main.js).
import Module, { createRequire } from 'node:module';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

function cacheDirectory() {
  if (process.env.XDG_CACHE_HOME) return join(process.env.XDG_CACHE_HOME, 'runvoy');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'runvoy');
  return join(homedir(), '.cache', 'runvoy');
}

function readCache(path) {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

function writeCache(path, data) {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const temp = `${path}.${process.pid}`;
    writeFileSync(temp, data, { mode: 0o600 });
    renameSync(temp, path);
  } catch {
    // A read-only or missing home: start-up stays as slow as without a cache, nothing else changes.
  }
}

/** Runs CommonJS `source` as the module `filename`, with `require`; returns its exports. */
export function runWithCodeCache({ source, filename, cacheName, require }) {
  const useCache = process.env.RUNVOY_CODE_CACHE !== '0';
  const cachePath = join(
    cacheDirectory(),
    'code-cache',
    `${cacheName}-${process.version}-${process.arch}.bin`,
  );
  const cachedData = useCache ? readCache(cachePath) : undefined;
  const script = new Script(Module.wrap(source), { filename, cachedData });
  const module = { exports: {}, filename, id: filename, loaded: false };
  script
    .runInThisContext()
    .call(module.exports, module.exports, require, module, filename, dirname(filename));
  if (useCache && (cachedData === undefined || script.cachedDataRejected)) {
    // After the command, so that the functions it compiled are in the cache too.
    process.once('beforeExit', () => writeCache(cachePath, script.createCachedData()));
  }
  return module.exports;
}

export function loadBundle(root) {
  const filename = join(root, 'dist', 'runvoy.cjs');
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  return runWithCodeCache({
    // The bundle is ASCII (scripts/build.mjs): latin1 reads it straight into a one-byte string.
    source: readFileSync(filename, 'latin1'),
    filename,
    cacheName: version,
    require: createRequire(filename),
  });
}
