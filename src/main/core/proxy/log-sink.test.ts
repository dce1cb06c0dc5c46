import { describe, expect, it } from 'vitest';
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
  it('coalesces the lines of one loop turn into one write, in order', async () => {
    const { stream, writes } = capture();
    const sink = createBatchedSink(stream, null);
    sink('a', 'info');
    sink('b', 'info');
    sink('c', 'warn');
    expect(writes).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toEqual(['a\nb\nc\n']);
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
