/**
 * The entry of the bundle (dist/runvoy.cjs, built by scripts/build.mjs): the npm package's bin/run.js
 * and the single-executable binaries' main script (scripts/release/sea-main.js) call `main`.
 *
 * oclif normally reads package.json, the manifest and each plugin from disk and imports every command
 * file on demand. Here all of them are inside this one file: the root plugin is built from the pjson and
 * manifest that the build inlined, its commands come from `COMMANDS` (oclif's explicit strategy), and
 * the plugins named in package.json are folded into it (their commands in `COMMANDS`, their hooks
 * exported below). oclif resolves the explicit target and the hooks to this file's path; the module
 * loader is told that this path is already loaded, so nothing is read from disk (a binary has no file
 * to read it from).
 */
import { execute, ModuleLoader, Plugin, settings, type Interfaces } from '@oclif/core';
import { join } from 'node:path';
import { COMMANDS, HOOKS } from 'runvoy:bundled-modules';
import { versionLine } from './version.js';

// The explicit target's exports: oclif reads `COMMANDS`, and each hook by the name the bundled pjson gives it.
export { COMMANDS, HOOKS };

type Manifest = Interfaces.Manifest;
type Pjson = Interfaces.PJSON;

const pjson = RUNVOY_PJSON as Pjson;
const manifest = RUNVOY_MANIFEST as Manifest | null;

function bundleTarget(): string {
  const { commands } = pjson.oclif as { commands: { target: string } };
  return commands.target;
}

type Loader = (config: unknown, path: string) => Promise<unknown>;

/** Every load oclif asks for of this bundle's path is answered with the bundle's own exports. */
function serveSelf(root: string): void {
  const self = join(root, bundleTarget());
  const exportsOfSelf = { COMMANDS, ...HOOKS };
  const loader = ModuleLoader as unknown as Record<'load' | 'loadWithData', Loader> & { bundled?: boolean };
  if (loader.bundled) return;
  const { load, loadWithData } = loader;
  loader.load = async (config, path) => (path === self ? exportsOfSelf : load(config, path));
  loader.loadWithData = async (config, path) =>
    path === self ? { filePath: self, isESM: false, module: exportsOfSelf } : loadWithData(config, path);
  loader.bundled = true;
}

/** The root plugin, with the inlined manifest when there is one (the build's first pass has none). */
async function rootPlugin(root: string): Promise<Plugin> {
  // Paths are never TypeScript sources here: no tsconfig lookups.
  settings.enableAutoTranspile = false;
  serveSelf(root);
  const plugin = new Plugin({
    root,
    isRoot: true,
    pjson: structuredClone(pjson),
    type: 'core',
    ignoreManifest: true,
  });
  if (manifest) {
    const withManifest = plugin as unknown as {
      _manifest(): Promise<Manifest>;
      commandIDs: string[];
      hasManifest: boolean;
    };
    withManifest._manifest = async () => {
      withManifest.commandIDs = Object.keys(manifest.commands);
      withManifest.hasManifest = true;
      return manifest;
    };
  }
  await plugin.load();
  return plugin;
}

/** What `oclif manifest` would write: used by the build, between its two passes. */
export async function computeManifest(root: string): Promise<Manifest> {
  return (await rootPlugin(root)).manifest;
}

/**
 * Runs the CLI. `root` is the package's directory for the npm install, and the binary's directory for a
 * single-executable binary (nothing is read from it).
 */
export async function main(argv: string[], root: string): Promise<void> {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
    process.stdout.write(`${versionLine(pjson.version)}\n`);
    return;
  }
  // oclif's Node engine check loads semver on every start; package.json's engines field already says it.
  process.env.OCLIF_DISABLE_ENGINE_WARNING ??= 'true';
  const plugin = await rootPlugin(root);
  await execute({
    args: argv,
    loadOptions: { root, pjson: plugin.pjson, plugins: new Map([[plugin.name, plugin]]) },
  });
}
