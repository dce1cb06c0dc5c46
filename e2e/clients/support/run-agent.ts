import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { RUN_MARKER } from './sandbox.js';

export interface AgentRun {
  command: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** Epoch ms the agent was started and exited (to line up with the tap's request times). */
  startedAt: number;
  endedAt: number;
  /** Killed by the suite's deadline. */
  timedOut: boolean;
  /** Processes of this run still alive after the agent exited (killed by the suite, then reported). */
  leftovers: string[];
}

/** Every live process whose environment carries this run's marker (Linux /proc; [] elsewhere). */
async function processesOfRun(runId: string): Promise<{ pid: number; cmd: string }[]> {
  let pids: string[];
  try {
    pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  const needle = `${RUN_MARKER}=${runId}\0`;
  const found: { pid: number; cmd: string }[] = [];
  for (const pid of pids) {
    try {
      const environ = await readFile(`/proc/${pid}/environ`, 'latin1');
      if (!environ.includes(needle)) continue;
      const cmd = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' ').trim();
      found.push({ pid: Number(pid), cmd });
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Group already gone.
  }
}

/**
 * Runs one agent command in its own process group with a hard deadline (SIGTERM to the group, then
 * SIGKILL), then checks that nothing of the run survived it: any process still carrying the run's
 * marker is listed in `leftovers` and killed, so a leak fails the test without polluting the next.
 */
export async function runAgent(bin: string, args: string[], options: { cwd: string; env: Record<string, string>; runId: string; timeoutMs: number }): Promise<AgentRun> {
  const started = Date.now();
  const child = spawn(bin, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  let timedOut = false;
  const deadline = setTimeout(() => {
    timedOut = true;
    killGroup(child.pid!, 'SIGTERM');
    setTimeout(() => killGroup(child.pid!, 'SIGKILL'), 3_000).unref();
  }, options.timeoutMs);
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (c, s) => resolve({ code: c, signal: s }));
  });
  clearTimeout(deadline);
  const endedAt = Date.now();
  const ms = endedAt - started;
  // Its output is complete once the pipes close; a survivor holding them open is found below.
  await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 2_000))]);
  child.stdout.destroy();
  child.stderr.destroy();

  // Give children a moment to exit on their own after the agent did.
  let left = await processesOfRun(options.runId);
  for (let i = 0; i < 10 && left.length > 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    left = await processesOfRun(options.runId);
  }
  killGroup(child.pid!, 'SIGKILL');
  for (const p of left) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  return { command: [bin, ...args], code, signal, stdout, stderr, ms, startedAt: started, endedAt, timedOut, leftovers: left.map((p) => `${p.pid} ${p.cmd}`) };
}
