import { Ajv2020 } from 'ajv/dist/2020.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export type Os = 'linux' | 'darwin';
export type Arch = 'x64' | 'arm64';
export type Shell = 'bash' | 'zsh' | 'fish';

export interface Target {
  os: Os;
  arch: Arch;
  npmPackage: string;
  integrity: string;
  sign?: 'adhoc';
}

/** .goreleaser-like-pkg.json, as schemas/goreleaser-like-pkg.schema.json describes it. */
export interface ReleaseManifest {
  project: string;
  binary: string;
  bundle: string;
  outputDir: string;
  node: { version: string; seaFuse: string; execArgv: string[] };
  targets: Target[];
  archive: { name: string; files: string[] };
  checksum: { name: string; algorithm: 'sha256' };
  completions: Record<Shell, string>;
  homebrew: {
    formula: string;
    className: string;
    description: string;
    homepage: string;
    license: string;
    url: string;
    test: string;
  };
}

export const MANIFEST_FILE = '.goreleaser-like-pkg.json';
export const SCHEMA_FILE = 'schemas/goreleaser-like-pkg.schema.json';

export class ManifestError extends Error {}

/** The schema's errors for `doc`, one line each; empty when it is valid. */
export function validateManifest(doc: unknown, schema: object): string[] {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  const validate = ajv.compile(schema);
  if (validate(doc)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
}

export function loadManifest(root: string): ReleaseManifest {
  const doc: unknown = JSON.parse(readFileSync(join(root, MANIFEST_FILE), 'utf8'));
  const schema = JSON.parse(readFileSync(join(root, SCHEMA_FILE), 'utf8')) as object;
  const errors = validateManifest(doc, schema);
  if (errors.length > 0) {
    throw new ManifestError(`${MANIFEST_FILE} does not match ${SCHEMA_FILE}:\n  ${errors.join('\n  ')}`);
  }
  return doc as ReleaseManifest;
}

/** `{name}` placeholders, each of which must be given. */
export function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined) throw new ManifestError(`unknown placeholder {${key}} in "${template}"`);
    return value;
  });
}

export function archiveName(manifest: ReleaseManifest, version: string, target: Target): string {
  return fill(manifest.archive.name, {
    project: manifest.project,
    version,
    os: target.os,
    arch: target.arch,
  });
}

export function targetId(target: Target): string {
  return `${target.os}-${target.arch}`;
}
