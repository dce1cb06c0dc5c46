import type { Writable } from 'node:stream';

/** What a CLI command gets: its own arguments and the process's streams, injectable for tests. */
export interface CliContext {
  argv: string[];
  stdout: Writable;
  stderr: Writable;
  env: NodeJS.ProcessEnv;
  debug: boolean;
  /** Aborted on Ctrl-C / SIGTERM / SIGHUP. */
  signal: AbortSignal;
  /** stdin is a terminal: a person can answer (sign in right there). */
  stdinIsTTY?: boolean;
}

export type CliCommand = (ctx: CliContext) => Promise<number>;

export function writeLine(stream: Writable, line = ''): void {
  stream.write(`${line}\n`);
}
