#!/usr/bin/env -S node --import tsx --
// Runs the TypeScript sources directly (no build): `node --import tsx -- bin/dev.js <command>` (the `--`
// keeps Node from reading `run --env-file` itself, see bin/run.js).
import { execute } from '@oclif/core';

await execute({ development: true, dir: import.meta.url });
