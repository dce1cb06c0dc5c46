import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger, createMemoryLogger, formatLogValue } from './logger.js';

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
    vi.setSystemTime(new Date('2026-01-02T03:04:05.090Z'));
    log.info('d');
    vi.setSystemTime(new Date('2026-01-02T03:04:06.999Z'));
    log.info('e');
    vi.setSystemTime(new Date('1969-12-31T23:59:59.250Z'));
    log.info('f');
    expect(lines).toEqual([
      '2026-01-02T03:04:05.006Z INFO a',
      '2026-01-02T03:04:05.006Z WARN b n=1',
      '2026-01-02T03:04:05.007Z INFO c',
      '2026-01-02T03:04:05.090Z INFO d',
      '2026-01-02T03:04:06.999Z INFO e',
      '1969-12-31T23:59:59.250Z INFO f',
    ]);
    // Same as Date#toISOString over a spread of instants, whatever the previous line's second was.
    for (let t = 1_700_000_000_000; t < 1_700_000_000_000 + 5_000; t += 37) {
      vi.setSystemTime(t);
      log.info('x');
      expect(lines.at(-1)).toBe(`${new Date(t).toISOString()} INFO x`);
    }
  });
});

describe('log injection (RT-17)', () => {
  it('escapes every control, format and separator character, and leaves plain ASCII values alone', () => {
    const cases: Array<[string, string]> = [
      ['gpt-4o\u009b2J\u009b31mFAKE', '"gpt-4o\\u009b2J\\u009b31mFAKE"'], // C1 CSI
      ['a\u009d0;title\u009c', '"a\\u009d0;title\\u009c"'], // C1 OSC … ST
      ['x\u001b[2Jy', '"x\\u001b[2Jy"'], // C0 ESC
      ['del\u007f', '"del\\u007f"'],
      ['gpt-4o\u202eTFOS', '"gpt-4o\\u202eTFOS"'], // bidi override
      ['\u2066iso\u2069\u2067\u2068', '"\\u2066iso\\u2069\\u2067\\u2068"'], // bidi isolates
      ['zero\u200bwidth\u200d\u00ad\u061c\ufeff', '"zero\\u200bwidth\\u200d\\u00ad\\u061c\\ufeff"'],
      ['line\u2028para\u2029', '"line\\u2028para\\u2029"'],
      ['tag\u{e0041}', '"tag\\udb40\\udc41"'], // invisible tag characters (astral)
      ['lone\ud800', '"lone\\ud800"'],
      ['nel\u0085', '"nel\\u0085"'],
      ['é=x', '"é=x"'],
      ['ünïcode-模型-😀', 'ünïcode-模型-😀'], // printable beyond ASCII stays as it is
      ['/v1/chat/completions', '/v1/chat/completions'],
      ['claude-sonnet-4.5', 'claude-sonnet-4.5'],
    ];
    for (const [value, shown] of cases) expect({ value, shown: formatLogValue(value) }).toEqual({ value, shown });
    // Nothing outside printable ASCII and letters survives raw in a formatted line.
    const log = createMemoryLogger();
    log.info('request', { model: cases.map(([value]) => value).join('|') });
    expect(log.lines[0]).not.toMatch(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u);
    expect(JSON.parse(log.lines[0]!.slice('INFO request model='.length))).toBe(cases.map(([value]) => value).join('|'));
  });
});

describe('known secrets', () => {
  it('scrubs every registered secret; forgets session tokens only an hour after they expired', () => {
    const lines: string[] = [];
    const logger = createLogger({ timestamps: false, sink: (line) => lines.push(line) });
    const now = Date.now();
    logger.addSecret('relay-api-key-XYZ');
    logger.addSecret('sess-expired-long-ago', { until: now - 2 * 3600_000 });
    logger.addSecret('sess-expired-recently', { until: now - 60_000 });
    logger.addSecret('sess-live', { until: now + 1800_000 });
    // The forgetting runs once more than 8 secrets are known (a long-running relay).
    for (let i = 0; i < 6; i++) logger.addSecret(`sess-old-${i}-padding`, { until: now - 3 * 3600_000 });
    logger.info('echo relay-api-key-XYZ sess-expired-long-ago sess-expired-recently sess-live sess-old-0-padding');
    expect(lines.at(-1)).toBe('INFO echo [redacted] sess-expired-long-ago [redacted] [redacted] sess-old-0-padding');
  });

  it('a secret registered again with a later expiry (or none) is kept', () => {
    const lines: string[] = [];
    const logger = createLogger({ timestamps: false, sink: (line) => lines.push(line) });
    const past = Date.now() - 3 * 3600_000;
    logger.addSecret('shared-secret-1', { until: past });
    logger.addSecret('shared-secret-1');
    for (let i = 0; i < 9; i++) logger.addSecret(`filler-secret-${i}`, { until: past });
    logger.info('x shared-secret-1');
    expect(lines.at(-1)).toBe('INFO x [redacted]');
  });
});
