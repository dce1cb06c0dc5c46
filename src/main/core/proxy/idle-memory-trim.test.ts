import { getHeapStatistics } from 'node:v8';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { IdleMemoryTrim, lowMemoryGc } from './idle-memory-trim.js';

const MB = 1024 * 1024;

function setup(options: { inflight?: () => number; growth?: number } = {}) {
  let heap = 100 * MB;
  const collect = vi.fn(async () => {
    heap = 100 * MB;
  });
  const trims: Array<[number, number]> = [];
  const trim = new IdleMemoryTrim({
    idleMs: 1_000,
    minGrowthBytes: 8 * MB,
    inflight: options.inflight ?? (() => 0),
    collect,
    heapSize: () => heap,
    onTrim: (before, after) => trims.push([before, after]),
  });
  return { trim, collect, trims, grow: (bytes: number) => (heap += bytes) };
}

describe('IdleMemoryTrim', () => {
  afterEach(() => vi.useRealTimers());

  it('trims once after a quiet window that follows a burst which grew the heap', async () => {
    vi.useFakeTimers();
    const { trim, collect, trims, grow } = setup();
    for (let i = 0; i < 50; i++) trim.noteRequest();
    grow(30 * MB);
    // The first window saw the burst: not quiet yet.
    await vi.advanceTimersByTimeAsync(1_000);
    expect(collect).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(collect).toHaveBeenCalledTimes(1);
    expect(trims).toEqual([[130 * MB, 100 * MB]]);
    // Nothing more happens while idle: no timer left behind.
    await vi.advanceTimersByTimeAsync(60_000);
    expect(collect).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('by default trims 30–36 s after the last request, not sooner (a trim costs the next burst its optimised code)', async () => {
    vi.useFakeTimers();
    let heap = 100 * MB;
    const collect = vi.fn(async () => undefined);
    const trim = new IdleMemoryTrim({ inflight: () => 0, collect, heapSize: () => heap });
    heap += 30 * MB;
    for (let t = 0; t < 20; t++) {
      trim.noteRequest();
      await vi.advanceTimersByTimeAsync(2_000);
    }
    // Last request 2 s ago: an agent loop pausing for 20 s more is not idle yet.
    await vi.advanceTimersByTimeAsync(20_000);
    expect(collect).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(6_000); // 28 s quiet
    expect(collect).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(8_000); // 36 s quiet
    expect(collect).toHaveBeenCalledTimes(1);
    trim.stop();
  });

  it('waits while requests keep arriving', async () => {
    vi.useFakeTimers();
    const { trim, collect, grow } = setup();
    grow(30 * MB);
    for (let t = 0; t < 10; t++) {
      trim.noteRequest();
      await vi.advanceTimersByTimeAsync(600);
    }
    expect(collect).not.toHaveBeenCalled();
    // The first full quiet window after the last request: trimmed.
    await vi.advanceTimersByTimeAsync(1_600);
    expect(collect).toHaveBeenCalledTimes(1);
  });

  it('never collects while a request (a long stream) is in flight', async () => {
    vi.useFakeTimers();
    let open = 1;
    const { trim, collect, grow } = setup({ inflight: () => open });
    trim.noteRequest();
    grow(30 * MB);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(collect).not.toHaveBeenCalled();
    open = 0;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(collect).toHaveBeenCalledTimes(1);
  });

  it('skips the collection when the heap has not grown enough since the last trim', async () => {
    vi.useFakeTimers();
    const { trim, collect, grow } = setup();
    trim.noteRequest();
    grow(4 * MB);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(collect).not.toHaveBeenCalled();
    // A later burst that does grow it: the baseline is still the start, so 4 + 5 MB counts.
    trim.noteRequest();
    grow(5 * MB);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(collect).toHaveBeenCalledTimes(1);
  });

  it('stop() cancels a pending check and ignores later requests', async () => {
    vi.useFakeTimers();
    const { trim, collect, grow } = setup();
    trim.noteRequest();
    grow(30 * MB);
    trim.stop();
    trim.noteRequest();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(collect).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does not keep the process alive (timer unref)', () => {
    const spy = vi.spyOn(globalThis, 'setTimeout');
    const { trim } = setup();
    trim.noteRequest();
    const timer = spy.mock.results[0]!.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    trim.stop();
    spy.mockRestore();
  });
});

describe('lowMemoryGc', () => {
  it('shrinks the real V8 heap after garbage (young generation and old pages given back)', async () => {
    let keep: Array<{ i: number; s: string }> | null = [];
    for (let i = 0; i < 400_000; i++) keep.push({ i, s: `item ${i}` });
    const grown = getHeapStatistics().total_heap_size;
    keep = null;
    await lowMemoryGc();
    const after = getHeapStatistics().total_heap_size;
    expect(keep).toBeNull();
    expect(after).toBeLessThan(grown - 10 * MB);
  });
});
