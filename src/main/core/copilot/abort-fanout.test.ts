import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { linkAbort } from './abort-fanout.js';

function target() {
  const reasons: unknown[] = [];
  return { reasons, abort: (reason: unknown) => reasons.push(reason) };
}

describe('linkAbort', () => {
  it('aborts every linked, unreleased call once, with the signal reason', () => {
    const controller = new AbortController();
    const [a, b, c] = [target(), target(), target()];
    linkAbort(controller.signal, a);
    const linkB = linkAbort(controller.signal, b);
    linkAbort(controller.signal, c);
    linkB.release();
    controller.abort('client gone');
    expect(a.reasons).toEqual(['client gone']);
    expect(b.reasons).toEqual([]);
    expect(c.reasons).toEqual(['client gone']);
    controller.abort('again');
    expect(a.reasons).toHaveLength(1);
  });

  it('adds one listener per signal however many calls come and go', () => {
    const controller = new AbortController();
    for (let i = 0; i < 1000; i++) linkAbort(controller.signal, target()).release();
    const live = target();
    linkAbort(controller.signal, live);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    controller.abort();
    expect(live.reasons).toHaveLength(1);
  });

  it('an already aborted signal aborts the call at once', () => {
    const controller = new AbortController();
    controller.abort('before');
    const t = target();
    const link = linkAbort(controller.signal, t);
    expect(t.reasons).toEqual(['before']);
    expect(() => link.release()).not.toThrow();
  });

  it('release is idempotent and keeps the other links intact', () => {
    const controller = new AbortController();
    const [a, b] = [target(), target()];
    const linkA = linkAbort(controller.signal, a);
    linkAbort(controller.signal, b);
    linkA.release();
    linkA.release();
    controller.abort('x');
    expect(a.reasons).toEqual([]);
    expect(b.reasons).toEqual(['x']);
  });
});
