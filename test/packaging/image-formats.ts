// Minimal readers for the icon files the packaging tests check: PNG (IHDR + RGBA pixels), ICO and
// ICNS containers. Written independently of scripts/icon-containers.mjs so the tests don't grade
// the writer with its own logic.
import { inflateSync } from 'node:zlib';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export interface PngInfo {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
}

export interface DecodedPng extends PngInfo {
  /** RGBA, 4 bytes per pixel, row-major. */
  rgba: Buffer;
}

export function isPng(buf: Buffer): boolean {
  return buf.length > 8 && buf.subarray(0, 8).equals(PNG_SIGNATURE);
}

/** Reads the IHDR chunk, which the PNG spec requires to come first. */
export function readPngInfo(buf: Buffer): PngInfo {
  if (!isPng(buf)) throw new Error('not a PNG');
  if (buf.toString('latin1', 12, 16) !== 'IHDR') throw new Error('first chunk is not IHDR');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20), bitDepth: buf.readUInt8(24), colorType: buf.readUInt8(25) };
}

/** Decodes an 8-bit RGBA, non-interlaced PNG (what Chromium screenshots are). */
export function decodePng(buf: Buffer): DecodedPng {
  const info = readPngInfo(buf);
  if (info.bitDepth !== 8 || info.colorType !== 6) throw new Error(`unsupported PNG: depth ${info.bitDepth}, colour type ${info.colorType}`);
  if (buf.readUInt8(28) !== 0) throw new Error('interlaced PNG not supported');
  const idat: Buffer[] = [];
  for (let pos = 8; pos < buf.length; ) {
    const length = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    if (type === 'IDAT') idat.push(buf.subarray(pos + 8, pos + 8 + length));
    if (type === 'IEND') break;
    pos += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = info.width * 4;
  const rgba = Buffer.alloc(stride * info.height);
  for (let y = 0; y < info.height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= 4 ? rgba[y * stride + x - 4]! : 0;
      const b = y > 0 ? rgba[(y - 1) * stride + x]! : 0;
      const c = x >= 4 && y > 0 ? rgba[(y - 1) * stride + x - 4]! : 0;
      let v = line[x]!;
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else if (filter !== 0) throw new Error(`bad PNG filter ${filter}`);
      rgba[y * stride + x] = v & 0xff;
    }
  }
  return { ...info, rgba };
}

export interface IcoEntry {
  width: number;
  height: number;
  bitCount: number;
  data: Buffer;
}

export function readIco(buf: Buffer): IcoEntry[] {
  if (buf.readUInt16LE(0) !== 0 || buf.readUInt16LE(2) !== 1) throw new Error('not an ICO (reserved/type)');
  const count = buf.readUInt16LE(4);
  if (count === 0) throw new Error('ICO without images');
  const entries: IcoEntry[] = [];
  for (let i = 0; i < count; i++) {
    const at = 6 + 16 * i;
    const size = buf.readUInt32LE(at + 8);
    const offset = buf.readUInt32LE(at + 12);
    if (offset < 6 + 16 * count || offset + size > buf.length) throw new Error(`ICO entry ${i} points outside the file`);
    entries.push({ width: buf.readUInt8(at) || 256, height: buf.readUInt8(at + 1) || 256, bitCount: buf.readUInt16LE(at + 6), data: buf.subarray(offset, offset + size) });
  }
  return entries;
}

export function readIcns(buf: Buffer): { type: string; data: Buffer }[] {
  if (buf.toString('latin1', 0, 4) !== 'icns') throw new Error('not an ICNS');
  if (buf.readUInt32BE(4) !== buf.length) throw new Error('ICNS length does not match the file size');
  const elements: { type: string; data: Buffer }[] = [];
  for (let pos = 8; pos < buf.length; ) {
    const length = buf.readUInt32BE(pos + 4);
    if (length < 8 || pos + length > buf.length) throw new Error(`ICNS element at ${pos} has a bad length`);
    elements.push({ type: buf.toString('latin1', pos, pos + 4), data: buf.subarray(pos + 8, pos + length) });
    pos += length;
  }
  return elements;
}
