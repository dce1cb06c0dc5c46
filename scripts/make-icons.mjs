// Renders build/icons/src/*.svg into every icon the app and its installers use, with no downloads:
// Debian's Chromium (through playwright-core) rasterises the SVGs, and the ICO/ICNS containers are
// written by hand (scripts/icon-containers.mjs). Run with `npm run icons`; the outputs are committed.
import { chromium } from 'playwright-core';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ICNS_TYPES, encodeIcns, encodeIco } from './icon-containers.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
process.chdir(root);

export const TRAY_STATES = ['signed-out', 'ready', 'refreshing', 'rate-limited', 'error'];
const LINUX_SIZES = [16, 24, 32, 48, 64, 128, 256, 512];
const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256];
const TRAY_ICO_SIZES = [16, 24, 32];

// Windows and Linux panels can be light or dark and don't recolour tray icons (only macOS template
// images get that). A near-white glyph with a dark rim reads on both: the white body stands out on
// dark panels, the rim (which also fills the knocked-out arrows) on light ones.
const TRAY_BODY = '#f6f8fa';
const TRAY_RIM = '#1f2328';

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
});

/** Rasterises an SVG document at size x size px on a transparent page. */
async function render(svg, size, { rim = false } = {}) {
  const page = await browser.newPage({ viewport: { width: size, height: size }, deviceScaleFactor: 1 });
  try {
    // With a rim, shrink the glyph so the rim (1.5/32 of the size) stays inside the canvas.
    const inner = rim ? Math.round(size * 0.9) : size;
    const sized = svg.replace(/<svg\b([^>]*?)\swidth="[^"]*"\s+height="[^"]*"/, `<svg$1 width="${inner}" height="${inner}"`);
    // The rim: dilate the glyph's alpha, paint it dark, and lay the glyph recoloured light on top.
    const filter = rim
      ? `<svg width="0" height="0" style="position:absolute"><filter id="rim" x="-10%" y="-10%" width="120%" height="120%" color-interpolation-filters="sRGB">
           <feMorphology in="SourceAlpha" operator="dilate" radius="${(1.5 * size) / 32}" result="grown"/>
           <feFlood flood-color="${TRAY_RIM}"/><feComposite in2="grown" operator="in" result="rim"/>
           <feFlood flood-color="${TRAY_BODY}"/><feComposite in2="SourceAlpha" operator="in" result="body"/>
           <feMerge><feMergeNode in="rim"/><feMergeNode in="body"/></feMerge></filter></svg>`
      : '';
    const style = rim ? 'filter:url(#rim);' : '';
    await page.setContent(
      `<!doctype html><html><body style="margin:0;background:transparent">${filter}<div style="width:${size}px;height:${size}px;display:flex;align-items:center;justify-content:center;${style}">${sized}</div></body></html>`,
    );
    return await page.screenshot({ omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } });
  } finally {
    await page.close();
  }
}

try {
  await mkdir('build/icons/tray', { recursive: true });
  for (const state of TRAY_STATES) {
    const svg = await readFile(`build/icons/src/tray-${state}.svg`, 'utf8');
    // macOS template images: black + alpha, named ...Template so the OS recolours them.
    await writeFile(`build/icons/tray/${state}Template.png`, await render(svg, 16));
    await writeFile(`build/icons/tray/${state}Template@2x.png`, await render(svg, 32));
    // Windows/Linux: 32 px PNG (Linux, and Windows fallback) and a 16/24/32 ICO (Windows picks per DPI).
    await writeFile(`build/icons/tray/${state}.png`, await render(svg, 32, { rim: true }));
    const trayIco = [];
    for (const size of TRAY_ICO_SIZES) trayIco.push({ size, png: await render(svg, size, { rim: true }) });
    await writeFile(`build/icons/tray/${state}.ico`, encodeIco(trayIco));
  }

  const app = await readFile('build/icons/src/app.svg', 'utf8');
  const bySize = new Map();
  for (const size of new Set([...LINUX_SIZES, ...ICO_SIZES, ...ICNS_TYPES.map((t) => t.size), 1024])) {
    bySize.set(size, await render(app, size));
  }
  await writeFile('build/icon.png', bySize.get(1024));
  for (const size of LINUX_SIZES) await writeFile(`build/icons/${size}x${size}.png`, bySize.get(size));
  await writeFile('build/icon.ico', encodeIco(ICO_SIZES.map((size) => ({ size, png: bySize.get(size) }))));
  await writeFile('build/icon.icns', encodeIcns(ICNS_TYPES.map(({ type, size }) => ({ type, png: bySize.get(size) }))));
  console.log(`icons: ${TRAY_STATES.length} tray states, app icon at ${[...bySize.keys()].sort((a, b) => a - b).join('/')} px`);
} finally {
  await browser.close();
}
