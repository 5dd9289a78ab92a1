#!/usr/bin/env -S node --import tsx --
// Runs the TypeScript sources directly (no build): `node --import tsx -- bin/dev.js <command>` (the `--`
// keeps Node from reading `run --env-file` itself, see bin/run.js).
// The commands come from src/commands (package.json names dist/commands, which the bundle replaced).
import { execute } from '@oclif/core';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const pjson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
pjson.oclif.commands = './src/commands';
for (const [event, target] of Object.entries(pjson.oclif.hooks ?? {})) {
  pjson.oclif.hooks[event] = target.replace(/^\.\/dist\//, './src/').replace(/\.js$/, '.ts');
}
// oclif loads the plugins package.json names only from `dependencies`; runvoy bundles them (devDependencies).
pjson.dependencies = Object.fromEntries(
  pjson.oclif.plugins.map((name) => [name, pjson.devDependencies[name]]),
);
await execute({
  development: true,
  loadOptions: { root: fileURLToPath(new URL('..', import.meta.url)), pjson },
});
