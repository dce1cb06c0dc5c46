import type { CopilotIntent } from '../../copilot/headers.js';
import type { CopilotModel } from '../../copilot/models.js';
import { hasImagesChat, hasImagesResponses, initiatorForChat, initiatorForResponses } from '../../copilot/initiator.js';
import { errorFromUpstream, sendError } from '../errors.js';
import { relayResponse } from '../forward.js';
import type { Route, RouteContext } from '../route.js';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** GPT-5.x and o-series reject `max_tokens` and want `max_completion_tokens` (protocol doc §8). */
export function needsMaxCompletionTokens(model: string): boolean {
  return /^(?:gpt-5|o\d)/i.test(model);
}

export function mapMaxTokens(body: Json): Json {
  if (typeof body.model !== 'string' || body.max_tokens === undefined || !needsMaxCompletionTokens(body.model)) return body;
  const { max_tokens: maxTokens, ...rest } = body;
  return rest.max_completion_tokens === undefined ? { ...rest, max_completion_tokens: maxTokens } : rest;
}

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
  return entry;
}

function requireObjectBody(ctx: RouteContext): Json | null {
  if (!isObject(ctx.body)) {
    sendError(ctx.res, 'openai', 400, 'The request body must be a JSON object.');
    return null;
  }
  if (typeof ctx.body.model !== 'string' || !ctx.body.model) {
    sendError(ctx.res, 'openai', 400, 'The request body needs a "model" string.', { code: 'missing_model' });
    return null;
  }
  return ctx.body;
}

async function forward(ctx: RouteContext, path: string, intent: CopilotIntent, body: Json, extra: { initiator?: 'user' | 'agent'; vision?: boolean }): Promise<void> {
  // Unmodified bodies go upstream as the caller's bytes: no re-serialisation of long conversations.
  const rawBody = body === ctx.body ? ctx.rawBody : undefined;
  const stream = body.stream === true;
  ctx.setLogFields({ model: body.model as string, stream });
  try {
    const upstream = await ctx.copilot.request({
      method: 'POST',
      path,
      body,
      rawBody,
      intent,
      initiator: extra.initiator,
      vision: extra.vision,
      requestId: ctx.requestId,
      signal: ctx.signal,
      stream,
    });
    await relayResponse(ctx, 'openai', upstream, stream);
  } catch (error) {
    if (ctx.signal.aborted) return;
    errorFromUpstream(ctx.res, 'openai', error);
  }
}

// Handlers return forward's promise as is (no async wrapper: one promise less per request).
const DONE = Promise.resolve();

const chat = (ctx: RouteContext): Promise<void> => {
  const body = requireObjectBody(ctx);
  if (!body) return DONE;
  return forward(ctx, '/chat/completions', 'conversation-panel', mapMaxTokens(body), {
    initiator: initiatorForChat(body.messages),
    vision: hasImagesChat(body.messages),
  });
};

const responses = (ctx: RouteContext): Promise<void> => {
  const body = requireObjectBody(ctx);
  if (!body) return DONE;
  return forward(ctx, '/responses', 'conversation-panel', body, {
    initiator: initiatorForResponses(body.input),
    vision: hasImagesResponses(body.input),
  });
};

const embeddings = (ctx: RouteContext): Promise<void> => {
  const body = requireObjectBody(ctx);
  if (!body) return DONE;
  return forward(ctx, '/embeddings', 'conversation-embeddings', body, {});
};

const models = async (ctx: RouteContext) => {
  try {
    const list = await ctx.models.list(ctx.signal);
    const payload = JSON.stringify({ object: 'list', data: list.map(toOpenAiModel) });
    ctx.res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(payload) });
    ctx.res.end(payload);
  } catch (error) {
    if (ctx.signal.aborted) return;
    errorFromUpstream(ctx.res, 'openai', error);
  }
};

const post = (path: string, handle: Route['handle']): Route => ({ method: 'POST', path, dialect: 'openai', handle });
const get = (path: string, handle: Route['handle']): Route => ({ method: 'GET', path, dialect: 'openai', handle });

export const openaiRoutes: Route[] = [
  get('/v1/models', models),
  get('/models', models),
  post('/v1/chat/completions', chat),
  post('/chat/completions', chat),
  post('/v1/responses', responses),
  post('/responses', responses),
  post('/v1/embeddings', embeddings),
  post('/embeddings', embeddings),
];
