import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The coding agents under test, pinned. They are NOT project dependencies: each installs once into
 * its own cache folder (`npm install --prefix`), then every run reuses it offline. Bump a version
 * here, re-run `npm run test:clients`, and read the digests in test-results/clients/ for changes.
 */
export const AGENTS = {
  'claude-code': { pkg: '@anthropic-ai/claude-code', version: '2.1.330', bin: 'claude' },
  codex: { pkg: '@openai/codex', version: '0.169.0', bin: 'codex' },
  opencode: { pkg: 'opencode-ai', version: '1.18.33', bin: 'opencode' },
} as const;

export type AgentId = keyof typeof AGENTS;

/** `COPILOT_RELAY_CLIENTS_CACHE`, else `$XDG_CACHE_HOME/copilot-relay/clients`, else `~/.cache/...`. */
export function clientsCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env['COPILOT_RELAY_CLIENTS_CACHE']) return env['COPILOT_RELAY_CLIENTS_CACHE'];
  return join(env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'copilot-relay', 'clients');
}

function installDir(id: AgentId, cache: string): string {
  const { pkg, version } = AGENTS[id];
  return join(cache, `${pkg.replace('/', '+')}@${version}`);
}

/** Where the agent's executable is once installed (whether or not it is yet). */
export function agentBin(id: AgentId, cache = clientsCacheDir()): string {
  return join(installDir(id, cache), 'node_modules', '.bin', AGENTS[id].bin);
}

const MARKER = '.installed';

export interface InstallResult {
  id: AgentId;
  bin: string;
  /** False when the cache already had it (no network used). */
  installed: boolean;
  ms: number;
}

/**
 * Installs the pinned package unless the cache has it. npm writes into a fresh side folder that is
 * renamed into place only after npm (and the package's own postinstall, which links the native
 * binary) succeeded, so an interrupted install never leaves a half-filled cache that looks complete.
 */
export async function ensureAgent(id: AgentId, cache = clientsCacheDir()): Promise<InstallResult> {
  const started = Date.now();
  const dir = installDir(id, cache);
  const bin = agentBin(id, cache);
  if (existsSync(join(dir, MARKER)) && existsSync(bin)) return { id, bin, installed: false, ms: Date.now() - started };

  const { pkg, version } = AGENTS[id];
  const staging = `${dir}.partial-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  const args = ['install', '--prefix', staging, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--loglevel=error', `${pkg}@${version}`];
  const output = await run('npm', args, staging, 300_000);
  if (output.code !== 0) {
    await rm(staging, { recursive: true, force: true });
    throw new Error(`npm ${args.join(' ')} exited ${output.code}:\n${output.text.slice(-4000)}`);
  }
  await writeFile(join(staging, MARKER), `${pkg}@${version}\n`);
  await rm(dir, { recursive: true, force: true });
  await rename(staging, dir);
  if (!existsSync(bin)) throw new Error(`${pkg}@${version} installed but ${bin} is missing`);
  return { id, bin, installed: true, ms: Date.now() - started };
}

function run(command: string, args: string[], cwd: string, timeoutMs: number): Promise<{ code: number | null; text: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d));
    child.stderr.on('data', (d: Buffer) => (text += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, text });
    });
  });
}
