import { RelayError } from '../errors.js';
import type { Logger } from '../log/logger.js';

/** One entry of CAPI `GET /models`, parsed tolerantly (copilot-protocol.md §7): only `id` is required. */

export type ModelEndpoint = '/chat/completions' | '/responses' | '/v1/messages';

export interface CopilotModelLimits {
  max_prompt_tokens?: number;
  max_output_tokens?: number;
  max_context_window_tokens?: number;
  vision?: Record<string, unknown>;
}

export interface CopilotModelSupports {
  streaming?: boolean;
  tool_calls?: boolean;
  parallel_tool_calls?: boolean;
  vision?: boolean;
  structured_outputs?: boolean;
  thinking?: boolean;
  reasoning_effort?: string[];
  [key: string]: unknown;
}

export interface CopilotModelBilling {
  is_premium?: boolean;
  /** Premium-request multiplier (request-billed plans). */
  multiplier?: number;
  restricted_to?: string[];
  /** AI-credit prices (API version 2026-08-01), kept as sent: usage/pricing.ts reads them. */
  token_prices?: Record<string, unknown>;
}

export interface CopilotModel {
  id: string;
  name?: string;
  vendor?: string;
  version?: string;
  preview?: boolean;
  /** false: an internal/utility model (hidden from `/v1/models` by default, still usable by id). */
  model_picker_enabled?: boolean;
  supported_endpoints?: string[];
  capabilities?: {
    type?: string;
    family?: string;
    tokenizer?: string;
    limits?: CopilotModelLimits;
    supports?: CopilotModelSupports;
  };
  billing?: CopilotModelBilling;
  /** `enabled`, `pending`, `requires_consent`…; absent means usable. */
  policy?: { state?: string; terms?: string };
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const num = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
const bool = (value: unknown): boolean | undefined => (typeof value === 'boolean' ? value : undefined);
const strings = (value: unknown): string[] | undefined => (Array.isArray(value) ? value.filter((e): e is string => typeof e === 'string') : undefined);

function dropUndefined<T extends object>(value: T): T {
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) if (record[key] === undefined) delete record[key];
  return value;
}

function parseBilling(raw: unknown): CopilotModelBilling | undefined {
  if (!isObject(raw)) return undefined;
  return dropUndefined({
    is_premium: bool(raw.is_premium),
    multiplier: num(raw.multiplier),
    restricted_to: strings(raw.restricted_to),
    token_prices: isObject(raw.token_prices) ? raw.token_prices : undefined,
  });
}

/** Parses one `/models` entry, or returns null when it is unusable (no string id). */
export function parseModelEntry(raw: unknown): CopilotModel | null {
  if (!isObject(raw)) return null;
  const id = str(raw.id);
  if (!id) return null;
  // Present but not an object: the entry's shape is broken, not merely incomplete.
  if (raw.capabilities !== undefined && raw.capabilities !== null && !isObject(raw.capabilities)) return null;
  const model: CopilotModel = dropUndefined({
    id,
    name: str(raw.name),
    vendor: str(raw.vendor),
    version: str(raw.version),
    preview: bool(raw.preview),
    model_picker_enabled: bool(raw.model_picker_enabled),
    supported_endpoints: strings(raw.supported_endpoints),
    billing: parseBilling(raw.billing),
    policy: isObject(raw.policy) ? dropUndefined({ state: str(raw.policy.state), terms: str(raw.policy.terms) }) : undefined,
  });
  const caps = raw.capabilities;
  if (isObject(caps)) {
    const limits = isObject(caps.limits)
      ? dropUndefined<CopilotModelLimits>({
          max_prompt_tokens: num(caps.limits.max_prompt_tokens),
          max_output_tokens: num(caps.limits.max_output_tokens),
          max_context_window_tokens: num(caps.limits.max_context_window_tokens),
          vision: isObject(caps.limits.vision) ? caps.limits.vision : undefined,
        })
      : undefined;
    let supports: CopilotModelSupports | undefined;
    if (isObject(caps.supports)) {
      supports = { ...caps.supports };
      if (supports.reasoning_effort !== undefined && !Array.isArray(supports.reasoning_effort)) delete supports.reasoning_effort;
    }
    model.capabilities = dropUndefined({ type: str(caps.type), family: str(caps.family), tokenizer: str(caps.tokenizer), limits, supports });
  }
  return model;
}

/** The entries of a `/models` answer (`{data:[…]}` or a bare array), or null for any other shape. */
export function modelListEntries(raw: unknown): unknown[] | null {
  return isObject(raw) && Array.isArray(raw.data) ? raw.data : Array.isArray(raw) ? raw : null;
}

/** Parses the whole list, skipping (and reporting) malformed entries instead of failing. */
export function parseModelList(raw: unknown, logger?: Logger): CopilotModel[] {
  const data = modelListEntries(raw);
  if (!data) throw new RelayError('upstream', 'The Copilot API returned an unexpected model list.');
  const models: CopilotModel[] = [];
  data.forEach((entry, index) => {
    const model = parseModelEntry(entry);
    if (model) models.push(model);
    else logger?.warn('Skipping a malformed model entry from the Copilot API', { index });
  });
  return models;
}

/** Shown in `/v1/models` by default: not an internal/utility model. */
export function isListedByDefault(model: CopilotModel): boolean {
  return model.model_picker_enabled !== false;
}

/** Usable as is: no policy, or policy `enabled`. Anything else needs the user's consent first. */
export function isPolicyEnabled(model: CopilotModel): boolean {
  const state = model.policy?.state;
  return state === undefined || state === 'enabled';
}
