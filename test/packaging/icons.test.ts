// The committed icons: sizes, alpha, template colours, and well-formed ICO/ICNS containers.
import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodePng, isPng, readIcns, readIco, readPngInfo } from './image-formats.js';
import type { DecodedPng } from './image-formats.js';
import { TRAY_ICON_STATES } from '../../src/main/core/tray-menu/tray-template.js';
// @ts-expect-error -- plain .mjs script without type declarations
import { encodeIcns, encodeIco } from '../../scripts/icon-containers.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (p: string): Buffer => readFileSync(root + p);
// Every state the tray can show (the core's list) has its icons.
const STATES = TRAY_ICON_STATES;

function pixels(png: DecodedPng): { r: number; g: number; b: number; a: number }[] {
  const out = [];
  for (let i = 0; i < png.rgba.length; i += 4) out.push({ r: png.rgba[i]!, g: png.rgba[i + 1]!, b: png.rgba[i + 2]!, a: png.rgba[i + 3]! });
  return out;
}
const alphaAt = (png: DecodedPng, x: number, y: number): number => png.rgba[(y * png.width + x) * 4 + 3]!;

describe('tray icons', () => {
  it('has one SVG source per state plus the app icon', () => {
    for (const state of STATES) expect(existsSync(`${root}build/icons/src/tray-${state}.svg`)).toBe(true);
    expect(existsSync(`${root}build/icons/src/app.svg`)).toBe(true);
  });

  for (const state of STATES) {
    for (const [file, size] of [[`${state}Template.png`, 16], [`${state}Template@2x.png`, 32]] as const) {
      it(`${file} is a ${size}px black + alpha template image`, () => {
        const png = decodePng(read(`build/icons/tray/${file}`));
        expect([png.width, png.height]).toEqual([size, size]);
        const px = pixels(png);
        // The OS recolours templates from alpha alone, so every visible pixel must be pure black.
        expect(px.filter((p) => p.a > 0 && (p.r | p.g | p.b) !== 0)).toEqual([]);
        expect(px.filter((p) => p.a >= 128).length).toBeGreaterThan(size * size * 0.15);
        expect(px.filter((p) => p.a === 0).length).toBeGreaterThan(size * size * 0.2);
        expect(alphaAt(png, 0, size - 1)).toBe(0); // bottom-left corner stays clear of the disc
      });
    }

    it(`${state}.png is a 32px colour icon with a light body and a dark rim`, () => {
      const png = decodePng(read(`build/icons/tray/${state}.png`));
      expect([png.width, png.height]).toEqual([32, 32]);
      const opaque = pixels(png).filter((p) => p.a === 255);
      const lum = (p: { r: number; g: number; b: number }): number => 0.2126 * p.r + 0.7152 * p.g + 0.0722 * p.b;
      expect(opaque.filter((p) => lum(p) > 200).length).toBeGreaterThan(100);
      expect(opaque.filter((p) => lum(p) < 60).length).toBeGreaterThan(60);
      expect(alphaAt(png, 0, 0)).toBe(0);
    });

    it(`${state}.ico holds 16, 24 and 32 px PNGs`, () => {
      const entries = readIco(read(`build/icons/tray/${state}.ico`));
      expect(entries.map((e) => e.width)).toEqual([16, 24, 32]);
      for (const e of entries) expect(readPngInfo(e.data)).toMatchObject({ width: e.width, height: e.height, colorType: 6 });
    });
  }

  it('draws each state differently', () => {
    for (const variant of ['Template.png', 'Template@2x.png', '.png']) {
      const images = STATES.map((s) => decodePng(read(`build/icons/tray/${s}${variant}`)).rgba.toString('base64'));
      expect(new Set(images).size).toBe(STATES.length);
    }
  });
});

describe('app icons', () => {
  it('build/icon.png is a 1024px RGBA image with transparent margins', () => {
    const png = decodePng(read('build/icon.png'));
    expect([png.width, png.height, png.colorType]).toEqual([1024, 1024, 6]);
    expect(alphaAt(png, 0, 0)).toBe(0);
    expect(alphaAt(png, 512, 512)).toBe(255);
  });

  it('has the Linux icon set, 16 to 512 px', () => {
    for (const size of [16, 24, 32, 48, 64, 128, 256, 512]) {
      expect(readPngInfo(read(`build/icons/${size}x${size}.png`))).toMatchObject({ width: size, height: size, colorType: 6 });
    }
  });

  it('build/icon.ico is a well-formed ICO with PNG images up to 256 px', () => {
    const entries = readIco(read('build/icon.ico'));
    expect(entries.map((e) => e.width)).toEqual([16, 24, 32, 48, 64, 128, 256]);
    for (const e of entries) {
      expect(e.bitCount).toBe(32);
      expect(readPngInfo(e.data)).toMatchObject({ width: e.width, height: e.height });
    }
  });

  it('build/icon.icns is a well-formed ICNS whose PNG elements match their types', () => {
    const expected: Record<string, number> = { icp4: 16, icp5: 32, ic11: 32, ic12: 64, ic07: 128, ic13: 256, ic08: 256, ic14: 512, ic09: 512, ic10: 1024 };
    const elements = readIcns(read('build/icon.icns'));
    expect(elements.map((e) => e.type).sort()).toEqual(Object.keys(expected).sort());
    for (const { type, data } of elements) {
      expect(isPng(data)).toBe(true);
      expect(readPngInfo(data)).toMatchObject({ width: expected[type], height: expected[type] });
    }
  });
});

describe('icon container writers', () => {
  const png = read('build/icons/16x16.png');

  it('round-trip through the independent readers', () => {
    const ico = readIco(encodeIco([{ size: 16, png }, { size: 256, png }]));
    expect(ico.map((e) => [e.width, e.data.equals(png)])).toEqual([[16, true], [256, true]]);
    const icns = readIcns(encodeIcns([{ type: 'icp4', png }]));
    expect(icns).toHaveLength(1);
    expect(icns[0]!.data.equals(png)).toBe(true);
  });

  it('reject sizes and types the formats cannot hold', () => {
    expect(() => encodeIco([{ size: 512, png }])).toThrow(/1\.\.256/);
    expect(() => encodeIcns([{ type: 'toolong', png }])).toThrow(/bad ICNS type/);
  });
});
