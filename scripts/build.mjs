// Builds every entry with esbuild: the CLI and Electron main as ESM bundles, the preload as one
// CommonJS file (sandboxed preloads cannot be ESM), the renderer as a browser IIFE plus its static files.
// keytar and libsql stay external (native modules); electron is provided by the runtime.
import { build } from 'esbuild';
import { cp, mkdir, readFile, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
process.chdir(root);

// Bundled CommonJS dependencies call require(); give the ESM bundles a real one.
const requireShim = "import { createRequire as __relayCreateRequire } from 'node:module'; const require = __relayCreateRequire(import.meta.url);";
const { version } = JSON.parse(await readFile('package.json', 'utf8'));
const common = { define: { __RELAY_VERSION__: JSON.stringify(version) }, bundle: true, sourcemap: 'linked', logLevel: 'warning', legalComments: 'none' };

// ESM bundles split at dynamic import(): the tokenizer tables (~6 MB) load only when a request needs
// them, and each CLI command is its own chunk. undici is imported statically by the code that uses it
// (net/upstream-dispatcher.ts), so it lands in the chunks of the commands that touch the network and
// never in --help/--version: a dynamic import() of this CommonJS package became a chunk exporting
// only `default` (RT-01; test/packaging/lazy-chunks.test.ts checks every lazy chunk of every bundle).
const lazyChunks = { splitting: true, chunkNames: 'chunks/[name]-[hash]' };
// Token counting and the usage ledger's writes run on worker threads; count-pool.ts and
// ledger-writer.ts find these entries beside index.js. Every ESM bundle that serves requests needs them.
const countWorker = { 'count-worker': 'src/main/core/tokens/worker.ts', 'ledger-worker': 'src/main/core/usage/ledger-worker.ts' };

await rm('dist', { recursive: true, force: true });
await Promise.all([
  build({ ...common, ...lazyChunks, entryPoints: { index: 'src/main/cli/index.ts', ...countWorker }, outdir: 'dist/cli', platform: 'node', format: 'esm', target: 'node20', external: ['keytar', 'libsql'], banner: { js: requireShim } }),
  // Electron main and, beside it, the relay service process it starts with utilityProcess.fork
  // (dist/main/service.js; also run with child_process.fork under plain Node in tests, hence node20).
  build({ ...common, ...lazyChunks, entryPoints: { index: 'src/main/index.ts', service: 'src/main/core/service-host/main.ts', ...countWorker }, outdir: 'dist/main', platform: 'node', format: 'esm', target: 'node20', external: ['electron', 'keytar', 'libsql'], banner: { js: requireShim } }),
  build({ ...common, entryPoints: ['src/preload/index.ts'], outfile: 'dist/preload/index.cjs', platform: 'node', format: 'cjs', target: 'node22', external: ['electron'] }),
  build({ ...common, entryPoints: ['src/renderer/main.ts'], outfile: 'dist/renderer/renderer.js', platform: 'browser', format: 'iife', target: 'chrome130' }),
]);
await mkdir('dist/renderer', { recursive: true });
await cp('src/renderer/index.html', 'dist/renderer/index.html');
await cp('src/renderer/styles.css', 'dist/renderer/styles.css');
// Icons are copied verbatim: renaming would break macOS's Template/@2x naming magic.
await cp('build/icons/tray', 'dist/icons/tray', { recursive: true }).catch((err) => {
  if (err.code !== 'ENOENT') throw err;
});
