import { isObject } from '../../api/json.js';
import type { Json } from '../../api/json.js';
import { sendError } from '../errors.js';
import { forwardGeneration, forwardPassThrough } from '../pipeline.js';
import type { Route, RouteContext } from '../route.js';

/** The fields every OpenAI-shaped route needs before anything goes upstream; null when answered 400. */
function requireObjectBody(ctx: RouteContext, check?: (body: Json) => string | null): Json | null {
  const fail = (message: string, code: string | null = null): null => {
    ctx.usage.errorCode = code ?? 'invalid_request';
    sendError(ctx.res, 'openai', 400, message, { code });
    return null;
  };
  if (!isObject(ctx.body)) return fail('The request body must be a JSON object.');
  if (typeof ctx.body.model !== 'string' || !ctx.body.model) return fail('The request body needs a "model" string.', 'missing_model');
  const problem = check?.(ctx.body);
  return problem ? fail(problem) : ctx.body;
}

const checkChat = (body: Json): string | null => (Array.isArray(body.messages) ? null : 'messages: expected an array of messages.');
const checkResponses = (body: Json): string | null =>
  body.input === undefined || typeof body.input === 'string' || Array.isArray(body.input) ? null : 'input: expected a string or an array of input items.';

// Handlers return the pipeline's promise as is (no async wrapper: one promise less per request).
const DONE = Promise.resolve();

const chat = (ctx: RouteContext): Promise<void> => {
  const body = requireObjectBody(ctx, checkChat);
  return body ? forwardGeneration(ctx, 'chat', body) : DONE;
};

const responses = (ctx: RouteContext): Promise<void> => {
  const body = requireObjectBody(ctx, checkResponses);
  return body ? forwardGeneration(ctx, 'responses', body) : DONE;
};

const embeddings = (ctx: RouteContext): Promise<void> => {
  const body = requireObjectBody(ctx);
  return body ? forwardPassThrough(ctx, body) : DONE;
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
