import { IDENTITY_OUTDATED_CODE } from '../../copilot/identity-check.js';
import { isListedByDefault, isPolicyEnabled } from '../../copilot/models.js';
import type { CopilotModel } from '../../copilot/models.js';
import { modelIdProblem, modelNotFoundMessage, parseClaudeId, resolveModel } from '../../copilot/model-resolve.js';
import { isRelayError } from '../../errors.js';
import { errorFromUpstream, sendError } from '../errors.js';
import type { Dialect, Route, RouteContext } from '../route.js';

/**
 * `GET /v1/models` (and `/models`) and `GET /v1/models/{id}`: the OpenAI list shape by default, the
 * Anthropic Models shape when the request carries `anthropic-version` (Claude Code ≥ 2.1.126 reads
 * only that one, from `GET /v1/models?limit=1000`). Utility models (`model_picker_enabled: false`)
 * are left out of the list unless `?all=true`; they stay usable and retrievable by id.
 */

type Json = Record<string, unknown>;

/** Copilot has no release dates: the epoch, as Anthropic's API does when a date is unknown. */
const UNKNOWN_DATE = '1970-01-01T00:00:00Z';
const NO_RETRY = { 'x-should-retry': 'false' };
const MAX_PAGE = 1000;

/** OpenAI `/v1/models` entry: the standard fields plus limits and capabilities (needed for compaction). */
export function toOpenAiModel(model: CopilotModel): Json {
  const limits = model.capabilities?.limits;
  const supports = model.capabilities?.supports;
  const entry: Json = {
    id: model.id,
    object: 'model',
    created: 0,
    owned_by: model.vendor ?? 'github-copilot',
    name: model.name ?? model.id,
  };
  if (model.capabilities?.type) entry.type = model.capabilities.type;
  if (model.capabilities?.family) entry.family = model.capabilities.family;
  if (limits?.max_context_window_tokens !== undefined) entry.context_window = limits.max_context_window_tokens;
  if (limits?.max_prompt_tokens !== undefined) entry.max_prompt_tokens = limits.max_prompt_tokens;
  if (limits?.max_output_tokens !== undefined) entry.max_output_tokens = limits.max_output_tokens;
  if (supports) {
    entry.capabilities = {
      streaming: supports.streaming ?? null,
      tool_calls: supports.tool_calls ?? null,
      vision: supports.vision ?? null,
      structured_outputs: supports.structured_outputs ?? null,
      thinking: supports.thinking ?? null,
    };
  }
  if (model.supported_endpoints) entry.supported_endpoints = model.supported_endpoints;
  if (model.preview !== undefined) entry.preview = model.preview;
  // Not enabled yet: using it answers 403 saying how to enable it (`copilot-relay models enable <id>`).
  if (model.policy?.state !== undefined) entry.policy_state = model.policy.state;
  return entry;
}

/** Anthropic Models API `ModelInfo` (the fields Copilot can fill; `capabilities` unknown → null). */
export function toAnthropicModel(model: CopilotModel): Json {
  const limits = model.capabilities?.limits;
  const name = model.name ?? model.id;
  return {
    type: 'model',
    id: model.id,
    display_name: isPolicyEnabled(model) ? name : `${name} (not enabled: copilot-relay models enable ${model.id})`,
    created_at: UNKNOWN_DATE,
    max_input_tokens: limits?.max_prompt_tokens ?? limits?.max_context_window_tokens ?? null,
    max_tokens: limits?.max_output_tokens ?? null,
    capabilities: null,
    lifecycle: 'active',
    deprecated_at: null,
    retires_at: null,
    line: parseClaudeId(model.id)?.family ?? null,
  };
}

function dialectOf(ctx: RouteContext): Dialect {
  return ctx.req.headers['anthropic-version'] !== undefined ? 'anthropic' : 'openai';
}

function sendJson(ctx: RouteContext, value: unknown): void {
  const payload = JSON.stringify(value);
  ctx.res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(payload) });
  ctx.res.end(payload);
}

function query(ctx: RouteContext): URLSearchParams {
  const url = ctx.req.url ?? '';
  const q = url.indexOf('?');
  return new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
}

function badRequest(ctx: RouteContext, dialect: Dialect, message: string): void {
  sendError(ctx.res, dialect, 400, message, { code: 'invalid_request', headers: NO_RETRY });
}

/** The model list failed upstream: an outdated client identity says how to override it; the rest map as usual. */
function listFailed(ctx: RouteContext, dialect: Dialect, error: unknown): void {
  if (ctx.signal.aborted) return;
  if (isRelayError(error) && error.kind === 'client-outdated') {
    sendError(ctx.res, dialect, 502, `${error.message} ${error.fix ?? ''}`.trim(), { code: IDENTITY_OUTDATED_CODE, headers: NO_RETRY });
    return;
  }
  errorFromUpstream(ctx.res, dialect, error);
}

async function loadList(ctx: RouteContext, dialect: Dialect): Promise<CopilotModel[] | null> {
  try {
    return await ctx.models.list(ctx.signal);
  } catch (error) {
    listFailed(ctx, dialect, error);
    return null;
  }
}

/** One page in Anthropic's cursor style: `limit` (1–1000, default 20), `after_id` or `before_id`. */
function anthropicPage(ctx: RouteContext, models: CopilotModel[], params: URLSearchParams): Json | null {
  const rawLimit = params.get('limit');
  const limit = rawLimit === null ? 20 : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    badRequest(ctx, 'anthropic', `limit: must be an integer from 1 to ${MAX_PAGE}.`);
    return null;
  }
  const cursor = (name: 'after_id' | 'before_id'): number | null | undefined => {
    const id = params.get(name);
    if (id === null) return null;
    const index = models.findIndex((m) => m.id === id);
    if (index >= 0) return index;
    badRequest(ctx, 'anthropic', `${name}: no model with id ${JSON.stringify(id.slice(0, 100))} in this list.`);
    return undefined;
  };
  const after = cursor('after_id');
  const before = after === undefined ? undefined : cursor('before_id');
  if (after === undefined || before === undefined) return null;
  let start: number;
  let end: number;
  if (before !== null) {
    end = before;
    start = Math.max(0, end - limit);
  } else {
    start = after === null ? 0 : after + 1;
    end = Math.min(models.length, start + limit);
  }
  const page = models.slice(start, end).map(toAnthropicModel);
  return {
    data: page,
    has_more: before !== null ? start > 0 : end < models.length,
    first_id: (page[0]?.id as string | undefined) ?? null,
    last_id: (page.at(-1)?.id as string | undefined) ?? null,
  };
}

const list: Route['handle'] = async (ctx) => {
  const dialect = dialectOf(ctx);
  const models = await loadList(ctx, dialect);
  if (!models) return;
  const params = query(ctx);
  const all = params.get('all');
  const shown = all === 'true' || all === '1' ? models : models.filter(isListedByDefault);
  if (dialect === 'openai') {
    sendJson(ctx, { object: 'list', data: shown.map(toOpenAiModel) });
    return;
  }
  const page = anthropicPage(ctx, shown, params);
  if (page) sendJson(ctx, page);
};

function pathParam(ctx: RouteContext, prefix: string): string | null {
  const url = ctx.req.url ?? '';
  const q = url.indexOf('?');
  try {
    return decodeURIComponent((q === -1 ? url : url.slice(0, q)).slice(prefix.length));
  } catch {
    return null;
  }
}

/** `GET …/models/{id}`: every model by id (utility and not-yet-enabled ones too), spellings resolved. */
const retrieve =
  (prefix: string): Route['handle'] =>
  async (ctx) => {
    const dialect = dialectOf(ctx);
    const id = pathParam(ctx, prefix);
    const problem = id === null ? 'The model id in the path is not valid percent-encoding.' : modelIdProblem(id);
    if (problem !== null || id === null) {
      badRequest(ctx, dialect, problem ?? '');
      return;
    }
    ctx.setLogFields({ model: id });
    const models = await loadList(ctx, dialect);
    if (!models) return;
    const resolution = resolveModel(id, models);
    if (!resolution.found) {
      sendError(ctx.res, dialect, 404, modelNotFoundMessage(id, resolution.suggestions), { code: 'model_not_found', headers: NO_RETRY });
      return;
    }
    sendJson(ctx, dialect === 'openai' ? toOpenAiModel(resolution.model) : toAnthropicModel(resolution.model));
  };

const get = (path: string, handle: Route['handle'], prefix = false): Route => ({ method: 'GET', path, dialect: 'openai', handle, ...(prefix ? { prefix } : {}) });

export const modelRoutes: Route[] = [
  get('/v1/models', list),
  get('/models', list),
  get('/v1/models/', retrieve('/v1/models/'), true),
  get('/models/', retrieve('/models/'), true),
];
