/* global RUNVOY_VERSION, RUNVOY_BUILD_ID, require -- esbuild defines; require: the CommonJS output's */
// The main script of the single-file binaries (bundled by scripts/release/sea.ts): runs the CLI's bundle,
// which the binary carries as the SEA asset `runvoy.cjs`, with the npm install's V8 code cache.
import { getAsset } from 'node:sea';
import { dirname, join } from 'node:path';
import { runWithCodeCache } from '../../bin/load-bundle.js';
import { versionLine } from '../../src/bundle/version.ts';
import { answerFast, recordHelp } from '../../src/bundle/fast-path.ts';

const root = dirname(process.execPath);
const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
  // Answered before the bundle loads, as bin/run.js does for the npm install.
  process.stdout.write(`${versionLine(RUNVOY_VERSION)}\n`);
} else if (!answerFast({ argv, buildId: RUNVOY_BUILD_ID })) {
  // `config path` and help seen before were answered without the bundle, as bin/run.js does.
  recordHelp({ argv, buildId: RUNVOY_BUILD_ID });
  run();
}

function run() {
  const bundle = runWithCodeCache({
    source: getAsset('runvoy.cjs', 'utf8'),
    filename: join(root, 'runvoy.cjs'),
    cacheName: `binary-${RUNVOY_VERSION}`,
    // The bundle needs Node's own modules only, which the main script's require loads.
    require,
    argv,
  });
  bundle.main(argv, root).catch((error) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
}
