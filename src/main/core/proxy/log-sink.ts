import { writeSync } from 'node:fs';
import type { Writable } from 'node:stream';
import type { LogSink } from '../log/logger.js';

/**
 * A log sink that coalesces lines into one write every `flushMs` (default 20 ms). Under load the
 * proxy logs a line per request; one stderr write per line is one syscall per line, which on small
 * VMs costs as much as the proxying itself (flushing once per loop turn still cost ~4 µs a request
 * in the CPU profile). Warnings and errors flush at once (with the lines before them, in order);
 * otherwise lines go out after at most `flushMs`, when the buffer passes 64 KiB, and synchronously
 * at exit, so nothing is lost or noticeably delayed.
 */
export function createBatchedSink(
  stream: Writable = process.stderr,
  fd: number | null = stream === process.stderr ? 2 : null,
  flushMs = 20,
): LogSink & { flush(): void } {
  // One growing string (V8 concatenates lazily), not an array of per-line copies joined later.
  let pending = '';
  let timer: NodeJS.Timeout | null = null;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (pending.length === 0) return;
    const text = pending;
    pending = '';
    stream.write(text);
  };
  process.once('exit', () => {
    if (pending.length === 0) return;
    const text = pending;
    pending = '';
    if (fd !== null) {
      try {
        writeSync(fd, text);
      } catch {
        // stderr closed: nothing left to tell.
      }
    } else stream.write(text);
  });
  const sink: LogSink = (line, level) => {
    pending += line;
    pending += '\n';
    if (level === 'warn' || level === 'error' || pending.length > 65_536) flush();
    else if (timer === null) {
      timer = setTimeout(flush, flushMs);
      // The exit hook writes what is left: the timer needn't keep a finished process alive.
      timer.unref();
    }
  };
  return Object.assign(sink, { flush });
}
