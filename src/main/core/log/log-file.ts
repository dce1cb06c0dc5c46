import { closeSync, mkdirSync, openSync, renameSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { redact } from './redact.js';

export interface LogFile {
  readonly path: string;
  /** Appends one line, redacted (lines from a crashed process never went through our logger). */
  write(line: string): void;
  close(): void;
}

/**
 * The desktop app's log file: every line redacted, appended synchronously (start-up failures and
 * crashes must reach it), rotated past `maxBytes` to `<path>.1`, so it never takes more than twice
 * that. Writes that fail (disk full, folder gone) are dropped: logging never takes the app down.
 */
export function openLogFile(path: string, maxBytes = 2 * 1024 * 1024): LogFile {
  let fd: number | null = null;
  let size = 0;
  const open = (): number | null => {
    try {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      fd = openSync(path, 'a', 0o600);
      size = statSync(path).size;
    } catch {
      fd = null;
    }
    return fd;
  };
  const rotate = (): void => {
    if (fd !== null) closeSync(fd);
    fd = null;
    try {
      renameSync(path, `${path}.1`);
    } catch {
      // Nothing to rotate, or not allowed: keep appending.
    }
    open();
  };
  open();
  return {
    path,
    write(line) {
      const text = `${redact(line)}\n`;
      const bytes = Buffer.byteLength(text);
      if (size + bytes > maxBytes && size > 0) rotate();
      if (fd === null && open() === null) return;
      try {
        writeSync(fd!, text);
        size += bytes;
      } catch {
        // Dropped; see above.
      }
    },
    close() {
      if (fd !== null) closeSync(fd);
      fd = null;
    },
  };
}
