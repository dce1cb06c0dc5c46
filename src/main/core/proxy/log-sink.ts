import { writeSync } from 'node:fs';
import type { Writable } from 'node:stream';
import type { LogSink } from '../log/logger.js';

/**
 * A log sink that coalesces the lines of one event-loop turn into a single write. Under load the
 * proxy logs a line per request; one stderr write per line is one syscall per line, which on small
 * VMs costs as much as the proxying itself. Lines are flushed on the next turn (setImmediate), when
 * the buffer passes 64 KiB, and synchronously at exit, so nothing is lost or noticeably delayed.
 */
export function createBatchedSink(stream: Writable = process.stderr, fd: number | null = stream === process.stderr ? 2 : null): LogSink & { flush(): void } {
  // One growing string (V8 concatenates lazily), not an array of per-line copies joined later.
  let pending = '';
  let scheduled = false;
  const flush = () => {
    scheduled = false;
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
  const sink = (line: string) => {
    pending += line;
    pending += '\n';
    if (pending.length > 65_536) flush();
    else if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
  return Object.assign(sink, { flush });
}
