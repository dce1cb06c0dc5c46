import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** Path of bench/server-child.ts, the one-proxy-per-process child both benchmarks run. */
export const childSource = fileURLToPath(new URL('./server-child.ts', import.meta.url));

/**
 * Bundles the child like scripts/build.mjs bundles the shipped CLI (ESM, split at dynamic imports so
 * the tokenizer tables and undici load lazily): measuring under a TypeScript loader would inflate
 * RSS and CPU. `outFile` must end in `server-child.mjs`.
 */
export async function bundleChild(outFile: string): Promise<void> {
  await build({
    entryPoints: { 'server-child': childSource },
    outdir: dirname(outFile),
    outExtension: { '.js': '.mjs' },
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
    external: ['keytar'],
    banner: { js: "import { createRequire as __benchRequire } from 'node:module'; const require = __benchRequire(import.meta.url);" },
  });
}
