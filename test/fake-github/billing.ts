/**
 * The fake's billing (copilot-protocol.md, "2026 changes"): per-model `billing.token_prices`, the
 * `copilot_usage.total_nano_aiu` an answer carries, and the `x-usage-ratelimit-*` headers. Prices
 * are AI credits per `batch_size` tokens (300 per 1M = $3/M); deliberately written here
 * independently of the relay's pricing code, so the two check each other.
 */
import { findModel } from './models.js';
import type { FakeState } from './state.js';

export interface FakeTier {
  input_price: number;
  output_price: number;
  cache_read_price?: number;
}

export interface FakeTokenPrices {
  batch_size: number;
  default: FakeTier;
  long_context?: FakeTier & { max_prompt_tokens: number };
}

/** Per model id, added to the `/models` entries that have none of their own; models without one (embeddings, auto) are not token-priced. */
export const FAKE_TOKEN_PRICES: Readonly<Record<string, FakeTokenPrices>> = {
  'gpt-4o': { batch_size: 1_000_000, default: { input_price: 250, output_price: 1000, cache_read_price: 125 } },
  'gpt-5-mini': { batch_size: 1_000_000, default: { input_price: 25, output_price: 200, cache_read_price: 2.5 } },
  'gpt-5.1-codex': { batch_size: 1_000_000, default: { input_price: 125, output_price: 1000, cache_read_price: 12.5 } },
  'claude-sonnet-4.5': {
    batch_size: 1_000_000,
    default: { input_price: 300, output_price: 1500, cache_read_price: 30 },
    long_context: { input_price: 600, output_price: 2250, cache_read_price: 60, max_prompt_tokens: 1_000_000 },
  },
  'claude-haiku-4.5': { batch_size: 1_000_000, default: { input_price: 100, output_price: 500, cache_read_price: 10 } },
  // The Messages-only model (a chat or Responses caller reaches it translated). Opus 4.5 stays
  // unpriced: a model the catalogue gives no token prices (the models CLI shows its multiplier only).
  'claude-opus-4.6': { batch_size: 1_000_000, default: { input_price: 500, output_price: 2500, cache_read_price: 50 } },
  // No cache price: cached tokens cost the input price.
  'grok-code-fast-1': { batch_size: 1_000_000, default: { input_price: 20, output_price: 150 } },
};

/** The standard tier covers prompts up to the model's `max_prompt_tokens` (this many when it has none). */
const STANDARD_PROMPT_TOKENS = 128_000;

/**
 * `{copilot_usage: {total_nano_aiu}}` to spread into an answer (and counted as billed), or `{}` when
 * the knob is off or the model has no prices. `input` includes `cached` (OpenAI's convention).
 */
export function billedUsage(state: FakeState, model: string, tokens: { input: number; output: number; cached: number }): { copilot_usage?: { total_nano_aiu: number } } {
  const own = findModel(model)?.billing?.token_prices;
  const prices = own ?? FAKE_TOKEN_PRICES[model];
  if (!state.knobs.billNanoAiu || !prices) return {};
  const tier = prices.long_context && tokens.input > STANDARD_PROMPT_TOKENS ? prices.long_context : prices.default;
  const fresh = tokens.input - tokens.cached;
  const units = fresh * tier.input_price + tokens.cached * (tier.cache_read_price ?? tier.input_price) + tokens.output * tier.output_price;
  const nano = Math.round((units / prices.batch_size) * 1e9);
  state.counters.billedNanoAiu += nano;
  return { copilot_usage: { total_nano_aiu: nano } };
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `x-usage-ratelimit-session` (resets on the next whole 5-hour block) and `-weekly` (next Monday 00:00 UTC), URL-encoded like the quota snapshot. */
export function usageRateLimitHeaders(state: FakeState, now = Date.now()): Record<string, string> {
  const limits = state.knobs.usageRateLimits;
  if (!limits) return {};
  const block = 5 * 3_600_000;
  const session = new Date(Math.ceil((now + 1) / block) * block);
  const today = new Date(now);
  const weekly = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + (((8 - today.getUTCDay()) % 7) || 7)));
  const iso = (d: Date) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:00Z`;
  const value = (rem: number, reset: Date) => `ent=0&ov=0.0&ovPerm=false&rem=${rem.toFixed(1)}&rst=${encodeURIComponent(iso(reset))}`;
  return { 'x-usage-ratelimit-session': value(limits.session, session), 'x-usage-ratelimit-weekly': value(limits.weekly, weekly) };
}
