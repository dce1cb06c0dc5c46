// electron-builder.yml, checked offline: against electron-builder's own JSON schema, for the
// settings issue 8 requires, and against a real build (every file the app loads at run time must
// be inside the `files` whitelist, judged by electron-builder's own matcher).
import { describe, it, expect, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';
import yaml from 'js-yaml';

const root = fileURLToPath(new URL('../../', import.meta.url));
const require = createRequire(import.meta.url);

type Config = Record<string, unknown> & {
  files: string[];
  asarUnpack: string[];
  mac: Record<string, unknown> & { extendInfo: Record<string, unknown> };
  win: Record<string, unknown>;
  nsis: Record<string, unknown>;
  linux: Record<string, unknown>;
  deb?: Record<string, unknown>;
  electronFuses: Record<string, boolean>;
};
const loadConfig = (): Config => yaml.load(readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')) as Config;
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  main: string;
  productName: string;
  desktopName: string;
  scripts: Record<string, string>;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
};

// electron-builder's own validation entry point and file matcher (CommonJS, untyped here).
const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
  validateConfiguration(config: unknown, logger: unknown): Promise<void>;
};
const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
const { FileMatcher } = require('app-builder-lib/out/fileMatcher.js') as {
  FileMatcher: new (from: string, to: string, expand: (s: string) => string, patterns: string[]) => {
    createFilter(): (file: string, stat: Stats) => boolean;
  };
};
const schemePath = require.resolve('app-builder-lib/scheme.json');

const validate = (config: unknown): Promise<void> => validateConfiguration(structuredClone(config), new DebugLogger(false));

function ajvValidator(): (data: unknown) => { ok: boolean; errors: string; raw: string } {
  // scheme.json is draft-07 and uses a custom `typeof` keyword (from ajv-keywords): strict off.
  const ajv = new Ajv({ allErrors: true, strict: false });
  const check = ajv.compile(JSON.parse(readFileSync(schemePath, 'utf8')) as object);
  return (data) => {
    const ok = check(data) as boolean;
    return { ok, errors: ajv.errorsText(check.errors), raw: JSON.stringify(check.errors ?? []) };
  };
}

describe('electron-builder.yml against the schema shipped in app-builder-lib', () => {
  it('passes electron-builder\'s own validateConfiguration', async () => {
    await expect(validate(loadConfig())).resolves.toBeUndefined();
  });

  it('passes a plain ajv draft-07 check of scheme.json', () => {
    const result = ajvValidator()(loadConfig());
    expect(result.errors).toBe('No errors');
    expect(result.ok).toBe(true);
  });

  it('rejects a misspelt key, top level and nested', async () => {
    const { asarUnpack, ...rest } = loadConfig();
    await expect(validate({ ...rest, asarUnpak: asarUnpack })).rejects.toThrow(/asarUnpak/);
    const typoMac = loadConfig();
    typoMac.mac = { ...typoMac.mac, hardenedRuntme: true };
    // Nested typos are reported against their parent object ("configuration.mac should be ...").
    await expect(validate(typoMac)).rejects.toThrow(/configuration\.mac\b/);
    const ajvResult = ajvValidator()(typoMac);
    expect(ajvResult.ok).toBe(false);
    expect(ajvResult.raw).toContain('"additionalProperty":"hardenedRuntme"');
  });

  it('rejects a wrongly typed value', async () => {
    const config = loadConfig();
    config.nsis = { ...config.nsis, perMachine: 'sometimes' };
    await expect(validate(config)).rejects.toThrow(/perMachine/);
  });
});

describe('electron-builder.yml settings', () => {
  const config = loadConfig();

  it('names the app and keeps keytar working without an Electron rebuild', () => {
    expect(config.appId).toMatch(/^[a-z][a-z0-9-]*(\.[a-z0-9-]+)+$/);
    expect(config.productName).toBe('Copilot Relay');
    expect(pkg.productName).toBe('Copilot Relay');
    expect(config.asar).toBe(true);
    expect(config.npmRebuild).toBe(false);
    expect(config.asarUnpack).toContain('**/*.node');
    expect(config.directories).toEqual({ output: 'release', buildResources: 'build' });
  });

  it('sets the security fuses from the notes', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('builds a Dock-less, hardened macOS app as dmg + zip', () => {
    expect(config.mac.target).toEqual(['dmg', 'zip']);
    expect(config.mac.extendInfo.LSUIElement).toBe(true);
    expect(config.mac.category).toBe('public.app-category.developer-tools');
    expect(config.mac.hardenedRuntime).toBe(true);
    const plist = readFileSync(path.join(root, String(config.mac.entitlements)), 'utf8');
    expect(plist).toMatch(/<key>com\.apple\.security\.cs\.allow-jit<\/key>\s*<true\/>/);
    // Only Electron <= 11 needed this one; it widens the attack surface.
    expect(plist).not.toContain('<key>com.apple.security.cs.allow-unsigned-executable-memory</key>');
    expect(existsSync(path.join(root, String(config.mac.icon)))).toBe(true);
  });

  it('installs per user on Windows (no UAC; login item path stays stable)', () => {
    expect(config.win.target).toEqual([{ target: 'nsis', arch: ['x64'] }]);
    expect(config.nsis).toMatchObject({ oneClick: true, perMachine: false });
    expect(existsSync(path.join(root, String(config.win.icon)))).toBe(true);
  });

  it('builds AppImage + deb with a desktop entry that matches desktopName', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.linux.category).toBe('Development');
    expect(config.linux.maintainer).toMatch(/<[^@>]+@[^>]+>/);
    expect(config.linux.syncDesktopName).toBe(true);
    expect(pkg.desktopName).toBe(`${String(config.linux.executableName)}.desktop`);
    for (const size of [16, 32, 48, 128, 256, 512]) {
      expect(existsSync(path.join(root, String(config.linux.icon), `${size}x${size}.png`))).toBe(true);
    }
  });

  it('extends, not replaces, the deb dependencies: libsecret-1-0 comes from the defaults', () => {
    // deb.depends would replace the whole default list (gtk, nss, ...), so it must stay unset.
    expect(config.deb?.depends).toBeUndefined();
    const FpmTarget = (require('app-builder-lib/out/targets/FpmTarget.js') as { default: { prototype: { getDefaultDepends(t: string): string[] } } }).default;
    expect(FpmTarget.prototype.getDefaultDepends('deb')).toEqual(expect.arrayContaining(['libsecret-1-0', 'libgtk-3-0', 'libnss3']));
  });

  it('has the dist scripts, and electron only as a devDependency', () => {
    expect(pkg.scripts.dist).toMatch(/npm run build && electron-builder\b/);
    expect(pkg.scripts['dist:mac']).toMatch(/electron-builder --mac\b/);
    expect(pkg.scripts['dist:win']).toMatch(/electron-builder --win\b/);
    expect(pkg.scripts['dist:linux']).toMatch(/electron-builder --linux\b/);
    expect(pkg.scripts.icons).toBe('node scripts/make-icons.mjs');
    // electron-builder refuses to package with electron in dependencies.
    expect(pkg.dependencies ?? {}).not.toHaveProperty('electron');
    expect(pkg.devDependencies).toHaveProperty('electron');
    // Optional so `npm ci` still succeeds where libsecret-dev is missing (the keychain then reports itself unavailable).
    expect(pkg.optionalDependencies).toHaveProperty('keytar');
  });
});

describe('the files whitelist against a fresh build', () => {
  const config = loadConfig();
  const included = new FileMatcher(root, '/app', (s) => s, config.files).createFilter();
  const unpacked = new FileMatcher(root, '/app', (s) => s, config.asarUnpack).createFilter();
  const isIncluded = (rel: string): boolean => included(path.join(root, rel), statSync(path.join(root, rel)));
  const isUnpacked = (rel: string): boolean => unpacked(path.join(root, rel), statSync(path.join(root, rel)));

  beforeAll(() => {
    // The suite builds before vitest runs; build here only when run on its own.
    if (!existsSync(path.join(root, 'dist/main/index.js'))) execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' });
  }, 60_000);

  function runtimeFiles(): string[] {
    // dist/main/service.js: the relay service process main starts with utilityProcess.fork.
    const files = [pkg.main, 'dist/main/service.js', 'dist/preload/index.cjs', 'dist/renderer/index.html', 'dist/renderer/renderer.js', 'dist/renderer/styles.css'];
    // Everything the page pulls in (script src, stylesheet href) that is a local file.
    const html = readFileSync(path.join(root, 'dist/renderer/index.html'), 'utf8');
    for (const [, ref] of html.matchAll(/\b(?:src|href)="([^"]+)"/g)) {
      if (ref && !/^[a-z]+:/i.test(ref) && !ref.startsWith('#')) files.push(path.posix.join('dist/renderer', ref.split(/[?#]/)[0]!));
    }
    for (const state of ['signed-out', 'ready', 'refreshing', 'error']) {
      for (const suffix of ['Template.png', 'Template@2x.png', '.png', '.ico']) files.push(`dist/icons/tray/${state}${suffix}`);
    }
    return [...new Set(files)];
  }

  it('includes every file the app loads at run time', () => {
    const files = runtimeFiles();
    expect(files).toEqual(expect.arrayContaining(['dist/main/index.js', 'dist/renderer/renderer.js', 'dist/renderer/styles.css']));
    for (const file of files) {
      expect(existsSync(path.join(root, file)), `${file} exists after the build`).toBe(true);
      expect(isIncluded(file), `${file} is in the files whitelist`).toBe(true);
    }
  });

  it('resolves every sibling path the main bundle refers to inside the whitelist', () => {
    const main = readFileSync(path.join(root, 'dist/main/index.js'), 'utf8');
    for (const [, ref] of main.matchAll(/["'`](\.\.\/(?:preload|renderer|icons)\/[^"'`$]+)["'`]/g)) {
      const rel = path.posix.join('dist/main', ref!);
      expect(existsSync(path.join(root, rel)), `${rel} (referenced by main) exists`).toBe(true);
      expect(isIncluded(rel), `${rel} is whitelisted`).toBe(true);
    }
  });

  it('ships the whole built app but not the CLI bundle or source maps', () => {
    const walk = (dir: string): string[] =>
      readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(`${dir}/${e.name}`) : [`${dir}/${e.name}`]));
    for (const file of walk('dist')) {
      const expected = !file.startsWith('dist/cli/') && !file.endsWith('.map');
      expect(isIncluded(file), file).toBe(expected);
    }
    expect(isIncluded('package.json')).toBe(true);
    for (const file of ['src/main/index.ts', 'electron-builder.yml', 'build/icon.png', 'test/packaging/icons.test.ts']) {
      expect(isIncluded(file), file).toBe(false);
    }
  });

  it('unpacks the tray icons and native modules from the asar', () => {
    for (const file of runtimeFiles().filter((f) => f.startsWith('dist/icons/'))) expect(isUnpacked(file), file).toBe(true);
    expect(isUnpacked('dist/main/index.js')).toBe(false);
    const keytarNode = 'node_modules/keytar/build/Release/keytar.node';
    if (existsSync(path.join(root, keytarNode))) expect(isUnpacked(keytarNode)).toBe(true);
    // The usage ledger's SQLite: a Node-API binary in a per-platform package, also dlopen'ed from disk.
    const libsqlNodes = readdirSync(path.join(root, 'node_modules/@libsql')).map((dir) => `node_modules/@libsql/${dir}/index.node`).filter((file) => existsSync(path.join(root, file)));
    expect(libsqlNodes.length).toBeGreaterThan(0);
    for (const file of libsqlNodes) expect(isUnpacked(file), file).toBe(true);
  });

  it('ships libsql as a runtime dependency, external to both bundles (loaded from node_modules)', () => {
    expect(pkg.dependencies).toHaveProperty('libsql');
    for (const bundle of ['dist/main/index.js', 'dist/cli/index.js']) {
      const dir = path.dirname(path.join(root, bundle));
      const code = [bundle, ...readdirSync(path.join(dir, 'chunks')).map((f) => path.relative(root, path.join(dir, 'chunks', f)))]
        .filter((f) => f.endsWith('.js'))
        .map((f) => readFileSync(path.join(root, f), 'utf8'))
        .join('\n');
      // The CLI always has the ledger (`usage`); main once the service records usage.
      if (bundle.includes('cli') || code.includes('usage.db')) expect(code, bundle).toMatch(/\(["']libsql["']\)/);
      expect(code, bundle).not.toContain('databasePrepareSync');
    }
  });
});
