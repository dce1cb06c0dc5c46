import { RelayError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { CopilotClient } from './client.js';
import { checkClientIdentity, clearClientIdentityRejection } from './identity-check.js';
import { isPolicyEnabled, modelListEntries, parseModelList } from './model-entry.js';
import type { CopilotModel, ModelEndpoint } from './model-entry.js';
import { modelIdProblem, modelNotFoundMessage, resolveModel } from './model-resolve.js';
import type { ModelKind } from './model-resolve.js';

// The catalogue's types live in model-entry.ts; most of the code imports them from here.
export type { CopilotModel, CopilotModelBilling, CopilotModelLimits, CopilotModelSupports, ModelEndpoint } from './model-entry.js';
export { isListedByDefault, isPolicyEnabled, parseModelEntry, parseModelList } from './model-entry.js';

export interface ModelCatalogOptions {
  copilot: CopilotClient;
  logger: Logger;
  ttlMs?: number;
  now?: () => number;
}

/** A request's model, resolved: the model, or the answer to give (relay-originated, never worth retrying). */
export type ModelLookup =
  | { ok: true; model: CopilotModel; via: 'exact' | 'alias' | 'family-upgrade' }
  | { ok: false; status: 400 | 403 | 404; code: 'missing_model' | 'model_id_too_long' | 'model_not_found' | 'model_not_enabled'; message: string; headers: Record<string, string> };

/** Called with the raw `/models` entries after each successful (re)load: e.g. the usage price book. */
export type ModelListListener = (entries: readonly unknown[], models: readonly CopilotModel[]) => void;

/** An unknown or not-enabled model triggers at most one early refresh per this long (new model, or just enabled). */
const RECHECK_AFTER_MS = 15_000;
const NO_RETRY = { 'x-should-retry': 'false' };

/** The 403 for a model whose policy isn't enabled, saying how to enable it. */
export function modelNotEnabledMessage(model: CopilotModel): string {
  return `model: ${model.id} is not enabled for your GitHub Copilot account (policy: ${model.policy?.state ?? 'unknown'}). Enable it with \`copilot-relay models enable ${model.id}\` (this accepts the model's terms for your account) or in your Copilot settings on GitHub.`;
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
  /** When the last refresh started (bounds the early refreshes `maxAgeMs` asks for). */
  private attemptedAt = Number.NEGATIVE_INFINITY;
  private inflight: Promise<CopilotModel[]> | null = null;
  private readonly listeners = new Set<ModelListListener>();

  constructor(options: ModelCatalogOptions) {
    this.copilot = options.copilot;
    this.logger = options.logger;
    this.ttlMs = options.ttlMs ?? 10 * 60_000;
    this.now = options.now ?? Date.now;
  }

  /**
   * The list. `maxAgeMs` asks for one fetched more recently than the TTL requires, at most one
   * attempt per `maxAgeMs` (an upstream outage must not turn every such call into a fetch).
   */
  async list(signal?: AbortSignal, options: { maxAgeMs?: number } = {}): Promise<CopilotModel[]> {
    if (this.models) {
      const now = this.now();
      const stale = now - this.fetchedAt >= this.ttlMs;
      const early = options.maxAgeMs !== undefined && now - this.fetchedAt >= options.maxAgeMs && now - this.attemptedAt >= options.maxAgeMs;
      if (!stale && !early) return this.models;
    }
    const shared = (this.inflight ??= this.refresh().finally(() => {
      this.inflight = null;
    }));
    if (!signal) return shared;
    // One caller going away must not cancel the shared fetch, and its abort listener is removed
    // when the fetch settles (RT-11: a listener left per call leaked).
    return new Promise<CopilotModel[]>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      shared.then(
        (models) => {
          signal.removeEventListener('abort', onAbort);
          resolve(models);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    });
  }

  async get(id: string, signal?: AbortSignal): Promise<CopilotModel | undefined> {
    await this.list(signal).catch((error: unknown) => {
      if (!this.models) throw error;
    });
    return this.byId.get(id);
  }

  /**
   * The model a request names, for any route: the id is checked (length cap), resolved (exact, case,
   * Anthropic and OpenAI spellings) and its policy checked. Upstream failures of the list throw.
   */
  async resolve(requested: unknown, options: { signal?: AbortSignal; kind?: ModelKind } = {}): Promise<ModelLookup> {
    const problem = modelIdProblem(requested);
    if (problem !== null || typeof requested !== 'string') {
      const tooLong = typeof requested === 'string' && requested.trim() !== '';
      return { ok: false, status: 400, code: tooLong ? 'model_id_too_long' : 'missing_model', message: problem ?? '', headers: NO_RETRY };
    }
    let resolution = resolveModel(requested, await this.list(options.signal), { kind: options.kind });
    if (!resolution.found || !isPolicyEnabled(resolution.model)) {
      // The list may predate a new model or a policy the user just accepted.
      resolution = resolveModel(requested, await this.list(options.signal, { maxAgeMs: RECHECK_AFTER_MS }), { kind: options.kind });
    }
    if (!resolution.found) return { ok: false, status: 404, code: 'model_not_found', message: modelNotFoundMessage(requested, resolution.suggestions), headers: NO_RETRY };
    if (!isPolicyEnabled(resolution.model)) return { ok: false, status: 403, code: 'model_not_enabled', message: modelNotEnabledMessage(resolution.model), headers: NO_RETRY };
    return { ok: true, model: resolution.model, via: resolution.via };
  }

  /** True when the model lists the endpoint; models without `supported_endpoints` only do chat. */
  supportsEndpoint(model: CopilotModel | undefined, endpoint: ModelEndpoint): boolean {
    if (!model) return endpoint === '/chat/completions';
    if (!model.supported_endpoints || model.supported_endpoints.length === 0) return endpoint === '/chat/completions';
    return model.supported_endpoints.includes(endpoint);
  }

  /**
   * Accepts a model's policy (terms) for the signed-in account: `POST /models/{id}/policy`. Only
   * on the user's explicit request (`copilot-relay models enable <id>`), never automatically.
   */
  async enablePolicy(id: string, signal?: AbortSignal): Promise<void> {
    const res = await this.copilot.request({ method: 'POST', path: `/models/${encodeURIComponent(id)}/policy`, body: { state: 'enabled' }, intent: 'chat-policy', signal });
    if (res.status >= 200 && res.status < 300) {
      await res.dump();
      this.fetchedAt = 0;
      return;
    }
    const failure = await this.failure(res.status, () => res.text(), `enabling ${id}`);
    throw res.status === 404 && failure.kind === 'upstream' ? new RelayError('config', `The Copilot API has no model "${id}".`, { fix: 'Run `copilot-relay models` for the ids.', desktopFix: 'Pick an id from the model list.', status: 404 }) : failure;
  }

  /** Listens to each successful (re)load; returns the unsubscribe. */
  onList(listener: ModelListListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The RelayError for a failed Copilot answer: "client identity outdated" when it is that. */
  private async failure(status: number, text: () => Promise<string>, what: string): Promise<RelayError> {
    let body: unknown = '';
    try {
      const raw = (await text()).slice(0, 64 * 1024);
      try {
        body = JSON.parse(raw) as unknown;
      } catch {
        body = raw;
      }
    } catch {
      // The status alone still says what happened.
    }
    return checkClientIdentity(status, body) ?? new RelayError(status === 429 ? 'rate-limited' : 'upstream', `The Copilot API answered ${status} for ${what}.`, { status });
  }

  private async refresh(): Promise<CopilotModel[]> {
    this.attemptedAt = this.now();
    try {
      // Shared by every waiting caller, so no caller's signal; a bounded one of its own lets the
      // session provider wait out a transient exchange failure (as it does for the callers' requests).
      const res = await this.copilot.request({ method: 'GET', path: '/models', intent: 'model-access', signal: AbortSignal.timeout(60_000) });
      if (res.status !== 200) throw await this.failure(res.status, () => res.text(), 'the model list');
      const raw = await res.json();
      const models = parseModelList(raw, this.logger);
      this.models = models;
      this.byId = new Map(models.map((m) => [m.id, m]));
      this.fetchedAt = this.now();
      clearClientIdentityRejection();
      this.notify(modelListEntries(raw) ?? [], models);
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

  private notify(entries: readonly unknown[], models: readonly CopilotModel[]): void {
    for (const listener of this.listeners) {
      try {
        listener(entries, models);
      } catch (error) {
        this.logger.warn('Model list listener failed', { error: error instanceof Error ? error.message : String(error) });
      }
    }
  }
}
