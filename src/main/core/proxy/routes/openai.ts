import type { CopilotIntent } from '../../copilot/headers.js';
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

const post = (path: string, handle: Route['handle']): Route => ({ method: 'POST', path, dialect: 'openai', handle });

export const openaiRoutes: Route[] = [
  post('/v1/chat/completions', chat),
  post('/chat/completions', chat),
  post('/v1/responses', responses),
  post('/responses', responses),
  post('/v1/embeddings', embeddings),
  post('/embeddings', embeddings),
];
