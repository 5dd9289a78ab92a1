#!/usr/bin/env -S node --
// `node --` stops Node 20 from reading options after the script name: it would take `run --env-file`
// as its own flag (nodejs/node#54232) and load that file into runvoy's environment.
// `runvoy --version` is answered without loading the bundle: it is what scripts and shells call most.
const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
  const { readFileSync } = await import('node:fs');
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`runvoy/${version} ${process.platform}-${process.arch} node-${process.version}\n`);
} else {
  const { fileURLToPath } = await import('node:url');
  const { loadBundle } = await import('./load-bundle.js');
  const root = fileURLToPath(new URL('..', import.meta.url));
  await loadBundle(root, argv).main(argv, root);
}
