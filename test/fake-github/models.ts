/** The fake `/models` catalogue: realistic entries plus deliberately odd ones (doc §7 quirks). */
import { FAKE_TOKEN_PRICES } from './billing.js';
import type { FakeTokenPrices } from './billing.js';

export interface FakeModel {
  id: string;
  name: string;
  vendor: string;
  version: string;
  object: 'model';
  preview: boolean;
  model_picker_enabled: boolean;
  is_chat_default: boolean;
  is_chat_fallback: boolean;
  billing?: { is_premium: boolean; multiplier?: number; restricted_to?: string[]; token_prices?: FakeTokenPrices } | null;
  policy?: { state: string; terms: string };
  supported_endpoints?: string[];
  capabilities: {
    type: 'chat' | 'embeddings' | 'completion';
    family: string;
    tokenizer?: string;
    object: 'model_capabilities';
    limits?: Record<string, unknown>;
    supports: Record<string, unknown>;
  };
}

function limits(context: number, prompt: number, output: number, vision = false): Record<string, unknown> {
  const out: Record<string, unknown> = { max_context_window_tokens: context, max_prompt_tokens: prompt, max_output_tokens: output };
  if (vision) {
    out['vision'] = { max_prompt_image_size: 3_145_728, max_prompt_images: 5, supported_media_types: ['image/jpeg', 'image/png', 'image/webp', 'image/gif'] };
  }
  return out;
}

function chatModel(m: Partial<FakeModel> & Pick<FakeModel, 'id' | 'name' | 'vendor' | 'capabilities'>): FakeModel {
  return {
    object: 'model',
    version: m.id,
    preview: false,
    model_picker_enabled: true,
    is_chat_default: false,
    is_chat_fallback: false,
    billing: { is_premium: false, multiplier: 0 },
    policy: { state: 'enabled', terms: 'Enable access to the latest models.' },
    ...m,
  };
}

export const FAKE_MODELS: readonly FakeModel[] = [
  chatModel({
    id: 'gpt-4o',
    name: 'GPT-4o',
    vendor: 'Azure OpenAI',
    version: 'gpt-4o-2024-11-20',
    is_chat_fallback: true,
    supported_endpoints: ['/chat/completions'],
    capabilities: {
      type: 'chat', family: 'gpt-4o', tokenizer: 'o200k_base', object: 'model_capabilities',
      limits: limits(128_000, 64_000, 4_096, true),
      supports: { streaming: true, tool_calls: true, parallel_tool_calls: true, vision: true, structured_outputs: true },
    },
  }),
  chatModel({
    id: 'gpt-5-mini',
    name: 'GPT-5 mini',
    vendor: 'Azure OpenAI',
    is_chat_default: true,
    supported_endpoints: ['/chat/completions', '/responses'],
    capabilities: {
      type: 'chat', family: 'gpt-5-mini', tokenizer: 'o200k_base', object: 'model_capabilities',
      limits: limits(264_000, 128_000, 64_000, true),
      supports: { streaming: true, tool_calls: true, parallel_tool_calls: true, vision: true, structured_outputs: true, reasoning_effort: ['low', 'medium', 'high'] },
    },
  }),
  chatModel({
    id: 'gpt-5.1-codex',
    name: 'GPT-5.1-Codex',
    vendor: 'OpenAI',
    preview: true,
    billing: { is_premium: true, multiplier: 1, restricted_to: ['pro', 'pro_plus', 'business', 'enterprise'] },
    supported_endpoints: ['/responses', 'ws:/responses'],
    capabilities: {
      type: 'chat', family: 'gpt-5.1-codex', tokenizer: 'o200k_base', object: 'model_capabilities',
      limits: limits(400_000, 128_000, 128_000),
      supports: { streaming: true, tool_calls: true, parallel_tool_calls: true, structured_outputs: true, reasoning_effort: ['low', 'medium', 'high'] },
    },
  }),
  chatModel({
    id: 'claude-sonnet-4.5',
    name: 'Claude Sonnet 4.5',
    vendor: 'Anthropic',
    billing: { is_premium: true, multiplier: 1 },
    supported_endpoints: ['/chat/completions', '/v1/messages'],
    capabilities: {
      type: 'chat', family: 'claude-sonnet-4.5', tokenizer: 'o200k_base', object: 'model_capabilities',
      limits: limits(200_000, 128_000, 16_000, true),
      supports: { streaming: true, tool_calls: true, parallel_tool_calls: true, vision: true, thinking: true, max_thinking_budget: 32_000, min_thinking_budget: 1_024 },
    },
  }),
  chatModel({
    id: 'claude-haiku-4.5',
    name: 'Claude Haiku 4.5',
    vendor: 'Anthropic',
    billing: { is_premium: true, multiplier: 0.33 },
    supported_endpoints: ['/chat/completions'],
    capabilities: {
      type: 'chat', family: 'claude-haiku-4.5', tokenizer: 'o200k_base', object: 'model_capabilities',
      limits: limits(200_000, 128_000, 16_000),
      supports: { streaming: true, tool_calls: true, parallel_tool_calls: true },
    },
  }),
  chatModel({
    id: 'text-embedding-3-small',
    name: 'Embedding V3 small',
    vendor: 'Azure OpenAI',
    model_picker_enabled: false,
    supported_endpoints: ['/embeddings'],
    capabilities: {
      type: 'embeddings', family: 'text-embedding-3-small', tokenizer: 'cl100k_base', object: 'model_capabilities',
      limits: { max_inputs: 512 },
      supports: { dimensions: true },
    },
  }),
  // 'auto'-like: billing null, no supported_endpoints, no policy.
  {
    id: 'auto',
    name: 'Auto',
    vendor: 'Copilot',
    version: 'auto',
    object: 'model',
    preview: false,
    model_picker_enabled: true,
    is_chat_default: false,
    is_chat_fallback: false,
    billing: null,
    capabilities: {
      type: 'chat', family: 'auto', object: 'model_capabilities',
      limits: limits(128_000, 64_000, 4_096),
      supports: { streaming: true, tool_calls: true },
    },
  },
  // No capabilities.limits, unknown vendor, billing without multiplier.
  chatModel({
    id: 'grok-code-fast-1',
    name: 'Grok Code Fast 1',
    vendor: 'xAI',
    preview: true,
    billing: { is_premium: false },
    supported_endpoints: ['/chat/completions'],
    capabilities: {
      type: 'chat', family: 'grok-code', tokenizer: 'o200k_base', object: 'model_capabilities',
      supports: { streaming: true, tool_calls: true },
    },
  }),
  // --- The 2026 protocol (copilot-protocol.md, "2026 changes"): Responses-only models, a Messages
  // model that needs consent, a 1M-context model with AI-credit prices, an internal utility model.
  chatModel({
    id: 'gpt-5-codex',
    name: 'GPT-5-Codex',
    vendor: 'OpenAI',
    billing: { is_premium: true, multiplier: 1 },
    supported_endpoints: ['/responses', 'ws:/responses'],
    capabilities: {
      type: 'chat', family: 'gpt-5-codex', tokenizer: 'o200k_base', object: 'model_capabilities',
      limits: limits(400_000, 272_000, 128_000),
      supports: { streaming: true, tool_calls: true, parallel_tool_calls: true, structured_outputs: true, reasoning_effort: ['low', 'medium', 'high'] },
    },
  }),
  chatModel({
    id: 'gpt-5.4',
    name: 'GPT-5.4',
    vendor: 'OpenAI',
    billing: { is_premium: true, multiplier: 1, token_prices: { batch_size: 1_000_000, default: { input_price: 250, output_price: 1500, cache_read_price: 25 } } },
    supported_endpoints: ['/responses', 'ws:/responses'],
    capabilities: {
      type: 'chat', family: 'gpt-5.4', tokenizer: 'o200k_base', object: 'model_capabilities',
      limits: limits(1_050_000, 922_000, 128_000, true),
      supports: { streaming: true, tool_calls: true, parallel_tool_calls: true, vision: true, structured_outputs: true, reasoning_effort: ['low', 'medium', 'high', 'xhigh'] },
    },
  }),
  chatModel({
    id: 'claude-opus-4.5',
    name: 'Claude Opus 4.5',
    vendor: 'Anthropic',
    billing: { is_premium: true, multiplier: 3 },
    policy: { state: 'requires_consent', terms: 'Enable access to the latest Claude Opus model from Anthropic.' },
    supported_endpoints: ['/chat/completions', '/v1/messages'],
    capabilities: {
      type: 'chat', family: 'claude-opus-4.5', tokenizer: 'o200k_base', object: 'model_capabilities',
      limits: limits(200_000, 168_000, 32_000, true),
      supports: { streaming: true, tool_calls: true, parallel_tool_calls: true, vision: true, thinking: true, max_thinking_budget: 32_000, min_thinking_budget: 1_024 },
    },
  }),
  // Messages-only (no /chat/completions): a chat or Responses caller reaches it only translated.
  chatModel({
    id: 'claude-opus-4.6',
    name: 'Claude Opus 4.6',
    vendor: 'Anthropic',
    billing: { is_premium: true, multiplier: 3 },
    supported_endpoints: ['/v1/messages'],
    capabilities: {
      type: 'chat', family: 'claude-opus-4.6', tokenizer: 'o200k_base', object: 'model_capabilities',
      limits: limits(200_000, 168_000, 32_000, true),
      supports: { streaming: true, tool_calls: true, parallel_tool_calls: true, vision: true, thinking: true, max_thinking_budget: 32_000, min_thinking_budget: 1_024, reasoning_effort: ['low', 'medium', 'high'] },
    },
  }),
  chatModel({
    id: 'gpt-4o-mini',
    name: 'GPT-4o mini',
    vendor: 'Azure OpenAI',
    model_picker_enabled: false,
    supported_endpoints: ['/chat/completions'],
    capabilities: {
      type: 'chat', family: 'gpt-4o-mini', tokenizer: 'o200k_base', object: 'model_capabilities',
      limits: limits(128_000, 64_000, 4_096),
      supports: { streaming: true, tool_calls: true, parallel_tool_calls: true },
    },
  }),
];

/** What `/models` says under an API version older than `knobs.minApiVersion`: no 1M context (tokens as before 2026). */
const LEGACY_LIMITS: Readonly<Record<string, Record<string, unknown>>> = {
  'gpt-5.4': limits(400_000, 272_000, 128_000, true),
};

/** Entries a tolerant client must skip: no `id`, and capabilities that aren't an object. */
export const MALFORMED_MODELS: readonly unknown[] = [
  { name: 'Broken (no id)', vendor: 'Nobody', object: 'model', capabilities: { type: 'chat', family: 'broken', supports: {} } },
  { id: 'broken-capabilities', name: 'Broken capabilities', vendor: 'Nobody', object: 'model', capabilities: 'chat' },
];

/**
 * The `/models` answer. `policies`: states accepted through `POST /models/{id}/policy`. `legacy`:
 * the client sent an API version older than `knobs.minApiVersion` — no `billing.token_prices`, no
 * 1M-context limits (copilot-protocol.md, "2026 changes").
 */
export function modelsListBody(options: ModelView = {}): { object: 'list'; data: unknown[] } {
  const entry = (model: FakeModel): FakeModel => view(model, options);
  return { object: 'list', data: [...FAKE_MODELS.slice(0, 6).map(entry), MALFORMED_MODELS[0], ...FAKE_MODELS.slice(6).map(entry), MALFORMED_MODELS[1]] };
}

/** `tokenPrices: false` (the knob): no `billing.token_prices` on any entry. */
export interface ModelView {
  policies?: ReadonlyMap<string, string>;
  legacy?: boolean;
  tokenPrices?: boolean;
}

/**
 * One entry as a client with these policies and this API version sees it. Prices: the entry's own
 * `billing.token_prices`, else billing.ts's table; none under an old API version or with the knob off.
 */
export function view(model: FakeModel, options: ModelView = {}): FakeModel {
  const accepted = options.policies?.get(model.id);
  const legacyLimits = options.legacy ? LEGACY_LIMITS[model.id] : undefined;
  const prices = !options.legacy && options.tokenPrices !== false ? model.billing?.token_prices ?? FAKE_TOKEN_PRICES[model.id] : undefined;
  const repriced = model.billing ? prices !== model.billing.token_prices : false;
  if (!accepted && !legacyLimits && !repriced) return model;
  const out: FakeModel = { ...model };
  if (accepted && model.policy) out.policy = { ...model.policy, state: accepted };
  if (legacyLimits) out.capabilities = { ...model.capabilities, limits: legacyLimits };
  if (repriced && model.billing) {
    const { token_prices: _dropped, ...rest } = model.billing;
    out.billing = prices ? { ...rest, token_prices: prices } : rest;
  }
  return out;
}

/** The policy state a request for this model meets (`enabled` when the entry has none). */
export function policyState(model: FakeModel, policies: ReadonlyMap<string, string>): string {
  return policies.get(model.id) ?? model.policy?.state ?? 'enabled';
}

export function findModel(id: unknown): FakeModel | null {
  return typeof id === 'string' ? FAKE_MODELS.find((m) => m.id === id) ?? null : null;
}

/** Absent `supported_endpoints` ('auto'-like) means chat completions only. */
export function modelSupports(model: FakeModel, endpoint: '/chat/completions' | '/responses' | '/v1/messages'): boolean {
  if (model.capabilities.type !== 'chat') return false;
  return (model.supported_endpoints ?? ['/chat/completions']).includes(endpoint);
}

export function modelThinks(model: FakeModel): boolean {
  const supports = model.capabilities.supports;
  return supports['thinking'] === true || (Array.isArray(supports['reasoning_effort']) && supports['reasoning_effort'].length > 0);
}
