#!/usr/bin/env node
// npm run build: bundles the CLI into one CommonJS file, dist/runvoy.cjs, that the npm package runs
// (bin/run.js) and that the single-executable binaries embed. Inside it: every command (oclif's explicit
// command strategy, the list generated here from src/commands and the plugins named in package.json),
// the plugins' hooks, package.json's oclif settings, the oclif manifest and templates/runvoy.yaml.
//
//   node scripts/build.mjs      (also writes tmp/bundle-meta.json, esbuild's list of what went in)
//
// Two passes: the first bundle computes the manifest with oclif's own code (the same as `oclif manifest`),
// the second carries it, so that a start-up never loads every command to learn their flags.
import { build, transform } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(join(root, 'package.json'));
export const BUNDLE = 'dist/runvoy.cjs';
export const FAST_PATH = 'dist/fast-path.cjs';
export const METAFILE = 'tmp/bundle-meta.json';
const COMMANDS_MODULE = 'runvoy:bundled-modules';

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** Files under dir, recursively, as paths relative to it with forward slashes. */
function listFiles(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort();
}

/** oclif's pattern strategy: `a/b.ts` is `a:b`, `a/index.ts` is `a`; tests and declarations are not commands. */
function commandFiles(dir, extensions) {
  return listFiles(dir)
    .filter(
      (file) => extensions.some((ext) => file.endsWith(ext)) && !/\.(d|test|spec)\.[cm]?[jt]sx?$/.test(file),
    )
    .map((file) => {
      const parts = file.replace(/\.[cm]?[jt]sx?$/, '').split('/');
      if (parts.at(-1) === 'index') parts.pop();
      return { id: parts.join(':'), path: join(dir, file) };
    });
}

function castArray(value) {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** What the bundle holds: runvoy's commands, then each plugin's commands and hooks. */
function collectModules() {
  const commands = commandFiles(join(root, 'src/commands'), ['.ts', '.tsx']);
  const hooks = [];
  for (const name of pkg.oclif.plugins ?? []) {
    const pluginRoot = join(root, 'node_modules', name);
    const pluginPkg = JSON.parse(readFileSync(join(pluginRoot, 'package.json'), 'utf8'));
    const discovery = pluginPkg.oclif?.commands;
    if (discovery !== undefined) {
      const target = typeof discovery === 'string' ? discovery : discovery.target;
      if (typeof discovery !== 'string' && discovery.strategy !== 'pattern') {
        throw new Error(
          `${name}: only the pattern command strategy can be bundled (found ${discovery.strategy})`,
        );
      }
      for (const command of commandFiles(join(pluginRoot, target), ['.js'])) {
        if (commands.some((known) => known.id === command.id)) {
          throw new Error(`${name} defines command "${command.id}", which runvoy already has`);
        }
        commands.push(command);
      }
    }
    for (const [event, entries] of Object.entries(pluginPkg.oclif?.hooks ?? {})) {
      for (const entry of castArray(entries)) {
        const target = typeof entry === 'string' ? entry : entry.target;
        const identifier = typeof entry === 'string' ? 'default' : (entry.identifier ?? 'default');
        hooks.push({ event, plugin: name, path: require.resolve(join(pluginRoot, target)), identifier });
      }
    }
  }
  for (const [event, entries] of Object.entries(pkg.oclif.hooks ?? {})) {
    for (const entry of castArray(entries)) {
      const target = typeof entry === 'string' ? entry : entry.target;
      const identifier = typeof entry === 'string' ? 'default' : (entry.identifier ?? 'default');
      const source = join(root, target.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts'));
      hooks.push({ event, plugin: pkg.name, path: source, identifier });
    }
  }
  return { commands, hooks };
}

/**
 * The generated module: `COMMANDS` (id to class) and one export per hook, named in the bundled pjson.
 * Each command is a getter over `require()`, which esbuild turns into a module initialised on first use:
 * a start-up initialises only the command it runs (`--help` none, the manifest describes them all).
 */
function modulesSource({ commands, hooks }) {
  const lines = [];
  hooks.forEach((hook, i) => lines.push(`import * as H${i} from ${JSON.stringify(hook.path)};`));
  lines.push(
    // oclif's searchForCommandClass: the default export, or the first export with a run method.
    'const pick = (m) => (typeof m.default?.run === "function" ? m.default : Object.values(m).find((v) => typeof v?.run === "function"));',
    'export const COMMANDS = {',
    ...commands.map(
      (command) =>
        `  get ${JSON.stringify(command.id)}() { return pick(require(${JSON.stringify(command.path)})); },`,
    ),
    '};',
    'export const HOOKS = {',
    ...hooks.map((hook, i) => `  ${hookIdentifier(hook, i)}: H${i}[${JSON.stringify(hook.identifier)}],`),
    '};',
  );
  return lines.join('\n');
}

function hookIdentifier(hook, i) {
  return `HOOK_${hook.event.replace(/\W/g, '_')}_${i}`;
}

/** package.json as the bundle sees it: explicit commands and hooks in the bundle itself, no plugins to load. */
function bundledPjson({ hooks }) {
  const oclif = { ...pkg.oclif };
  delete oclif.devPlugins;
  oclif.plugins = [];
  oclif.commands = { strategy: 'explicit', target: `./${BUNDLE}`, identifier: 'COMMANDS' };
  oclif.hooks = {};
  hooks.forEach((hook, i) => {
    (oclif.hooks[hook.event] ??= []).push({ target: `./${BUNDLE}`, identifier: hookIdentifier(hook, i) });
  });
  return { name: pkg.name, version: pkg.version, description: pkg.description, type: pkg.type, oclif };
}

/**
 * Node's own modules as small CommonJS modules of the bundle. Left external, the ESM bundle imports each
 * at its top, and the CommonJS conversion copies every export of each import there on every start (21
 * copies of `process` alone, about 25 ms); wrapped, a module is required when its importer first runs.
 */
const lazyBuiltins = {
  name: 'runvoy-lazy-builtins',
  setup(b) {
    const names = new Set(builtinModules);
    b.onResolve({ filter: /^[a-z_/:]+$/ }, (args) => {
      if (args.namespace === 'builtin') return undefined;
      const name = args.path.replace(/^node:/, '');
      if (!names.has(name) && !names.has(name.split('/')[0])) return undefined;
      return { path: `node:${name}`, namespace: 'builtin' };
    });
    b.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

const virtualModules = (source) => ({
  name: 'runvoy-bundled-modules',
  setup(b) {
    b.onResolve({ filter: new RegExp(`^${COMMANDS_MODULE}$`) }, () => ({
      path: COMMANDS_MODULE,
      namespace: 'runvoy',
    }));
    b.onLoad({ filter: new RegExp(`^${COMMANDS_MODULE}$`), namespace: 'runvoy' }, () => ({
      contents: source,
      resolveDir: root,
      loader: 'js',
    }));
  },
});

/**
 * Modules replaced in the bundle, each by a smaller one that does the same for runvoy: what is left out
 * is code that never runs from the bundle, and it would cost parse time on every start.
 */
const replacements = [
  // oclif reads tsconfig.json (through TypeScript, 4 MB) only to run TypeScript sources; the bundle
  // turns that off (settings.enableAutoTranspile = false).
  { filter: /^typescript$/, contents: 'module.exports = undefined;' },
  // Ink connects to React DevTools only when DEV=true, through a package runvoy does not install.
  { filter: /^\.\/devtools\.js$/, importer: /node_modules\/ink\//, contents: 'export {};' },
  // plugin-not-found asks "Did you mean ...?" with confirm(); the whole prompt collection also brings
  // an external editor with its own character-set tables.
  { filter: /^@inquirer\/prompts$/, contents: "export { default as confirm } from '@inquirer/confirm';" },
];

const replaceModules = {
  name: 'runvoy-replacements',
  setup(b) {
    replacements.forEach(({ filter, importer, contents }, i) => {
      b.onResolve({ filter }, (args) =>
        !importer || importer.test(args.importer)
          ? { path: `replacement-${i}`, namespace: 'runvoy' }
          : undefined,
      );
      b.onLoad({ filter: new RegExp(`^replacement-${i}$`), namespace: 'runvoy' }, () => ({
        contents,
        resolveDir: root,
        loader: 'js',
      }));
    });
  },
};

async function bundle({ pjson, manifest, source, metafile }) {
  // ESM first: dependencies such as yoga-layout (through ink) use top-level await, which esbuild keeps
  // inside the lazily initialised module that dynamic import() reaches. Then CommonJS, which Node's
  // single-executable applications need and which Node 20 loads without scanning for export names.
  const result = await build({
    entryPoints: [join(root, 'src/bundle/main.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    write: false,
    minify: true,
    keepNames: true,
    legalComments: 'none',
    metafile,
    logLevel: 'warning',
    define: {
      RUNVOY_PJSON: JSON.stringify(pjson),
      RUNVOY_MANIFEST: JSON.stringify(manifest ?? null),
      RUNVOY_TEMPLATE: JSON.stringify(readFileSync(join(root, 'templates/runvoy.yaml'), 'utf8')),
      RUNVOY_BUNDLED: 'true',
    },
    plugins: [virtualModules(source), replaceModules, lazyBuiltins],
  });
  const esm = result.outputFiles[0].text;
  const cjs = await transform(esm, {
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    minifyWhitespace: true,
    logLevel: 'warning',
    // import() of Node's own modules becomes require(): bin/load-bundle.js compiles the bundle with
    // vm.Script, which has no loader for import().
    supported: { 'dynamic-import': false },
    // The bundled ESM reads import.meta.url only for paths that are never used from the bundle (ink's
    // dev-mode package.json); a file URL of the bundle keeps them well-formed.
    define: { 'import.meta.url': '__runvoyBundleUrl' },
    banner: 'const __runvoyBundleUrl = require("node:url").pathToFileURL(__filename).href;',
  });
  // ASCII only, so that bin/load-bundle.js reads it as latin1, a plain copy, instead of decoding UTF-8. A
  // \u escape means the same character in the strings, templates and regular expressions where the few
  // others are.
  const ascii = cjs.code.replace(
    /[\u0080-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return { code: ascii, metafile: result.metafile };
}

export async function buildBundle() {
  const modules = collectModules();
  const source = modulesSource(modules);
  const pjson = bundledPjson(modules);
  const out = join(root, BUNDLE);
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  // The manifest is in the bundle now; one left by an older build would send bin/dev.js to dist/commands.
  rmSync(join(root, 'oclif.manifest.json'), { force: true });
  mkdirSync(dirname(out), { recursive: true });

  const first = await bundle({ pjson, manifest: undefined, source, metafile: false });
  writeFileSync(out, first.code);
  const { computeManifest } = require(out);
  const manifest = await computeManifest(root);
  if (Object.keys(manifest.commands).length !== modules.commands.length) {
    throw new Error(
      `the manifest has ${Object.keys(manifest.commands).length} commands, the bundle ${modules.commands.length}`,
    );
  }

  const second = await bundle({ pjson, manifest, source, metafile: true });
  writeFileSync(out, second.code);
  // What went into the bundle (tmp/ is git-ignored): test/release checks the bundled packages' engines.
  mkdirSync(join(root, 'tmp'), { recursive: true });
  writeFileSync(join(root, METAFILE), JSON.stringify(second.metafile));
  const buildId = bundleId(second.code);
  await buildFastPath(buildId);
  return {
    path: out,
    commands: modules.commands.map((c) => c.id),
    bytes: Buffer.byteLength(second.code),
    buildId,
  };
}

/** What identifies a bundle for the kept help outputs (src/bundle/fast-path.ts). */
export function bundleId(code) {
  return createHash('sha256').update(code).digest('hex').slice(0, 16);
}

/**
 * dist/fast-path.cjs: what bin/run.js runs before the bundle (src/bundle/fast-path.ts), a few kilobytes,
 * with the bundle's id in it.
 */
async function buildFastPath(buildId) {
  await build({
    entryPoints: [join(root, 'src/bundle/fast-path-entry.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: join(root, FAST_PATH),
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
    define: { RUNVOY_BUILD_ID: JSON.stringify(buildId) },
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = Date.now();
  const { path, commands, bytes } = await buildBundle();
  process.stderr.write(
    `${relative(root, path)}: ${(bytes / 1e6).toFixed(1)} MB, ${commands.length} commands, ${Date.now() - started} ms\n`,
  );
}
