// Loads the CLI's bundle (dist/runvoy.cjs, npm run build) as CommonJS, with a V8 code cache kept in the
// user's cache directory: compiling the bundle's few megabytes from source is most of a cold start.
// A cache holds the functions that the command which made it compiled, so there is one per command (and
// one for help), per runvoy version, Node version and architecture; V8 rejects (and this rewrites) a
// cache that does not match the source. RUNVOY_CODE_CACHE=0 turns it off. The single-file binaries load
// the same bundle the same way (scripts/release/sea-main.js).
import Module, { createRequire } from 'node:module';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

function cacheDirectory() {
  if (process.env.XDG_CACHE_HOME) return join(process.env.XDG_CACHE_HOME, 'runvoy');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'runvoy');
  return join(homedir(), '.cache', 'runvoy');
}

// Typos name commands too: past this many cache files, no new one is written.
const MAX_CACHES = 40;

/** `help`, the command's first word, or `other`: what decides which functions a start compiles. */
function commandKey(argv) {
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h') || argv[0] === 'help')
    return 'help';
  return /^[a-z][a-z-]{0,19}$/.test(argv[0]) ? argv[0] : 'other';
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
    // A full directory takes no new file, but a cache that V8 rejected (a new build) is still replaced.
    if (!existsSync(path) && readdirSync(dirname(path)).length >= MAX_CACHES) return;
    const temp = `${path}.${process.pid}`;
    writeFileSync(temp, data, { mode: 0o600 });
    renameSync(temp, path);
  } catch {
    // A read-only or missing home: start-up stays as slow as without a cache, nothing else changes.
  }
}

/** Runs CommonJS `source` as the module `filename`, with `require`; returns its exports. */
export function runWithCodeCache({ source, filename, cacheName, require, argv }) {
  const useCache = process.env.RUNVOY_CODE_CACHE !== '0';
  const name = `${cacheName}-${commandKey(argv)}-${process.version}-${process.arch}.bin`;
  const cachePath = join(cacheDirectory(), 'code-cache', name);
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

export function loadBundle(root, argv) {
  const filename = join(root, 'dist', 'runvoy.cjs');
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  return runWithCodeCache({
    // The bundle is ASCII (scripts/build.mjs): latin1 reads it straight into a one-byte string.
    source: readFileSync(filename, 'latin1'),
    filename,
    cacheName: version,
    require: createRequire(filename),
    argv,
  });
}
