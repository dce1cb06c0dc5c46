/**
 * Model prices from the catalogue (`GET {capi}/models`, API version 2026-08-01), for requests whose
 * answer did not carry `copilot_usage.total_nano_aiu`. Shape (copilot-protocol.md, "2026 changes";
 * the field names are partly UNCERTAIN, so parsing is defensive):
 *
 *   billing: { multiplier?, token_prices?: { batch_size, default: {input_price, output_price,
 *              cache_read_price?}, long_context?: {…same, max_prompt_tokens?} } }
 *
 * Prices are AI credits per `batch_size` tokens (300 per 1 000 000 input tokens = $3/M). A flat
 * `token_prices` (the tier's fields beside `batch_size`) and camelCase names are accepted too.
 */

export interface PriceTier {
  inputPrice: number;
  outputPrice: number;
  /** Price of cached prompt tokens; null → they cost the input price. */
  cacheReadPrice: number | null;
}

export interface TokenPrices {
  batchSize: number;
  standard: PriceTier;
  /** Applies when the prompt is longer than `abovePromptTokens`. */
  longContext: (PriceTier & { abovePromptTokens: number }) | null;
}

export interface ModelPrices {
  /** Null when the entry has no (usable) `token_prices`. */
  tokens: TokenPrices | null;
  /** Premium-request multiplier (request-billed plans), when the entry has one. */
  multiplier: number | null;
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

function number(source: Json, ...names: string[]): number | null {
  for (const name of names) {
    const value = source[name];
    const parsed = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
    if (Number.isFinite(parsed) && parsed >= 0) return parsed;
  }
  return null;
}

function tier(source: unknown): PriceTier | null {
  if (!isObject(source)) return null;
  const inputPrice = number(source, 'input_price', 'inputPrice', 'input');
  const outputPrice = number(source, 'output_price', 'outputPrice', 'output');
  if (inputPrice === null || outputPrice === null) return null;
  return { inputPrice, outputPrice, cacheReadPrice: number(source, 'cache_read_price', 'cacheReadPrice', 'cache_price', 'cachePrice') };
}

function tokenPrices(entry: Json, raw: unknown): TokenPrices | null {
  if (!isObject(raw)) return null;
  const batchSize = number(raw, 'batch_size', 'batchSize');
  const standard = tier(raw.default) ?? tier(raw);
  if (!batchSize || !standard) return null;
  const defaults = isObject(raw.default) ? raw.default : raw;
  const limits = isObject(entry.capabilities) && isObject(entry.capabilities.limits) ? entry.capabilities.limits : {};
  // The standard tier covers prompts up to this size; longer ones are billed at the long-context tier.
  const threshold = number(defaults, 'max_prompt_tokens', 'context_max', 'contextMax') ?? number(raw, 'context_max', 'contextMax') ?? number(limits, 'max_prompt_tokens');
  const long = tier(raw.long_context ?? raw.longContext);
  return { batchSize, standard, longContext: long && threshold !== null ? { ...long, abovePromptTokens: threshold } : null };
}

/** Prices for one `/models` entry, or null when it carries neither token prices nor a multiplier. */
export function pricesFromModelEntry(entry: unknown): ModelPrices | null {
  if (!isObject(entry) || !isObject(entry.billing)) return null;
  const billing = entry.billing;
  const tokens = tokenPrices(entry, billing.token_prices ?? billing.tokenPrices);
  const multiplier = number(billing, 'multiplier');
  return tokens || multiplier !== null ? { tokens, multiplier } : null;
}

/** Usage of one request, as the ledger keeps it. `input` includes `cached` (OpenAI's convention). */
export interface TokenCounts {
  input: number | null;
  output: number | null;
  cached: number | null;
}

/** AI credits for the counts at these prices, or null when there is nothing to price. */
export function creditsAt(prices: TokenPrices, counts: TokenCounts): number | null {
  if (counts.input === null && counts.output === null) return null;
  const input = counts.input ?? 0;
  const cached = Math.min(counts.cached ?? 0, input);
  const rate = prices.longContext && input > prices.longContext.abovePromptTokens ? prices.longContext : prices.standard;
  const cachedRate = rate.cacheReadPrice ?? rate.inputPrice;
  const units = (input - cached) * rate.inputPrice + cached * cachedRate + (counts.output ?? 0) * rate.outputPrice;
  return units / prices.batchSize;
}

/**
 * The price lookup the usage tracker asks; the service feeds it the catalogue's raw entries each
 * time the model list is (re)loaded. Lookups by served model id, falling back to the asked one.
 */
export class PriceBook {
  private byId = new Map<string, ModelPrices>();

  /** Replaces the book with the entries of a `/models` answer (`data`); unusable entries are skipped. */
  update(entries: readonly unknown[]): void {
    const next = new Map<string, ModelPrices>();
    for (const entry of entries) {
      const prices = pricesFromModelEntry(entry);
      if (prices && isObject(entry) && typeof entry.id === 'string') next.set(entry.id, prices);
    }
    this.byId = next;
  }

  get(model: string | null | undefined): ModelPrices | null {
    return model ? this.byId.get(model) ?? null : null;
  }

  get size(): number {
    return this.byId.size;
  }
}

export type CreditsSource = 'billed' | 'estimated';

export interface RequestCost {
  credits: number | null;
  /** `billed`: Copilot's own `total_nano_aiu`; `estimated`: catalogue prices × tokens. */
  creditsSource: CreditsSource | null;
  /** What a request-billed plan is charged: the model's multiplier for a user-initiated generation, 0 for agent follow-ups. */
  premiumRequests: number | null;
}

const GENERATION_APIS = new Set(['chat', 'responses', 'messages']);

/** The cost of one finished request, in both units (the plan decides which one is shown). */
export function costOf(
  request: { nanoAiu: number | null; inputTokens: number | null; outputTokens: number | null; cachedTokens: number | null; status: number; initiator: 'user' | 'agent' | null; clientApi: string },
  prices: ModelPrices | null,
): RequestCost {
  const ok = request.status < 400;
  let credits: number | null = null;
  let creditsSource: CreditsSource | null = null;
  if (request.nanoAiu !== null && Number.isFinite(request.nanoAiu) && request.nanoAiu >= 0) {
    credits = request.nanoAiu / 1e9;
    creditsSource = 'billed';
  } else if (ok && prices?.tokens) {
    credits = creditsAt(prices.tokens, { input: request.inputTokens, output: request.outputTokens, cached: request.cachedTokens });
    creditsSource = credits === null ? null : 'estimated';
  }
  const premiumRequests = ok && GENERATION_APIS.has(request.clientApi) && prices?.multiplier != null ? (request.initiator === 'agent' ? 0 : prices.multiplier) : null;
  return { credits, creditsSource, premiumRequests };
}
