import { countTokens } from '../../anthropic/count-tokens.js';
import { isObject } from '../../api/json.js';
import { allowedBetas, webSearchTool } from '../../api/messages/native.js';
import type { AnthropicRequest } from '../../api/messages/types.js';
import { errorFromUpstream, sendError } from '../errors.js';
import { lookUpModel } from '../model-lookup.js';
import { forwardGeneration } from '../pipeline.js';
import type { GenerationOptions } from '../pipeline.js';
import type { Route, RouteContext } from '../route.js';

/**
 * `POST /v1/messages` and `POST /v1/messages/count_tokens` (query strings such as `?beta=true`
 * are ignored by the router). Messages go through the forwarding pipeline: natively to Copilot's
 * `/v1/messages` when the model lists it, otherwise translated to the endpoint it has.
 */

export { allowedBetas };

function invalid(ctx: RouteContext, message: string): null {
  ctx.usage.errorCode = 'invalid_request_error';
  sendError(ctx.res, 'anthropic', 400, message, { type: 'invalid_request_error' });
  return null;
}

/** Mirrors Anthropic's own validation messages for the fields we can't do without. */
function validate(ctx: RouteContext, requireMaxTokens: boolean): AnthropicRequest | null {
  const body = ctx.body;
  if (!isObject(body)) return invalid(ctx, 'The request body must be a JSON object.');
  if (typeof body.model !== 'string' || !body.model.trim()) return invalid(ctx, 'model: Field required (a model id string).');
  if (!Array.isArray(body.messages)) return invalid(ctx, 'messages: Field required (an array of messages).');
  for (const [index, message] of body.messages.entries()) {
    // Claude Code puts `role:"system"` messages inside `messages` for non-Claude models.
    if (!isObject(message) || (message.role !== 'user' && message.role !== 'assistant' && message.role !== 'system')) {
      return invalid(ctx, `messages.${index}.role: Input should be 'user', 'assistant' or 'system'.`);
    }
    if (typeof message.content !== 'string' && !Array.isArray(message.content)) {
      return invalid(ctx, `messages.${index}.content: Input should be a string or an array of content blocks.`);
    }
  }
  if (!body.messages.some((m) => isObject(m) && m.role !== 'system')) return invalid(ctx, 'messages: at least one user or assistant message is required.');
  if (requireMaxTokens && (typeof body.max_tokens !== 'number' || !Number.isInteger(body.max_tokens) || body.max_tokens < 1)) {
    return invalid(ctx, 'max_tokens: Field required (a positive integer).');
  }
  const search = webSearchTool(body);
  if (search) return invalid(ctx, `tools: the server tool ${search} is not available through GitHub Copilot (Copilot runs no web search for the Messages API); remove it or use a client-side search tool.`);
  return body as AnthropicRequest;
}

export type AnthropicRouteOptions = GenerationOptions;

function messagesHandler(options: AnthropicRouteOptions): Route['handle'] {
  return (ctx) => {
    const request = validate(ctx, true);
    return request ? forwardGeneration(ctx, 'messages', request, options) : Promise.resolve();
  };
}

const countTokensHandler: Route['handle'] = async (ctx) => {
  const request = validate(ctx, false);
  if (!request) return;
  ctx.usage.clientApi = 'count_tokens';
  ctx.usage.modelRequested = request.model;
  ctx.setLogFields({ model: request.model });
  try {
    const lookup = await lookUpModel(ctx, request.model);
    if (!lookup.found) {
      ctx.usage.errorCode = lookup.code;
      sendError(ctx.res, 'anthropic', lookup.status, lookup.message, { code: lookup.code, headers: lookup.headers });
      return;
    }
    const result = await countTokens(request, lookup.model);
    const payload = JSON.stringify(result);
    ctx.res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) });
    ctx.res.end(payload);
  } catch (error) {
    if (ctx.signal.aborted) return;
    errorFromUpstream(ctx.res, 'anthropic', error);
  }
};

export function createAnthropicRoutes(options: AnthropicRouteOptions = {}): Route[] {
  return [
    { method: 'POST', path: '/v1/messages', dialect: 'anthropic', handle: messagesHandler(options) },
    { method: 'POST', path: '/v1/messages/count_tokens', dialect: 'anthropic', handle: countTokensHandler },
  ];
}

export const anthropicRoutes: Route[] = createAnthropicRoutes();
