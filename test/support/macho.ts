/**
 * Reads a Mach-O executable's embedded code signature, independently of scripts/release/macho-sign.ts,
 * so that a test can check what macOS checks: every page hash of the CodeDirectory against the file.
 */
import { createHash } from 'node:crypto';

export interface SignatureCheck {
  identifier: string;
  flags: number;
  hashType: number;
  pageSize: number;
  codeLimit: number;
  pages: number;
  /** Indexes of pages whose hash does not match the file. */
  badPages: number[];
  requirementsHashOk: boolean;
  /** Blob types in the SuperBlob: 0 CodeDirectory, 2 requirements, 0x10000 CMS. */
  slots: number[];
  cmsLength: number;
  /** The signature lies inside __LINKEDIT, which ends the file. */
  linkeditCoversSignature: boolean;
  codeSignatureCommands: number;
  execSegLimit: bigint;
  textFileSize: bigint;
}

export function readSignature(file: Buffer): SignatureCheck {
  if (file.readUInt32LE(0) !== 0xfeedfacf) throw new Error('not a 64-bit Mach-O file');
  const ncmds = file.readUInt32LE(16);
  let at = 32;
  let dataoff = -1;
  let datasize = 0;
  let codeSignatureCommands = 0;
  let linkedit: { fileoff: bigint; filesize: bigint } | undefined;
  let textFileSize = 0n;
  for (let i = 0; i < ncmds; i++) {
    const cmd = file.readUInt32LE(at);
    const size = file.readUInt32LE(at + 4);
    if (cmd === 0x1d) {
      codeSignatureCommands++;
      dataoff = file.readUInt32LE(at + 8);
      datasize = file.readUInt32LE(at + 12);
    } else if (cmd === 0x19) {
      const name = file.toString('latin1', at + 8, at + 24).replace(/\0+$/, '');
      const segment = { fileoff: file.readBigUInt64LE(at + 40), filesize: file.readBigUInt64LE(at + 48) };
      if (name === '__LINKEDIT') linkedit = segment;
      if (name === '__TEXT') textFileSize = segment.filesize;
    }
    at += size;
  }
  if (dataoff < 0) throw new Error('no LC_CODE_SIGNATURE');
  const sig = file.subarray(dataoff, dataoff + datasize);
  if (sig.readUInt32BE(0) !== 0xfade0cc0) throw new Error('no embedded-signature SuperBlob');
  const count = sig.readUInt32BE(8);
  const slots: number[] = [];
  const blobAt = new Map<number, number>();
  for (let i = 0; i < count; i++) {
    const type = sig.readUInt32BE(12 + i * 8);
    slots.push(type);
    blobAt.set(type, sig.readUInt32BE(16 + i * 8));
  }
  const cdAt = blobAt.get(0);
  if (cdAt === undefined || sig.readUInt32BE(cdAt) !== 0xfade0c02) throw new Error('no CodeDirectory');
  const cd = sig.subarray(cdAt, cdAt + sig.readUInt32BE(cdAt + 4));
  const hashOffset = cd.readUInt32BE(16);
  const identOffset = cd.readUInt32BE(20);
  const nCodeSlots = cd.readUInt32BE(28);
  const codeLimit = cd.readUInt32BE(32);
  const hashSize = cd.readUInt8(36);
  const hashType = cd.readUInt8(37);
  const pageSize = 2 ** cd.readUInt8(39);
  const identifier = cd.toString('utf8', identOffset, cd.indexOf(0, identOffset));
  const badPages: number[] = [];
  for (let page = 0; page < nCodeSlots; page++) {
    const start = page * pageSize;
    const expected = cd.subarray(hashOffset + page * hashSize, hashOffset + (page + 1) * hashSize);
    const actual = createHash('sha256')
      .update(file.subarray(start, Math.min(start + pageSize, codeLimit)))
      .digest();
    if (!actual.equals(expected)) badPages.push(page);
  }
  const reqAt = blobAt.get(2);
  let requirementsHashOk = false;
  if (reqAt !== undefined) {
    const req = sig.subarray(reqAt, reqAt + sig.readUInt32BE(reqAt + 4));
    const slot = cd.subarray(hashOffset - 2 * hashSize, hashOffset - hashSize);
    requirementsHashOk = createHash('sha256').update(req).digest().equals(slot);
  }
  const cmsAt = blobAt.get(0x10000);
  const end = BigInt(dataoff + datasize);
  return {
    identifier,
    flags: cd.readUInt32BE(12),
    hashType,
    pageSize,
    codeLimit,
    pages: nCodeSlots,
    badPages,
    requirementsHashOk,
    slots,
    cmsLength: cmsAt === undefined ? -1 : sig.readUInt32BE(cmsAt + 4),
    linkeditCoversSignature:
      linkedit !== undefined &&
      linkedit.fileoff <= BigInt(dataoff) &&
      linkedit.fileoff + linkedit.filesize >= end &&
      linkedit.fileoff + linkedit.filesize === BigInt(file.length),
    codeSignatureCommands,
    execSegLimit: cd.length >= 88 ? cd.readBigUInt64BE(72) : -1n,
    textFileSize,
  };
}
