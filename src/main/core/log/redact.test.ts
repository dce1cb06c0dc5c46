import { describe, expect, it } from 'vitest';
import { REDACTED, redact, redactKnown } from './redact.js';
import { createMemoryLogger } from './logger.js';

const SESSION = 'tid=fake-session-id;exp=1800000000;sku=monthly_subscriber;proxy-ep=proxy.individual.githubcopilot.com;st=dotcom;ip=10.1.2.3:deadbeefdeadbeefdeadbeefdeadbeef';

describe('redact', () => {
  it.each([
    ['ghu_FAKEFAKEFAKEFAKE1234'],
    ['gho_FAKEabcdefABCDEF0000'],
    ['ghp_FAKE0000000000000000'],
    ['github_pat_FAKE_0000000000_aaaaaaaa'],
  ])('removes the GitHub token %s', (token) => {
    const out = redact(`failed with ${token} in it`);
    expect(out).not.toContain(token);
    expect(out).toContain(REDACTED);
  });

  it('removes a Copilot session token including the embedded IP', () => {
    const out = redact(`upstream said: ${SESSION} was rejected`);
    expect(out).not.toContain('tid=');
    expect(out).not.toContain('10.1.2.3');
    expect(out).toBe(`upstream said: ${REDACTED} was rejected`);
  });

  it('keeps the auth scheme but drops the credential', () => {
    expect(redact('Authorization: Bearer abc.def-ghi_jkl')).toBe(`Authorization: Bearer ${REDACTED}`);
    expect(redact('authorization: token sometokenvalue')).toBe(`authorization: token ${REDACTED}`);
  });

  it('finds credentials behind any spelling the patterns accept (the quick pre-check never skips one)', () => {
    expect(redact('AuThOrIzAtIoN = sekret-value-123')).toBe(`AuThOrIzAtIoN = ${REDACTED}`);
    expect(redact('"AUTHORIZATION":"abcdef123456"')).toBe(`"AUTHORIZATION":"${REDACTED}"`);
    expect(redact('sent Token abc.def.123456')).toBe(`sent Token ${REDACTED}`);
    expect(redact('sent Bearer xyz-987654321')).toBe(`sent Bearer ${REDACTED}`);
  });

  it('keeps placeholder text such as the 401 help (RT-18), still catching real credentials beside it', () => {
    const help = 'Missing or wrong API key: send it as `Authorization: Bearer <key>` or `x-api-key: <key>`.';
    expect(redact(help)).toBe(help);
    for (const text of ['Authorization: Bearer <YOUR_API_KEY>', 'authorization: token <token>', '"authorization": "<api-key>"', 'Authorization: Bearer', 'authorization=token\n'])
      expect(redact(text)).toBe(text);
    expect(redact('Authorization: Bearer <abc123456789>')).toBe(`Authorization: Bearer ${REDACTED}`);
    expect(redact('Authorization: Bearer sk-<key>-123')).toBe(`Authorization: Bearer ${REDACTED}`);
    expect(redact('Authorization: Bearer <ghu_FAKEFAKEFAKEFAKE1234>')).not.toContain('ghu_FAKE');
    expect(redact('Authorization: Bearer <key> then Authorization: Bearer realsecretvalue')).toBe(`Authorization: Bearer <key> then Authorization: Bearer ${REDACTED}`);
    expect(redact('Authorization: tokenvalue123')).toBe(`Authorization: ${REDACTED}`);
  });

  it('keeps prose that merely mentions a token', () => {
    for (const text of ['token exchange failed', 'Bearer authentication required', 'session token refreshed']) expect(redact(text)).toBe(text);
  });

  it('leaves ordinary text alone', () => {
    const text = 'POST /v1/chat/completions model=gpt-4o status=200 latency=12ms';
    expect(redact(text)).toBe(text);
  });

  it('scrubs secrets known by value', () => {
    expect(redactKnown('key=relay-key-123456 here', ['relay-key-123456'])).toBe(`key=${REDACTED} here`);
    expect(redactKnown('short ab', ['ab'])).toBe('short ab');
  });
});

describe('logger', () => {
  it('redacts every line, including fields and registered secrets', () => {
    const log = createMemoryLogger();
    log.addSecret('my-api-key-value');
    log.info('exchange failed', { detail: 'Bearer ghu_FAKEFAKEFAKEFAKE1234', key: 'my-api-key-value' });
    log.error(`boom ${SESSION}`);
    const all = log.lines.join('\n');
    expect(all).not.toContain('ghu_FAKE');
    expect(all).not.toContain('my-api-key-value');
    expect(all).not.toContain('tid=');
    expect(log.lines).toHaveLength(2);
    expect(log.lines[0]).toMatch(/^INFO exchange failed detail="Bearer \[redacted\]" key=\[redacted\]$/);
  });

  it('honours the level', () => {
    const log = createMemoryLogger('warn');
    log.info('hidden');
    log.warn('shown');
    expect(log.lines).toEqual(['WARN shown']);
  });
});
