import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeUpstream } from './index.js';
import type { FakeUpstream } from './index.js';
import { capiHeaders, parseSse, postCapi, sessionToken } from './test-helpers.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let fake: FakeUpstream;
let bearer: string;
beforeEach(async () => {
  fake = await startFakeUpstream();
  bearer = await sessionToken(fake);
});
afterEach(async () => {
  await fake.close();
});

const chat = { model: 'gpt-4o', messages: [{ role: 'user', content: 'bill me' }] };
const lastData = (text: string, pick: (e: Json) => boolean): Json => parseSse(text).filter((e) => e.data !== '[DONE]').map((e) => JSON.parse(e.data) as Json).filter(pick).at(-1)!;

describe('fake billing', () => {
  it('says token_based_billing on /copilot_internal/user (or leaves it out)', async () => {
    const get = async () => (await (await fetch(`${fake.url}/copilot_internal/user`, { headers: { authorization: `token ${fake.defaultToken}` } })).json()) as Json;
    expect((await get()).token_based_billing).toBe(true);
    fake.knobs.tokenBasedBilling = false;
    expect((await get()).token_based_billing).toBe(false);
    fake.knobs.tokenBasedBilling = null;
    expect(await get()).not.toHaveProperty('token_based_billing');
  });

  it('lists billing.token_prices beside the multiplier on priced models', async () => {
    const list = (await (await fetch(`${fake.capiUrl}/models`, { headers: capiHeaders(bearer) })).json()) as { data: Json[] };
    const sonnet = list.data.find((m) => m.id === 'claude-sonnet-4.5')!;
    expect(sonnet.billing).toEqual({
      is_premium: true,
      multiplier: 1,
      token_prices: { batch_size: 1_000_000, default: { input_price: 300, output_price: 1500, cache_read_price: 30 }, long_context: { input_price: 600, output_price: 2250, cache_read_price: 60, max_prompt_tokens: 1_000_000 } },
    });
    expect(list.data.find((m) => m.id === 'auto')!.billing).toBeNull();
    const one = (await (await fetch(`${fake.capiUrl}/models/gpt-4o`, { headers: capiHeaders(bearer) })).json()) as Json;
    expect(one.billing.token_prices.default.input_price).toBe(250);
    fake.knobs.tokenPrices = false;
    const old = (await (await fetch(`${fake.capiUrl}/models`, { headers: capiHeaders(bearer) })).json()) as { data: Json[] };
    expect(old.data.find((m) => m.id === 'claude-sonnet-4.5')!.billing).toEqual({ is_premium: true, multiplier: 1 });
  });

  it('bills total_nano_aiu on every answer shape and counts the total', async () => {
    fake.knobs.cachedTokens = 1;
    // chat, non-stream: prompt 2 (1 cached), completion 3 → (1×250 + 1×125 + 3×1000) / 1e6 credits
    const plain = (await (await postCapi(fake, '/chat/completions', chat, bearer)).json()) as Json;
    expect(plain.copilot_usage).toEqual({ total_nano_aiu: 3_375_000 });
    // chat stream: on the final usage chunk only
    const chatStream = await (await postCapi(fake, '/chat/completions', { ...chat, stream: true }, bearer)).text();
    expect(lastData(chatStream, (c) => c.usage !== undefined).copilot_usage).toEqual({ total_nano_aiu: 3_375_000 });
    expect(parseSse(chatStream).filter((e) => e.data.includes('copilot_usage'))).toHaveLength(1);
    // responses: body and the response.completed event
    const responses = (await (await postCapi(fake, '/responses', { model: 'gpt-5-mini', input: 'bill me' }, bearer)).json()) as Json;
    expect(responses.copilot_usage.total_nano_aiu).toBeGreaterThan(0);
    const respStream = await (await postCapi(fake, '/responses', { model: 'gpt-5-mini', input: 'bill me', stream: true }, bearer)).text();
    expect(lastData(respStream, (e) => e.type === 'response.completed').copilot_usage).toEqual(responses.copilot_usage);
    // messages: body and message_delta
    const body = { model: 'claude-sonnet-4.5', max_tokens: 50, messages: [{ role: 'user', content: 'bill me' }] };
    const message = (await (await postCapi(fake, '/v1/messages', body, bearer)).json()) as Json;
    expect(message.copilot_usage.total_nano_aiu).toBeGreaterThan(0);
    const msgStream = await (await postCapi(fake, '/v1/messages', { ...body, stream: true }, bearer)).text();
    expect(lastData(msgStream, (e) => e.type === 'message_delta').copilot_usage).toEqual(message.copilot_usage);
    expect(fake.counters.billedNanoAiu).toBe(2 * 3_375_000 + 2 * responses.copilot_usage.total_nano_aiu + 2 * message.copilot_usage.total_nano_aiu);
    fake.knobs.billNanoAiu = false;
    expect((await (await postCapi(fake, '/chat/completions', chat, bearer)).json()) as Json).not.toHaveProperty('copilot_usage');
  });

  it('sends x-usage-ratelimit-session/-weekly on answers (percent left, reset)', async () => {
    const res = await postCapi(fake, '/chat/completions', chat, bearer);
    expect(res.headers.get('x-usage-ratelimit-session')).toMatch(/^ent=0&ov=0\.0&ovPerm=false&rem=82\.0&rst=\d{4}-\d\d-\d\dT\d\d%3A00%3A00Z$/);
    const weekly = new URLSearchParams(res.headers.get('x-usage-ratelimit-weekly')!);
    expect(weekly.get('rem')).toBe('38.0');
    expect(new Date(weekly.get('rst')!).getUTCDay()).toBe(1);
    fake.knobs.usageRateLimits = null;
    expect((await postCapi(fake, '/chat/completions', chat, bearer)).headers.get('x-usage-ratelimit-weekly')).toBeNull();
  });

  it('answers 429 with a chosen code and Retry-After as seconds, an HTTP date, or none', async () => {
    Object.assign(fake.knobs, { rateLimitNext: 3, rateLimitCode: 'user_weekly_rate_limited', rateLimitRetryAfter: 7200 });
    const seconds = await postCapi(fake, '/chat/completions', chat, bearer);
    expect(seconds.status).toBe(429);
    expect(seconds.headers.get('retry-after')).toBe('7200');
    expect(((await seconds.json()) as Json).error.code).toBe('user_weekly_rate_limited');
    fake.knobs.rateLimitRetryAfterAsDate = true;
    const date = await postCapi(fake, '/chat/completions', chat, bearer);
    expect(Math.abs(Date.parse(date.headers.get('retry-after')!) - (Date.now() + 7_200_000))).toBeLessThan(3000);
    fake.knobs.rateLimitRetryAfter = null;
    expect((await postCapi(fake, '/chat/completions', chat, bearer)).headers.get('retry-after')).toBeNull();
    expect((await postCapi(fake, '/chat/completions', chat, bearer)).status).toBe(200);
  });

  it('answers 402 out of AI credits for the next N generation requests', async () => {
    fake.knobs.outOfCreditsNext = 1;
    const res = await postCapi(fake, '/v1/messages', { model: 'claude-sonnet-4.5', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }, bearer);
    expect(res.status).toBe(402);
    expect(await res.json()).toEqual({ error: { message: "You've run out of your AI credits. Add more credits or raise your budget to keep using Copilot.", code: 'quota_exceeded' } });
    expect((await postCapi(fake, '/chat/completions', chat, bearer)).status).toBe(200);
  });
});
