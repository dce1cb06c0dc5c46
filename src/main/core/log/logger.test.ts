import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger, createMemoryLogger } from './logger.js';

describe('logger line format', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('prints key=value fields in order, quoting strings with spaces, quotes or "=" and skipping undefined', () => {
    const log = createMemoryLogger();
    log.info('request', { method: 'POST', path: '/v1/chat/completions', model: undefined, status: 200, ms: 0, stream: false, note: 'two words', q: 'a"b', eq: 'k=v', empty: '', none: null });
    expect(log.lines).toEqual(['INFO request method=POST path=/v1/chat/completions status=200 ms=0 stream=false note="two words" q="a\\"b" eq="k=v" empty= none=null']);
    log.debug('plain');
    log.error('e', {});
    expect(log.lines.slice(1)).toEqual(['DEBUG plain', 'ERROR e']);
  });

  it('prefixes the ISO time of each line, also when lines share or change the millisecond', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const lines: string[] = [];
    const log = createLogger({ sink: (line) => lines.push(line) });
    vi.setSystemTime(new Date('2026-01-02T03:04:05.006Z'));
    log.info('a');
    log.warn('b', { n: 1 });
    vi.setSystemTime(new Date('2026-01-02T03:04:05.007Z'));
    log.info('c');
    expect(lines).toEqual(['2026-01-02T03:04:05.006Z INFO a', '2026-01-02T03:04:05.006Z WARN b n=1', '2026-01-02T03:04:05.007Z INFO c']);
  });
});
