/**
 * What `npm run release` left in release/: every target's binary and archive, the checksums file and the
 * Homebrew formula. Run `npm run release` first; a missing artifact fails the test, it is never skipped.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { archiveName, fill, loadManifest, targetId, type Target } from '../../scripts/release/manifest.js';
import { readSignature } from '../support/macho.js';

const root = resolve(import.meta.dirname, '../..');
const manifest = loadManifest(root);
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
const out = join(root, manifest.outputDir);
const binaryOf = (target: Target): string => join(out, targetId(target), manifest.binary);
const archiveOf = (target: Target): string => join(out, archiveName(manifest, version, target));
const checksumsPath = join(out, fill(manifest.checksum.name, { project: manifest.project, version }));
const formulaPath = join(out, fill(manifest.homebrew.formula, { project: manifest.project }));
const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

/** A tool the release checks need, installed by .ci/run; missing, the test fails and says how to get it. */
function need(tool: string, apt: string): void {
  const found = spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
  expect(found, `${tool} is not installed: apt-get install -y ${apt}`).toBe(true);
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv = { PATH: '/nonexistent', HOME: '/tmp' }) {
  return spawnSync(file, args, { encoding: 'utf8', env });
}

beforeAll(() => {
  const missing = [
    ...manifest.targets.flatMap((t) => [binaryOf(t), archiveOf(t)]),
    checksumsPath,
    formulaPath,
  ].filter((path) => !existsSync(path));
  expect(missing, 'run `npm run release` first').toEqual([]);
});

describe('the checksums file', () => {
  it('lists every archive once, each with the SHA-256 of the archive built', () => {
    const lines = readFileSync(checksumsPath, 'utf8').trim().split('\n');
    const listed = new Map(
      lines.map((line) => line.split(/ {2}/) as [string, string]).map(([sum, name]) => [name, sum]),
    );
    expect([...listed.keys()].sort()).toEqual(
      manifest.targets.map((t) => archiveName(manifest, version, t)).sort(),
    );
    for (const target of manifest.targets) {
      expect(listed.get(archiveName(manifest, version, target))).toBe(sha256(archiveOf(target)));
    }
  });

  it('passes sha256sum -c', () => {
    need('sha256sum', 'coreutils');
    const check = spawnSync('sha256sum', ['-c', checksumsPath.split('/').pop() as string], {
      cwd: out,
      encoding: 'utf8',
    });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    expect(check.stdout.trim().split('\n')).toHaveLength(manifest.targets.length);
  });
});

describe('each archive', () => {
  it.each(manifest.targets.map((t) => [targetId(t), t] as const))(
    '%s holds the binary (executable), LICENSE, README and the three completion scripts',
    (_id, target) => {
      const listing = spawnSync('tar', ['-tvzf', archiveOf(target)], { encoding: 'utf8' });
      expect(listing.status, listing.stderr).toBe(0);
      const top = archiveName(manifest, version, target).replace(/\.tar\.gz$/, '');
      const entries = new Map(
        listing.stdout
          .trim()
          .split('\n')
          .map((line) => {
            const fields = line.split(/\s+/);
            return [fields.at(-1) as string, fields[0] as string];
          }),
      );
      expect(entries.get(`${top}/${manifest.binary}`)).toBe('-rwxr-xr-x');
      for (const file of [...manifest.archive.files, ...Object.values(manifest.completions)]) {
        expect(entries.get(`${top}/${fill(file, { binary: manifest.binary })}`), file).toBe('-rw-r--r--');
      }
      const extracted = spawnSync('tar', ['-xzOf', archiveOf(target), `${top}/${manifest.binary}`], {
        maxBuffer: 512 * 1024 * 1024,
      });
      expect(createHash('sha256').update(extracted.stdout).digest('hex')).toBe(sha256(binaryOf(target)));
    },
  );
});

describe('the Homebrew formula', () => {
  it('is valid Ruby (ruby -c)', () => {
    need('ruby', 'ruby');
    const check = spawnSync('ruby', ['-c', formulaPath], { encoding: 'utf8' });
    expect(check.status, check.stderr).toBe(0);
    expect(check.stdout).toContain('Syntax OK');
  });

  it('gives each platform the url and sha256 of the archive built for it', () => {
    const text = readFileSync(formulaPath, 'utf8');
    const blocks = [...text.matchAll(/on_(macos|linux) do\n([\s\S]*?)\n {2}end/g)];
    expect(blocks.map((b) => b[1])).toEqual(['macos', 'linux']);
    for (const [, os, body] of blocks) {
      const arms = [
        ...(body as string).matchAll(/on_(arm|intel) do\n\s+url "([^"]+)"\n\s+sha256 "([0-9a-f]{64})"/g),
      ];
      expect(arms.map((a) => a[1])).toEqual(['arm', 'intel']);
      for (const [, cpu, url, sum] of arms) {
        const target = manifest.targets.find(
          (t) =>
            t.os === (os === 'macos' ? 'darwin' : 'linux') && t.arch === (cpu === 'arm' ? 'arm64' : 'x64'),
        ) as Target;
        const name = archiveName(manifest, version, target);
        expect(url).toBe(fill(manifest.homebrew.url, { version, archive: name, project: manifest.project }));
        expect(sum).toBe(sha256(archiveOf(target)));
      }
    }
  });

  it('installs the binary, completions for bash, zsh and fish from it, and tests --version', () => {
    const text = readFileSync(formulaPath, 'utf8');
    expect(text).toContain(`bin.install "${manifest.binary}"`);
    // Homebrew runs `runvoy autocomplete bash|zsh|fish` and installs each output for its shell.
    expect(text).toContain(`generate_completions_from_executable(bin/"${manifest.binary}", "autocomplete")`);
    expect(text).toMatch(
      /test do\n\s+assert_match "runvoy\/#\{version\}", shell_output\("#\{bin\}\/runvoy --version"\)/,
    );
  });
});

describe('the darwin binaries', () => {
  it.each(manifest.targets.filter((t) => t.os === 'darwin').map((t) => [targetId(t), t] as const))(
    '%s: Node signature removed, signed ad hoc, every page hash matches',
    (_id, target) => {
      const signature = readSignature(readFileSync(binaryOf(target)));
      expect(signature.codeSignatureCommands).toBe(1);
      expect(signature.identifier).toBe(manifest.binary);
      expect(signature.flags & 0x2).toBe(0x2); // CS_ADHOC
      expect(signature.hashType).toBe(2); // SHA-256
      expect(signature.pageSize).toBe(4096);
      expect(signature.slots).toEqual([0, 2, 0x10000]);
      expect(signature.cmsLength).toBe(8); // no certificate: ad hoc, and none of Node's
      expect(signature.requirementsHashOk).toBe(true);
      expect(signature.linkeditCoversSignature).toBe(true);
      expect(signature.execSegLimit).toBe(signature.textFileSize);
      expect(signature.pages).toBe(Math.ceil(signature.codeLimit / 4096));
      expect(signature.badPages).toEqual([]);
    },
  );

  it('a changed byte is caught by its page hash (the check can fail)', () => {
    const target = manifest.targets.find((t) => t.os === 'darwin') as Target;
    const file = readFileSync(binaryOf(target));
    file[5 * 4096 + 17] = (file[5 * 4096 + 17] as number) ^ 0xff;
    expect(readSignature(file).badPages).toEqual([5]);
  });
});

describe('the linux binaries', () => {
  const linux = (arch: string): Target =>
    manifest.targets.find((t) => t.os === 'linux' && t.arch === arch) as Target;

  it('linux-x64 prints the version line of the npm install, with its own Node, from a PATH without node', () => {
    const binary = run(binaryOf(linux('x64')), ['--version']);
    expect(binary.status, binary.stderr).toBe(0);
    expect(binary.stdout).toBe(`runvoy/${version} linux-x64 node-v${manifest.node.version}\n`);
    const npm = spawnSync(process.execPath, ['--', join(root, 'bin/run.js'), '--version'], {
      encoding: 'utf8',
    });
    expect(npm.stdout).toBe(`runvoy/${version} linux-x64 node-${process.version}\n`);
  });

  it('linux-x64: a missing --env-file is runvoy exit 2 naming the flag, not Node exit 9', () => {
    const result = run(binaryOf(linux('x64')), [
      'run',
      '--image',
      'alpine',
      '--env-file',
      'missing.env',
      '--',
      'true',
    ]);
    expect(result.status, result.stderr).toBe(2);
    expect(result.stderr).toContain('--env-file missing.env cannot be read');
    expect(result.stderr).toContain('Nothing was sent to AWS');
  });

  it('linux-arm64 runs --version under qemu-aarch64', () => {
    need('qemu-aarch64', 'qemu-user');
    expect(
      existsSync('/usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1'),
      'apt-get install -y libc6-arm64-cross',
    ).toBe(true);
    const qemu = spawnSync('sh', ['-c', 'command -v qemu-aarch64'], { encoding: 'utf8' }).stdout.trim();
    // The binary's PATH holds no node: qemu itself is named by its full path.
    const result = spawnSync(qemu, ['-L', '/usr/aarch64-linux-gnu', binaryOf(linux('arm64')), '--version'], {
      encoding: 'utf8',
      env: { PATH: '/nonexistent', HOME: '/tmp' },
      timeout: 110_000,
    });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe(`runvoy/${version} linux-arm64 node-v${manifest.node.version}\n`);
  });
});
