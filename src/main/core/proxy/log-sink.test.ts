import { afterEach, describe, expect, it, vi } from 'vitest';
import { Writable } from 'node:stream';
import { createBatchedSink } from './log-sink.js';

function capture() {
  const writes: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      writes.push(chunk.toString());
      done();
    },
  });
  return { stream, writes };
}

describe('createBatchedSink', () => {
  afterEach(() => vi.useRealTimers());

  it('coalesces the info lines of a short spell into one write, in order, within flushMs', async () => {
    vi.useFakeTimers();
    const { stream, writes } = capture();
    const sink = createBatchedSink(stream, null, 20);
    sink('a', 'info');
    await vi.advanceTimersByTimeAsync(10);
    sink('b', 'debug');
    sink('c', 'info');
    expect(writes).toEqual([]);
    await vi.advanceTimersByTimeAsync(10);
    expect(writes).toEqual(['a\nb\nc\n']);
    // Nothing pending: no timer left behind.
    expect(vi.getTimerCount()).toBe(0);
  });

  it('writes a warning or an error at once, after the lines queued before it', () => {
    const { stream, writes } = capture();
    const sink = createBatchedSink(stream, null, 20);
    sink('request 1', 'info');
    sink('upstream failed', 'warn');
    expect(writes).toEqual(['request 1\nupstream failed\n']);
    sink('boom', 'error');
    expect(writes[1]).toBe('boom\n');
  });
  it('flushes early past 64 KiB and on demand', () => {
    const { stream, writes } = capture();
    const sink = createBatchedSink(stream, null);
    sink('x'.repeat(70_000), 'info');
    expect(writes).toHaveLength(1);
    sink('tail', 'info');
    sink.flush();
    expect(writes[1]).toBe('tail\n');
  });
});
