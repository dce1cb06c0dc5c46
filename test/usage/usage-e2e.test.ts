// Issue #16, "Done when", end to end: requests made with the real SDKs (openai, @anthropic-ai/sdk;
// stream and not; the three client APIs, native and translated) through the BUILT relay
// (`node bin/copilot-relay.js serve` in a child, fake upstream, a temporary COPILOT_RELAY_HOME)
// appear in `copilot-relay usage --json` with the right model, client, tokens and credits, adding
// up to what the fake billed; a restart keeps them; a rate-limit answer (each 429 code, both forms
// of Retry-After, and 402 out of credits) and a budget stop reach an SDK client as a clear error in
// its dialect.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_TOKEN_PRICES } from '../fake-github/billing.js';
import { startFakeUpstream } from '../fake-github/index.js';
import type { FakeUpstream } from '../fake-github/index.js';
import { silentLogger } from '../../src/main/core/log/logger.js';
import { openLedgerDatabase } from '../../src/main/core/usage/ledger-db.js';
import { recentRows } from '../../src/main/core/usage/ledger-queries.js';
import type { LedgerRow } from '../../src/main/core/usage/ledger.js';
import type { UsageReport } from '../../src/main/core/usage/report.js';
import { builtCli, ensureBuilt, startBuiltServe } from '../support/built-serve.js';
import type { BuiltServe } from '../support/built-serve.js';

let fake: FakeUpstream;
let home: string;
let relay: BuiltServe | null = null;

beforeAll(async () => {
  ensureBuilt();
  fake = await startFakeUpstream();
  home = await mkdtemp(join(tmpdir(), 'relay-usage-e2e-'));
}, 60_000);
afterAll(async () => {
  await relay?.stop();
  await fake?.close();
  await rm(home, { recursive: true, force: true });
});

function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const { COPILOT_RELAY_BUDGET: _b, COPILOT_RELAY_API_KEY: _k, ...inherited } = process.env;
  return { ...inherited, COPILOT_RELAY_HOME: home, COPILOT_RELAY_GITHUB_TOKEN: fake.defaultToken, COPILOT_RELAY_GITHUB_URL: fake.url, COPILOT_RELAY_GITHUB_API_URL: fake.url, ...extra };
}

async function usage(by: 'model' | 'client' = 'model', extra: NodeJS.ProcessEnv = {}): Promise<UsageReport> {
  const { stdout } = await promisify(execFile)(process.execPath, [builtCli, 'usage', '--json', '--since', '1h', '--by', by], { env: env(extra) });
  return JSON.parse(stdout) as UsageReport;
}

/** Every row the ledger holds, oldest first (read beside the relay, as the CLI does). */
function ledgerRows(): LedgerRow[] {
  const db = openLedgerDatabase(join(home, 'usage.db'), { logger: silentLogger });
  try {
    return recentRows(db, 10_000).reverse();
  } finally {
    db.close();
  }
}

const openai = (url: string, maxRetries = 0) => new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries });
const anthropic = (url: string, maxRetries = 0) => new Anthropic({ baseURL: url, apiKey: 'unused', maxRetries });

/** What one SDK call reported: tokens in the ledger's convention (input includes cached). */
interface Reported {
  label: string;
  model: string;
  client: string;
  clientApi: string;
  upstream: string;
  stream: boolean;
  input: number;
  output: number;
}

const USER = 'How much does this cost?';

async function chat(url: string, model: string, stream: boolean, upstream: string): Promise<Reported> {
  const base = { label: `chat ${model}${stream ? ' stream' : ''}`, model, client: 'OpenAI SDK (JS)', clientApi: 'chat', upstream, stream };
  if (!stream) {
    const answer = await openai(url).chat.completions.create({ model, messages: [{ role: 'user', content: USER }] });
    return { ...base, input: answer.usage!.prompt_tokens, output: answer.usage!.completion_tokens };
  }
  const events = await openai(url).chat.completions.create({ model, messages: [{ role: 'user', content: USER }], stream: true, stream_options: { include_usage: true } });
  let last: OpenAI.CompletionUsage | null = null;
  for await (const chunk of events) if (chunk.usage) last = chunk.usage;
  return { ...base, input: last!.prompt_tokens, output: last!.completion_tokens };
}

async function responses(url: string, model: string, stream: boolean, upstream: string): Promise<Reported> {
  const base = { label: `responses ${model}${stream ? ' stream' : ''}`, model, client: 'OpenAI SDK (JS)', clientApi: 'responses', upstream, stream };
  if (!stream) {
    const answer = await openai(url).responses.create({ model, input: USER });
    return { ...base, input: answer.usage!.input_tokens, output: answer.usage!.output_tokens };
  }
  const events = await openai(url).responses.create({ model, input: USER, stream: true });
  let done: OpenAI.Responses.Response | null = null;
  for await (const event of events) if (event.type === 'response.completed') done = event.response;
  return { ...base, input: done!.usage!.input_tokens, output: done!.usage!.output_tokens };
}

/** Anthropic's usage counts cache reads apart; the ledger's input is the whole prompt. */
async function messages(url: string, model: string, stream: boolean, upstream: string): Promise<Reported> {
  const base = { label: `messages ${model}${stream ? ' stream' : ''}`, model, client: 'Anthropic SDK (JS)', clientApi: 'messages', upstream, stream };
  const request = { model, max_tokens: 256, messages: [{ role: 'user' as const, content: USER }] };
  const answer = stream ? await anthropic(url).messages.stream(request).finalMessage() : await anthropic(url).messages.create(request);
  const u = answer.usage;
  return { ...base, input: u.input_tokens + (u.cache_read_input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0), output: u.output_tokens };
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

describe('usage, limits and budget end to end (built relay, real SDKs)', () => {
  const reported: Reported[] = [];

  it('every request, native and translated, stream and not, is recorded with its model, client, tokens and billed credits', async () => {
    relay = await startBuiltServe(env());
    const url = relay.url;
    fake.counters.billedNanoAiu = 0;
    for (const stream of [false, true]) {
      // Native: each API to the endpoint the model speaks.
      reported.push(await chat(url, 'gpt-4o', stream, '/chat/completions'));
      reported.push(await responses(url, 'gpt-5.1-codex', stream, '/responses'));
      reported.push(await messages(url, 'claude-sonnet-4.5', stream, '/v1/messages'));
      // Translated: the model does not speak the caller's API.
      reported.push(await chat(url, 'gpt-5.1-codex', stream, '/responses'));
      reported.push(await messages(url, 'gpt-4o', stream, '/chat/completions'));
      reported.push(await responses(url, 'claude-opus-4.6', stream, '/v1/messages'));
    }
    const embedding = await openai(url).embeddings.create({ model: 'text-embedding-3-small', input: USER });
    expect(await relay.stop()).toBe(0);
    relay = null;

    const rows = ledgerRows();
    expect(rows).toHaveLength(reported.length + 1);
    for (const [i, expected] of reported.entries()) {
      expect(rows[i], expected.label).toMatchObject({
        client: expected.client,
        clientApi: expected.clientApi,
        upstreamEndpoint: expected.upstream,
        modelRequested: expected.model,
        modelServed: expected.model,
        status: 200,
        stream: expected.stream,
        inputTokens: expected.input,
        outputTokens: expected.output,
        creditsSource: 'billed',
      });
      expect(rows[i]!.credits, expected.label).toBeGreaterThan(0);
    }
    expect(rows.at(-1)).toMatchObject({ clientApi: 'embeddings', upstreamEndpoint: '/embeddings', modelServed: 'text-embedding-3-small', inputTokens: embedding.usage.prompt_tokens });

    const billed = fake.counters.billedNanoAiu / 1e9;
    expect(billed).toBeGreaterThan(0);
    const byModel = await usage('model');
    expect(byModel.requests).toBe(reported.length + 1);
    expect(byModel.errors).toBe(0);
    expect(byModel.inputTokens).toBe(sum(reported.map((r) => r.input)) + embedding.usage.prompt_tokens);
    expect(byModel.outputTokens).toBe(sum(reported.map((r) => r.output)));
    expect(byModel.credits).toBeCloseTo(billed, 9);
    for (const model of ['gpt-4o', 'gpt-5.1-codex', 'claude-sonnet-4.5', 'claude-opus-4.6']) {
      const mine = reported.filter((r) => r.model === model);
      expect(byModel.groups.find((g) => g.key === model), model).toMatchObject({ requests: mine.length, inputTokens: sum(mine.map((r) => r.input)), outputTokens: sum(mine.map((r) => r.output)) });
    }
    expect(sum(byModel.groups.map((g) => g.credits))).toBeCloseTo(billed, 9);
    const byClient = await usage('client');
    expect(byClient.groups.map((g) => [g.key, g.requests]).sort()).toEqual([['Anthropic SDK (JS)', 4], ['OpenAI SDK (JS)', 9]]);
    // Copilot's usage headers, as the relay last saw them.
    expect(byModel.rateLimits.map((l) => l.name).sort()).toEqual(['session', 'weekly']);
    expect(byModel.rateLimits.find((l) => l.name === 'weekly')).toMatchObject({ usedPercent: 62, resetsAt: expect.any(String) });
  }, 120_000);

  it("cached prompt tokens on every path; without Copilot's own cost, credits are estimated from the model list prices", async () => {
    Object.assign(fake.knobs, { cachedTokens: 4, billNanoAiu: false });
    relay = await startBuiltServe(env());
    const url = relay.url;
    const calls: Reported[] = [];
    try {
      for (const stream of [false, true]) {
        calls.push(await chat(url, 'gpt-4o', stream, '/chat/completions'));
        calls.push(await messages(url, 'claude-sonnet-4.5', stream, '/v1/messages'));
        calls.push(await responses(url, 'gpt-5.1-codex', stream, '/responses'));
        calls.push(await messages(url, 'gpt-4o', stream, '/chat/completions'));
        calls.push(await chat(url, 'gpt-5.1-codex', stream, '/responses'));
      }
    } finally {
      Object.assign(fake.knobs, { cachedTokens: 0, billNanoAiu: true });
      expect(await relay.stop()).toBe(0);
      relay = null;
    }
    const rows = ledgerRows().slice(-calls.length);
    for (const [i, call] of calls.entries()) {
      const tier = FAKE_TOKEN_PRICES[call.model]!;
      // The fake's own price table (billing.ts), applied here independently of the relay's pricing code.
      const expected = ((call.input - 4) * tier.default.input_price + 4 * (tier.default.cache_read_price ?? tier.default.input_price) + call.output * tier.default.output_price) / tier.batch_size;
      expect(rows[i], call.label).toMatchObject({ upstreamEndpoint: call.upstream, inputTokens: call.input, outputTokens: call.output, cachedTokens: 4, creditsSource: 'estimated' });
      expect(rows[i]!.credits, call.label).toBeCloseTo(expected, 12);
    }
  }, 120_000);

  it('a restart keeps them, and adds to them', async () => {
    const before = await usage('model');
    const billedBefore = fake.counters.billedNanoAiu;
    relay = await startBuiltServe(env());
    expect(await usage('model')).toMatchObject({ requests: before.requests, credits: before.credits });
    await chat(relay.url, 'gpt-4o', false, '/chat/completions');
    expect(await relay.stop()).toBe(0);
    relay = null;
    const after = await usage('model');
    expect(after.requests).toBe(before.requests + 1);
    expect(after.credits).toBeCloseTo(before.credits + (fake.counters.billedNanoAiu - billedBefore) / 1e9, 9);
  }, 60_000);

  it("each 429 code, Retry-After as seconds or a date, and 402 out of credits reach the SDKs as a clear error in their dialect", async () => {
    relay = await startBuiltServe(env());
    const url = relay.url;
    // The model list first (a fresh relay loads it with its first request): the 429s below are for the requests.
    expect((await fetch(`${url}/v1/models`)).status).toBe(200);
    const limits: [code: string, words: RegExp, waitSec: number][] = [
      // The weekday shows only when the reset is on another day (2 h from now: from 22:00 local time on).
      ['user_weekly_rate_limited', /Copilot's weekly limit is reached; it resets (?:\w{3} )?\d\d:\d\d \(in 2 h\)/, 7200],
      ['user_global_rate_limited', /Copilot's account-wide rate limit is reached; it resets/, 7200],
      ['user_model_rate_limited', /Copilot's rate limit for (gpt-4o|claude-sonnet-4\.5) is reached; it resets/, 7200],
      ['integration_rate_limited', /Copilot's rate limit for this kind of client is reached; it resets/, 7200],
      ['rate_limited', /Copilot's rate limit is reached; it resets .*\(in 20 s\)/, 20],
    ];
    try {
      for (const [code, words, wait] of limits) {
        for (const asDate of [false, true]) {
          Object.assign(fake.knobs, { rateLimitNext: 1, rateLimitCode: code, rateLimitRetryAfter: wait, rateLimitRetryAfterAsDate: asDate });
          const label = `${code} (Retry-After as ${asDate ? 'a date' : 'seconds'})`;
          // OpenAI dialect: {error: {message, type, code}}.
          const viaOpenAI = await openai(url).chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
          expect(viaOpenAI, label).toBeInstanceOf(OpenAI.RateLimitError);
          const o = viaOpenAI as InstanceType<typeof OpenAI.RateLimitError>;
          expect(o.code, label).toBe(code);
          expect((o.error as { type?: string }).type).toBe('rate_limit_error');
          expect(o.message, label).toMatch(words);
          // Seconds, or Copilot's own HTTP date passed on (both are Retry-After; the SDKs read both).
          const header = o.headers?.get('retry-after') ?? '';
          const retryAfter = /^\d+$/.test(header) ? Number(header) : (Date.parse(header) - Date.now()) / 1000;
          expect(Math.abs(retryAfter - wait), `${label}: ${header}`).toBeLessThanOrEqual(2);
          // Hours to wait: SDKs must not retry; seconds: their own rules apply.
          expect(o.headers?.get('x-should-retry'), label).toBe(wait > 60 ? 'false' : 'true');
          // Anthropic dialect: {type: "error", error: {type, message}}.
          fake.knobs.rateLimitNext = 1;
          const viaAnthropic = await anthropic(url).messages.create({ model: 'claude-sonnet-4.5', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
          expect(viaAnthropic, label).toBeInstanceOf(Anthropic.RateLimitError);
          const a = viaAnthropic as InstanceType<typeof Anthropic.RateLimitError>;
          expect(a.error, label).toMatchObject({ type: 'error', error: { type: 'rate_limit_error', message: expect.stringMatching(words) } });
        }
      }
      // An Anthropic SDK with its default retries, told the wait is hours: one attempt, not three.
      Object.assign(fake.knobs, { rateLimitNext: 3, rateLimitCode: 'user_weekly_rate_limited', rateLimitRetryAfter: 7200, rateLimitRetryAfterAsDate: false });
      const before = fake.requests.filter((r) => r.path.endsWith('/v1/messages')).length;
      await expect(anthropic(url, 2).messages.create({ model: 'claude-sonnet-4.5', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] })).rejects.toBeInstanceOf(Anthropic.RateLimitError);
      expect(fake.requests.filter((r) => r.path.endsWith('/v1/messages')).length).toBe(before + 1);
      fake.knobs.rateLimitNext = 0;

      // 402: out of AI credits, in words, no retry.
      fake.knobs.outOfCreditsNext = 1;
      const broke = await openai(url).chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
      expect(broke).toBeInstanceOf(OpenAI.APIError);
      expect(broke).toMatchObject({ status: 402, code: 'quota_exceeded', message: expect.stringMatching(/run out of Copilot AI credits/) });
      expect((broke as InstanceType<typeof OpenAI.APIError>).headers?.get('x-should-retry')).toBe('false');
    } finally {
      Object.assign(fake.knobs, { rateLimitNext: 0, outOfCreditsNext: 0, rateLimitRetryAfter: 30, rateLimitRetryAfterAsDate: false, rateLimitCode: 'rate_limited' });
      expect(await relay.stop()).toBe(0);
      relay = null;
    }
    // The limits as the relay last saw them, for `usage` and `status` (another process).
    const report = await usage('model');
    expect(report.rateLimits.map((l) => l.name)).toEqual(expect.arrayContaining(['weekly', 'global', 'integration', 'rate', 'credits', 'session']));
    const { stdout } = await promisify(execFile)(process.execPath, [builtCli, 'status', '--json'], { env: env() });
    const status = JSON.parse(stdout) as { unit: string; limits: { name: string; reached: boolean; resetsAt: string | null }[] };
    expect(status.unit).toBe('credits');
    expect(status.limits.find((l) => l.name === 'weekly')).toMatchObject({ reached: true, resetsAt: expect.any(String) });
  }, 120_000);

  it('a budget stop: refused locally in the caller\'s dialect with x-should-retry: false, nothing sent upstream; model lists still served', async () => {
    // Today's spend is already far past this budget.
    relay = await startBuiltServe(env({ COPILOT_RELAY_BUDGET: '0.0001/day' }));
    const url = relay.url;
    const upstreamBefore = fake.requests.length;
    try {
      const viaOpenAI = await openai(url).responses.create({ model: 'gpt-5.1-codex', input: 'one more' }).catch((e: unknown) => e);
      expect(viaOpenAI).toBeInstanceOf(OpenAI.RateLimitError);
      const o = viaOpenAI as InstanceType<typeof OpenAI.RateLimitError>;
      expect(o).toMatchObject({ status: 429, code: 'budget_exceeded', message: expect.stringMatching(/Copilot Relay budget of 0\.0001 AI credits per day is used up \(0\.\d+ spent\); it resets (\w{3} )?00:00 \(in .+\)\. Raise it in the Copilot Relay window or with COPILOT_RELAY_BUDGET\./) });
      expect(o.headers?.get('x-should-retry')).toBe('false');
      expect(Number(o.headers?.get('retry-after'))).toBeGreaterThan(0);
      // The Anthropic SDK with its default retries stops at once.
      const viaAnthropic = await anthropic(url, 2).messages.create({ model: 'claude-sonnet-4.5', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
      expect(viaAnthropic).toBeInstanceOf(Anthropic.RateLimitError);
      expect((viaAnthropic as InstanceType<typeof Anthropic.RateLimitError>).error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error', message: expect.stringMatching(/budget/) } });
      expect((await fetch(`${url}/v1/models`)).status).toBe(200);
    } finally {
      expect(await relay.stop()).toBe(0);
      relay = null;
    }
    // Nothing but the model list reached Copilot; each refusal is one row in the ledger.
    expect(fake.requests.slice(upstreamBefore).every((r) => r.method === 'GET')).toBe(true);
    const refused = ledgerRows().filter((r) => r.errorCode === 'budget_exceeded');
    expect(refused.map((r) => [r.client, r.status, r.upstreamEndpoint, r.credits])).toEqual([['OpenAI SDK (JS)', 429, '/responses', null], ['Anthropic SDK (JS)', 429, '/v1/messages', null]]);
    expect((await usage('model', { COPILOT_RELAY_BUDGET: '0.0001/day' })).budget).toMatchObject({ period: 'day', limitCredits: 0.0001, usedCredits: expect.any(Number) });
  }, 60_000);
});
