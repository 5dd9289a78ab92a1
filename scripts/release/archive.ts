import { createHash } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { gzipSync } from 'node:zlib';

export interface Entry {
  /** Path inside the archive. */
  name: string;
  source: string;
  mode: number;
}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

/** One ustar header; names here are short, and every entry is a regular file or a directory. */
function header(name: string, size: number, mode: number, directory: boolean, mtime: number): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`archive entry name too long: ${name}`);
  const h = Buffer.alloc(512);
  h.write(name, 0, 'utf8');
  h.write(octal(mode, 8), 100, 'latin1');
  h.write(octal(0, 8), 108, 'latin1'); // uid
  h.write(octal(0, 8), 116, 'latin1'); // gid
  h.write(octal(size, 12), 124, 'latin1');
  h.write(octal(mtime, 12), 136, 'latin1');
  h.write('        ', 148, 'latin1'); // checksum placeholder
  h.write(directory ? '5' : '0', 156, 'latin1');
  h.write('ustar\0', 257, 'latin1');
  h.write('00', 263, 'latin1');
  h.write('root', 265, 'latin1');
  h.write('root', 297, 'latin1');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

/**
 * A reproducible .tar.gz: entries in the given order under one top-level directory, owner root, the
 * same mtime for all (the release's commit time), and a gzip header without name or time.
 */
export function writeTarGz(path: string, topDir: string, entries: Entry[], mtime: number): void {
  const parts: Buffer[] = [header(`${topDir}/`, 0, 0o755, true, mtime)];
  const dirs = new Set<string>();
  for (const entry of entries) {
    const dir = entry.name.includes('/') ? entry.name.slice(0, entry.name.lastIndexOf('/')) : '';
    if (dir && !dirs.has(dir)) {
      dirs.add(dir);
      parts.push(header(`${topDir}/${dir}/`, 0, 0o755, true, mtime));
    }
    const data = readFileSync(entry.source);
    parts.push(header(`${topDir}/${entry.name}`, data.length, entry.mode, false, mtime), data);
    const padding = (512 - (data.length % 512)) % 512;
    if (padding) parts.push(Buffer.alloc(padding));
  }
  parts.push(Buffer.alloc(1024));
  writeFileSync(path, gzipSync(Buffer.concat(parts), { level: 6 }));
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** The checksums file, as `sha256sum` writes and `sha256sum -c` reads it. */
export function writeChecksums(path: string, files: string[]): Map<string, string> {
  const sums = new Map(files.map((file) => [basename(file), sha256File(file)]));
  writeFileSync(path, [...sums].map(([name, sum]) => `${sum}  ${name}\n`).join(''));
  return sums;
}

export function isExecutable(path: string): boolean {
  return (statSync(path).mode & 0o111) !== 0;
}
