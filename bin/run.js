#!/usr/bin/env -S node --
// `node --` stops Node 20 from reading options after the script name: it would take `run --env-file`
// as its own flag (nodejs/node#54232) and load that file into runvoy's environment.
// `runvoy --version` is answered without loading oclif: it is what scripts and shells call most.
const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
  const { readFileSync } = await import('node:fs');
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`runvoy/${version} ${process.platform}-${process.arch} node-${process.version}\n`);
} else {
  // oclif's Node engine check loads semver on every start; package.json's engines field already says it.
  process.env.OCLIF_DISABLE_ENGINE_WARNING ??= 'true';
  // Through `require`: @oclif/core is CommonJS, and Node 20's `import()` of CommonJS first scans the
  // source for export names (see src/aws/sdk.ts).
  const { createRequire } = await import('node:module');
  const { execute } = createRequire(import.meta.url)('@oclif/core');
  await execute({ dir: import.meta.url });
}
