// Defined by scripts/build.mjs (esbuild `define`) and by the generated module it bundles.
declare const RUNVOY_PJSON: unknown;
declare const RUNVOY_MANIFEST: unknown;

declare module 'runvoy:bundled-modules' {
  import type { Command } from '@oclif/core';
  export const COMMANDS: Record<string, Command.Class>;
  export const HOOKS: Record<string, unknown>;
}
