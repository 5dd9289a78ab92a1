/**
 * Ad-hoc code signing of a thin 64-bit Mach-O executable, without Apple's codesign (it does not run on
 * Linux). What `codesign --sign - --force` writes: an LC_CODE_SIGNATURE load command pointing at an
 * embedded-signature SuperBlob at the end of __LINKEDIT, holding a CodeDirectory (SHA-256 of every
 * 4 KiB page of the file before the signature, the identifier, flags `adhoc`), an empty requirement set
 * and an empty CMS blob. macOS on Apple Silicon runs no code without at least this.
 *
 * The binary must be unsigned first (macho-unsign): Node's own signature is for Node's bytes, and the
 * SEA injection changed them.
 *
 * Layouts: <mach-o/loader.h> (little-endian here) and <Security/CSCommon.h>, the kernel's cs_blobs.h
 * (big-endian).
 */
import { createHash } from 'node:crypto';

const MH_MAGIC_64 = 0xfeedfacf;
const MH_EXECUTE = 0x2;
const LC_SEGMENT_64 = 0x19;
const LC_CODE_SIGNATURE = 0x1d;
const MACH_HEADER_64_SIZE = 32;

const CSMAGIC_EMBEDDED_SIGNATURE = 0xfade0cc0;
const CSMAGIC_CODEDIRECTORY = 0xfade0c02;
const CSMAGIC_REQUIREMENTS = 0xfade0c01;
const CSMAGIC_BLOBWRAPPER = 0xfade0b01;
const CSSLOT_CODEDIRECTORY = 0;
const CSSLOT_REQUIREMENTS = 2;
const CSSLOT_SIGNATURESLOT = 0x10000;
const CS_ADHOC = 0x2;
const CS_EXECSEG_MAIN_BINARY = 0x1;
const CS_HASHTYPE_SHA256 = 2;
const CD_VERSION_EXECSEG = 0x20400;
const CD_HEADER_SIZE = 88;
const HASH_SIZE = 32;
const SPECIAL_SLOTS = 2; // -1 Info.plist (none), -2 requirements
export const PAGE_SIZE = 4096;
const PAGE_SHIFT = 12;
const SEGMENT_ALIGN = 0x4000;

export class MachOError extends Error {}

interface Segment {
  name: string;
  offset: number; // of the load command
  vmsize: bigint;
  fileoff: bigint;
  filesize: bigint;
}

interface LoadCommands {
  ncmds: number;
  sizeofcmds: number;
  filetype: number;
  segments: Segment[];
  codeSignature?: number;
  firstSectionOffset: number;
}

const align = (n: number, to: number): number => Math.ceil(n / to) * to;

function readLoadCommands(file: Buffer): LoadCommands {
  if (file.length < MACH_HEADER_64_SIZE || file.readUInt32LE(0) !== MH_MAGIC_64) {
    throw new MachOError('not a thin 64-bit little-endian Mach-O file');
  }
  const filetype = file.readUInt32LE(12);
  const ncmds = file.readUInt32LE(16);
  const sizeofcmds = file.readUInt32LE(20);
  const segments: Segment[] = [];
  let codeSignature: number | undefined;
  let firstSectionOffset = file.length;
  let at = MACH_HEADER_64_SIZE;
  for (let i = 0; i < ncmds; i++) {
    const cmd = file.readUInt32LE(at);
    const cmdsize = file.readUInt32LE(at + 4);
    if (cmd === LC_SEGMENT_64) {
      const name = file.toString('latin1', at + 8, at + 24).replace(/\0+$/, '');
      segments.push({
        name,
        offset: at,
        vmsize: file.readBigUInt64LE(at + 32),
        fileoff: file.readBigUInt64LE(at + 40),
        filesize: file.readBigUInt64LE(at + 48),
      });
      const nsects = file.readUInt32LE(at + 64);
      for (let s = 0; s < nsects; s++) {
        const section = at + 72 + s * 80;
        const offset = file.readUInt32LE(section + 48);
        const type = file.readUInt32LE(section + 64) & 0xff;
        // Zero-fill sections (S_ZEROFILL 0x1, S_GB_ZEROFILL 0xc, S_THREAD_LOCAL_ZEROFILL 0x12) have no bytes.
        if (offset > 0 && ![0x1, 0xc, 0x12].includes(type))
          firstSectionOffset = Math.min(firstSectionOffset, offset);
      }
    } else if (cmd === LC_CODE_SIGNATURE) {
      codeSignature = at;
    }
    at += cmdsize;
  }
  return { ncmds, sizeofcmds, filetype, segments, codeSignature, firstSectionOffset };
}

function blobHeader(magic: number, length: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(magic, 0);
  b.writeUInt32BE(length, 4);
  return b;
}

function codeDirectory(
  file: Buffer,
  codeLimit: number,
  identifier: string,
  requirements: Buffer,
  text: Segment,
  isMain: boolean,
): Buffer {
  const ident = Buffer.from(`${identifier}\0`, 'utf8');
  const nCodeSlots = Math.ceil(codeLimit / PAGE_SIZE);
  const identOffset = CD_HEADER_SIZE;
  const hashOffset = identOffset + ident.length + SPECIAL_SLOTS * HASH_SIZE;
  const length = hashOffset + nCodeSlots * HASH_SIZE;
  const cd = Buffer.alloc(length);
  cd.writeUInt32BE(CSMAGIC_CODEDIRECTORY, 0);
  cd.writeUInt32BE(length, 4);
  cd.writeUInt32BE(CD_VERSION_EXECSEG, 8);
  cd.writeUInt32BE(CS_ADHOC, 12);
  cd.writeUInt32BE(hashOffset, 16);
  cd.writeUInt32BE(identOffset, 20);
  cd.writeUInt32BE(SPECIAL_SLOTS, 24);
  cd.writeUInt32BE(nCodeSlots, 28);
  cd.writeUInt32BE(codeLimit, 32);
  cd.writeUInt8(HASH_SIZE, 36);
  cd.writeUInt8(CS_HASHTYPE_SHA256, 37);
  cd.writeUInt8(0, 38); // platform
  cd.writeUInt8(PAGE_SHIFT, 39);
  // 40 spare2, 44 scatterOffset, 48 teamOffset, 52 spare3, 56 codeLimit64: all zero.
  cd.writeBigUInt64BE(text.fileoff, 64); // execSegBase
  cd.writeBigUInt64BE(text.filesize, 72); // execSegLimit
  cd.writeBigUInt64BE(isMain ? BigInt(CS_EXECSEG_MAIN_BINARY) : 0n, 80);
  ident.copy(cd, identOffset);
  // Special slot -n sits n hashes before hashOffset; slot -1 (Info.plist) stays zero.
  createHash('sha256')
    .update(requirements)
    .digest()
    .copy(cd, hashOffset - CSSLOT_REQUIREMENTS * HASH_SIZE);
  for (let page = 0; page < nCodeSlots; page++) {
    const start = page * PAGE_SIZE;
    const digest = createHash('sha256')
      .update(file.subarray(start, Math.min(start + PAGE_SIZE, codeLimit)))
      .digest();
    digest.copy(cd, hashOffset + page * HASH_SIZE);
  }
  return cd;
}

function superBlob(blobs: { slot: number; blob: Buffer }[]): Buffer {
  const headerSize = 12 + blobs.length * 8;
  const length = headerSize + blobs.reduce((n, b) => n + b.blob.length, 0);
  const header = Buffer.alloc(headerSize);
  header.writeUInt32BE(CSMAGIC_EMBEDDED_SIGNATURE, 0);
  header.writeUInt32BE(length, 4);
  header.writeUInt32BE(blobs.length, 8);
  let offset = headerSize;
  blobs.forEach(({ slot, blob }, i) => {
    header.writeUInt32BE(slot, 12 + i * 8);
    header.writeUInt32BE(offset, 16 + i * 8);
    offset += blob.length;
  });
  return Buffer.concat([header, ...blobs.map((b) => b.blob)]);
}

/** The size of the signature adhocSign writes for a file whose code ends at codeLimit. */
function signatureSize(codeLimit: number, identifier: string): number {
  const cd =
    CD_HEADER_SIZE +
    Buffer.byteLength(`${identifier}\0`) +
    (SPECIAL_SLOTS + Math.ceil(codeLimit / PAGE_SIZE)) * HASH_SIZE;
  return align(12 + 3 * 8 + cd + 12 + 8, 16);
}

/** Returns the binary signed ad hoc with the given identifier. Throws if it is already signed. */
export function adhocSign(input: Buffer, identifier: string): Buffer {
  const commands = readLoadCommands(input);
  if (commands.codeSignature !== undefined)
    throw new MachOError('the binary is signed: remove the signature first');
  const linkedit = commands.segments.find((s) => s.name === '__LINKEDIT');
  const text = commands.segments.find((s) => s.name === '__TEXT');
  if (!linkedit || !text) throw new MachOError('no __LINKEDIT or __TEXT segment');
  if (Number(linkedit.fileoff + linkedit.filesize) !== input.length) {
    throw new MachOError('__LINKEDIT does not end the file: the signature could not go at its end');
  }
  const commandsEnd = MACH_HEADER_64_SIZE + commands.sizeofcmds;
  if (commandsEnd + 16 > commands.firstSectionOffset) {
    throw new MachOError('no room for LC_CODE_SIGNATURE between the load commands and the first section');
  }

  const codeLimit = align(input.length, 16);
  const size = signatureSize(codeLimit, identifier);
  const file = Buffer.alloc(codeLimit + size);
  input.copy(file);

  // The header and load commands are part of the first page's hash: change them before hashing.
  file.writeUInt32LE(commands.ncmds + 1, 16);
  file.writeUInt32LE(commands.sizeofcmds + 16, 20);
  file.writeUInt32LE(LC_CODE_SIGNATURE, commandsEnd);
  file.writeUInt32LE(16, commandsEnd + 4);
  file.writeUInt32LE(codeLimit, commandsEnd + 8);
  file.writeUInt32LE(size, commandsEnd + 12);
  const linkeditSize = BigInt(codeLimit + size) - linkedit.fileoff;
  file.writeBigUInt64LE(BigInt(align(Number(linkeditSize), SEGMENT_ALIGN)), linkedit.offset + 32); // vmsize
  file.writeBigUInt64LE(linkeditSize, linkedit.offset + 48); // filesize

  const requirements = Buffer.concat([blobHeader(CSMAGIC_REQUIREMENTS, 12), Buffer.alloc(4)]);
  const cms = blobHeader(CSMAGIC_BLOBWRAPPER, 8);
  const cd = codeDirectory(file, codeLimit, identifier, requirements, text, commands.filetype === MH_EXECUTE);
  const signature = superBlob([
    { slot: CSSLOT_CODEDIRECTORY, blob: cd },
    { slot: CSSLOT_REQUIREMENTS, blob: requirements },
    { slot: CSSLOT_SIGNATURESLOT, blob: cms },
  ]);
  if (signature.length > size) throw new MachOError('signature larger than reserved');
  signature.copy(file, codeLimit);
  return file;
}
