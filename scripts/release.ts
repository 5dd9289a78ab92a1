/**
 * npm run release: everything a release publishes, into release/ (git-ignored), from
 * .goreleaser-like-pkg.json: one single-executable binary per target (Node's SEA, with the Node binary
 * of the manifest's version from npm), the completion scripts, one .tar.gz per target, the checksums
 * file and the Homebrew formula.
 *
 *   npm run release                          # every target (runs npm run build first)
 *   npm run release -- --target linux-x64    # only some targets (repeatable); CI builds linux-x64
 *
 * Layout: release/<os>-<arch>/runvoy, release/completions/, release/<archive>.tar.gz,
 * release/<checksums>.txt, release/Formula/runvoy.rb; Node binaries are kept in release/.cache.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeChecksums, writeTarGz, type Entry } from './release/archive.js';
import { formula, type FormulaArchive } from './release/formula.js';
import {
  archiveName,
  fill,
  loadManifest,
  targetId,
  type ReleaseManifest,
  type Shell,
  type Target,
} from './release/manifest.js';
import { nodeBinary } from './release/node-binary.js';
import { buildBinary, prepareBlob } from './release/sea.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const SHELLS: Shell[] = ['bash', 'zsh', 'fish'];

function log(message: string): void {
  process.stderr.write(`release: ${message}\n`);
}

function selectTargets(manifest: ReleaseManifest, wanted: string[]): Target[] {
  if (wanted.length === 0) return manifest.targets;
  const known = manifest.targets.map(targetId);
  for (const id of wanted) {
    if (!known.includes(id)) throw new Error(`unknown target ${id}; the manifest has ${known.join(', ')}`);
  }
  return manifest.targets.filter((t) => wanted.includes(targetId(t)));
}

/** The commit time, so that the same commit gives the same archives (SOURCE_DATE_EPOCH wins). */
function releaseTime(): number {
  if (process.env.SOURCE_DATE_EPOCH) return Number(process.env.SOURCE_DATE_EPOCH);
  const git = spawnSync('git', ['log', '-1', '--format=%ct'], { cwd: root, encoding: 'utf8' });
  return git.status === 0 && git.stdout.trim() ? Number(git.stdout.trim()) : 0;
}

/** `runvoy autocomplete SHELL`, from the bundle that every binary embeds. */
function writeCompletions(manifest: ReleaseManifest, out: string): Record<Shell, string> {
  const paths = {} as Record<Shell, string>;
  for (const shell of SHELLS) {
    const result = spawnSync(process.execPath, ['--', join(root, 'bin/run.js'), 'autocomplete', shell], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    if (result.status !== 0) throw new Error(`runvoy autocomplete ${shell} failed: ${result.stderr}`);
    const path = join(out, fill(manifest.completions[shell], { binary: manifest.binary }));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, result.stdout);
    paths[shell] = path;
  }
  return paths;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { target: { type: 'string', multiple: true, default: [] } } });
  const manifest = loadManifest(root);
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  const out = join(root, manifest.outputDir);
  const bundle = join(root, manifest.bundle);
  if (!existsSync(bundle)) throw new Error(`${manifest.bundle} is missing: run npm run build first`);
  const targets = selectTargets(manifest, values.target);

  const hostTarget = manifest.targets.find((t) => t.os === process.platform && t.arch === process.arch);
  if (!hostTarget)
    throw new Error(
      `no target in the manifest runs here (${process.platform}-${process.arch}) to make the SEA blob`,
    );
  const cache = join(out, '.cache', 'node');
  const builder = nodeBinary(hostTarget, manifest.node.version, cache);

  for (const entry of ['completions', 'Formula']) rmSync(join(out, entry), { recursive: true, force: true });
  const blob = await prepareBlob(manifest, root, version, builder, join(out, '.cache', 'blob'));

  const completions = writeCompletions(manifest, out);
  const time = releaseTime();
  const archives: string[] = [];
  const formulaArchives: FormulaArchive[] = [];
  for (const target of targets) {
    const started = Date.now();
    const dir = join(out, targetId(target));
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const binary = join(dir, manifest.binary);
    const node = nodeBinary(target, manifest.node.version, cache);
    await buildBinary(manifest, target, node, blob, binary);

    const name = archiveName(manifest, version, target);
    const entries: Entry[] = [
      { name: manifest.binary, source: binary, mode: 0o755 },
      ...manifest.archive.files.map((file) => ({ name: file, source: join(root, file), mode: 0o644 })),
      ...SHELLS.map((shell) => ({
        name: relative(out, completions[shell]),
        source: completions[shell],
        mode: 0o644,
      })),
    ];
    const archive = join(out, name);
    writeTarGz(archive, name.replace(/\.tar\.gz$/, ''), entries, time);
    archives.push(archive);
    log(
      `${targetId(target)}: ${relative(root, binary)}, ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
    );
  }

  const checksumsPath = join(out, fill(manifest.checksum.name, { project: manifest.project, version }));
  const sums = writeChecksums(checksumsPath, archives);
  for (const target of targets) {
    const name = archiveName(manifest, version, target);
    formulaArchives.push({
      target,
      url: fill(manifest.homebrew.url, { version, archive: name, project: manifest.project }),
      sha256: sums.get(name) as string,
    });
  }
  const formulaPath = join(out, fill(manifest.homebrew.formula, { project: manifest.project }));
  mkdirSync(dirname(formulaPath), { recursive: true });
  writeFileSync(formulaPath, formula(manifest, version, formulaArchives));
  log(`${relative(root, checksumsPath)}, ${relative(root, formulaPath)}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`release: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
