import { RelayError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { CopilotClient } from './client.js';

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

/** One entry of CAPI `/models`, parsed tolerantly: only `id` is required. */
export interface CopilotModel {
  id: string;
  name?: string;
  vendor?: string;
  version?: string;
  preview?: boolean;
  model_picker_enabled?: boolean;
  supported_endpoints?: string[];
  capabilities?: {
    type?: string;
    family?: string;
    tokenizer?: string;
    limits?: CopilotModelLimits;
    supports?: CopilotModelSupports;
  };
  policy?: { state?: string };
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const num = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
const bool = (value: unknown): boolean | undefined => (typeof value === 'boolean' ? value : undefined);

function dropUndefined<T extends object>(value: T): T {
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) if (record[key] === undefined) delete record[key];
  return value;
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
    supported_endpoints: Array.isArray(raw.supported_endpoints) ? raw.supported_endpoints.filter((e): e is string => typeof e === 'string') : undefined,
    policy: isObject(raw.policy) ? dropUndefined({ state: str(raw.policy.state) }) : undefined,
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

/** Parses the whole list, skipping (and reporting) malformed entries instead of failing. */
export function parseModelList(raw: unknown, logger?: Logger): CopilotModel[] {
  const data = isObject(raw) && Array.isArray(raw.data) ? raw.data : Array.isArray(raw) ? raw : null;
  if (!data) throw new RelayError('upstream', 'The Copilot API returned an unexpected model list.');
  const models: CopilotModel[] = [];
  data.forEach((entry, index) => {
    const model = parseModelEntry(entry);
    if (model) models.push(model);
    else logger?.warn('Skipping a malformed model entry from the Copilot API', { index });
  });
  return models;
}

export interface ModelCatalogOptions {
  copilot: CopilotClient;
  logger: Logger;
  ttlMs?: number;
  now?: () => number;
}

/**
 * The upstream model list, cached (~10 min like VS Code). A failed or rate-limited refresh keeps
 * the previous list; concurrent refreshes share one request.
 */
export class ModelCatalog {
  private readonly copilot: CopilotClient;
  private readonly logger: Logger;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private models: CopilotModel[] | null = null;
  private byId = new Map<string, CopilotModel>();
  private fetchedAt = 0;
  private inflight: Promise<CopilotModel[]> | null = null;

  constructor(options: ModelCatalogOptions) {
    this.copilot = options.copilot;
    this.logger = options.logger;
    this.ttlMs = options.ttlMs ?? 10 * 60_000;
    this.now = options.now ?? Date.now;
  }

  async list(signal?: AbortSignal): Promise<CopilotModel[]> {
    if (this.models && this.now() - this.fetchedAt < this.ttlMs) return this.models;
    this.inflight ??= this.refresh().finally(() => {
      this.inflight = null;
    });
    if (!signal) return this.inflight;
    // One caller going away must not cancel the shared fetch.
    return await Promise.race([
      this.inflight,
      new Promise<never>((_, reject) => {
        if (signal.aborted) reject(signal.reason);
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      }),
    ]);
  }

  async get(id: string, signal?: AbortSignal): Promise<CopilotModel | undefined> {
    await this.list(signal).catch((error: unknown) => {
      if (!this.models) throw error;
    });
    return this.byId.get(id);
  }

  /** True when the model lists the endpoint; models without `supported_endpoints` only do chat. */
  supportsEndpoint(model: CopilotModel | undefined, endpoint: ModelEndpoint): boolean {
    if (!model) return endpoint === '/chat/completions';
    if (!model.supported_endpoints || model.supported_endpoints.length === 0) return endpoint === '/chat/completions';
    return model.supported_endpoints.includes(endpoint);
  }

  private async refresh(): Promise<CopilotModel[]> {
    try {
      // Shared by every waiting caller, so no caller's signal; a bounded one of its own lets the
      // session provider wait out a transient exchange failure (as it does for the callers' requests).
      const res = await this.copilot.request({ method: 'GET', path: '/models', intent: 'model-access', signal: AbortSignal.timeout(60_000) });
      if (res.status !== 200) {
        await res.dump();
        throw new RelayError(res.status === 429 ? 'rate-limited' : 'upstream', `The Copilot API answered ${res.status} for the model list.`, { status: res.status });
      }
      const models = parseModelList(await res.json(), this.logger);
      this.models = models;
      this.byId = new Map(models.map((m) => [m.id, m]));
      this.fetchedAt = this.now();
      return models;
    } catch (error) {
      if (this.models) {
        this.logger.warn('Model list refresh failed; keeping the previous list', { error: error instanceof Error ? error.message : String(error) });
        // Try again in a minute rather than on every request.
        this.fetchedAt = this.now() - this.ttlMs + 60_000;
        return this.models;
      }
      throw error;
    }
  }
}
