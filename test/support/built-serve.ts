import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
/** The launcher a user runs (bin/copilot-relay.js → dist/cli). */
export const builtCli = fileURLToPath(new URL('../../bin/copilot-relay.js', import.meta.url));

/** Builds dist/ when a file the test needs is missing (`npm test` builds before vitest). */
export function ensureBuilt(file = 'dist/cli/index.js'): void {
  if (!existsSync(new URL(file, `file://${root}`))) execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' });
}

export interface BuiltServe {
  url: string;
  child: ChildProcessWithoutNullStreams;
  stderr: () => string;
  /** SIGTERM (SIGKILL 5 s later if it is still running), then the exit code. */
  stop: () => Promise<number | null>;
}

/** `copilot-relay serve --port 0` from the build, in a child process; resolves at its Listening line. */
export function startBuiltServe(env: NodeJS.ProcessEnv, args: string[] = []): Promise<BuiltServe> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [builtCli, 'serve', '--port', '0', ...args], { env });
    let stdout = '';
    let stderr = '';
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    child.stderr.on('data', (data: Buffer) => (stderr += data));
    child.stdout.on('data', (data: Buffer) => {
      stdout += data;
      const match = /^Listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(stdout);
      if (!match) return;
      const stop = async (): Promise<number | null> => {
        child.kill('SIGTERM');
        const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
        const code = await exited;
        clearTimeout(force);
        return code;
      };
      resolve({ url: match[1]!, child, stderr: () => stderr, stop });
    });
    child.once('error', reject);
    void exited.then((code) => reject(new Error(`serve exited ${code} before listening: ${stderr}`)));
  });
}
