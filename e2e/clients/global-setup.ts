import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RESULTS_DIR } from './support/digest.js';
import { AGENTS, clientsCacheDir, ensureAgent } from './support/install.js';
import type { AgentId } from './support/install.js';

/** Before any test: the relay must be built, and the pinned agents installed (once, then cached). */
export default async function globalSetup(): Promise<void> {
  const cli = fileURLToPath(new URL('../../dist/cli/index.js', import.meta.url));
  if (!existsSync(cli)) throw new Error(`${cli} is missing: the clients suite runs the BUILT relay (npm run build)`);
  await mkdir(RESULTS_DIR, { recursive: true });
  await rm(join(RESULTS_DIR, 'results.jsonl'), { force: true });
  const installs = [];
  for (const id of Object.keys(AGENTS) as AgentId[]) {
    const result = await ensureAgent(id);
    installs.push({ ...result, version: AGENTS[id].version });
    console.log(`${AGENTS[id].pkg}@${AGENTS[id].version}: ${result.installed ? `installed in ${(result.ms / 1000).toFixed(1)} s` : 'cached'}`);
  }
  await writeFile(join(RESULTS_DIR, 'install.json'), JSON.stringify({ cache: clientsCacheDir(), installs }, null, 2));
}
