import { countRequest } from '../anthropic/count-tokens.js';
import { ENDPOINT_OF } from '../api/ir.js';
import type { GenerationApi } from '../api/ir.js';
import type { Json } from '../api/json.js';
import { allowedBetas, nativeMessagesRequest } from '../api/messages/native.js';
import type { AnthropicRequest } from '../api/messages/types.js';
import { nativeChatRequest, nativeResponsesRequest } from '../api/native.js';
import type { NativeRequest } from '../api/native.js';
import { planUpstream, translateRequest } from '../api/plan.js';
import type { CopilotIntent } from '../copilot/headers.js';
import { hasImagesAnthropic, hasImagesChat, hasImagesResponses, initiatorForAnthropic, initiatorForChat, initiatorForResponses } from '../copilot/initiator.js';
import type { CopilotModel } from '../copilot/models.js';
import { errorFromUpstream, sendError } from './errors.js';
import { lookUpModel } from './model-lookup.js';
import { relayNative, relayTranslated } from './relay-answer.js';
import type { Dialect, RouteContext } from './route.js';
import { answerRefusal, answerUpstreamFailure, passHeaders, readUpstreamFailure } from './upstream-errors.js';

/**
 * The one forwarding pipeline for every generation route (chat completions, Responses, Messages):
 *   resolve model → plan the upstream endpoint (supported_endpoints) → admit (usage observer) →
 *   native body or adapter.toUpstream → Copilot → observe → native relay or adapter.fromUpstream
 *   (stream events mapped one by one, with backpressure) → caller.
 * Every error leaves through the one mapper, in the caller's dialect. The request's usage record
 * (ctx.usage) is filled on the way.
 */

export interface GenerationOptions {
  /** Anthropic `ping` interval while the upstream is silent (default 10 s, like Anthropic). */
  pingIntervalMs?: number;
}

export const dialectOf = (api: GenerationApi): Dialect => (api === 'messages' ? 'anthropic' : 'openai');

/**
 * `OpenAI-Intent` by upstream endpoint, as VS Code sends it: its local proxies for outside agents
 * (Claude Code, Codex) use `messages-proxy` and `responses-proxy`; chat with tools is agent traffic.
 */
function intentFor(upstream: GenerationApi, upstreamBody: Json): CopilotIntent {
  if (upstream === 'messages') return 'messages-proxy';
  if (upstream === 'responses') return 'responses-proxy';
  return Array.isArray(upstreamBody.tools) && upstreamBody.tools.length > 0 ? 'conversation-agent' : 'conversation-panel';
}

/** X-Initiator and Copilot-Vision-Request, computed on the caller's own messages (protocol doc §6.3–6.4). */
function callerFacts(api: GenerationApi, body: Json): { initiator: 'user' | 'agent'; vision: boolean } {
  if (api === 'chat') return { initiator: initiatorForChat(body.messages), vision: hasImagesChat(body.messages) };
  if (api === 'responses') return { initiator: initiatorForResponses(body.input), vision: hasImagesResponses(body.input) };
  return { initiator: initiatorForAnthropic(body.messages), vision: hasImagesAnthropic(body.messages) };
}

function nativeRequest(api: GenerationApi, body: Json, model: CopilotModel, betas: string | undefined): NativeRequest {
  if (api === 'chat') return nativeChatRequest(body, model);
  if (api === 'responses') return nativeResponsesRequest(body, model);
  return nativeMessagesRequest(body, model, betas);
}

export async function forwardGeneration(ctx: RouteContext, api: GenerationApi, body: Json, options: GenerationOptions = {}): Promise<void> {
  const dialect = dialectOf(api);
  try {
    await forward(ctx, api, dialect, body, options);
  } catch (error) {
    if (ctx.signal.aborted) return;
    ctx.usage.errorCode = errorFromUpstream(ctx.res, dialect, error).code ?? 'internal_error';
  }
}

async function forward(ctx: RouteContext, api: GenerationApi, dialect: Dialect, body: Json, options: GenerationOptions): Promise<void> {
  const requested = body.model as string;
  const stream = body.stream === true;
  const facts = callerFacts(api, body);
  const usage = ctx.usage;
  // An absurd id (the resolver refuses one past 256 characters) must not reach the log or the ledger whole.
  const shown = requested.length > 256 ? `${requested.slice(0, 100)}…` : requested;
  usage.clientApi = api;
  usage.modelRequested = shown;
  usage.stream = stream;
  usage.initiator = facts.initiator;
  ctx.setLogFields({ model: shown, stream });

  const lookup = await lookUpModel(ctx, requested);
  if (!lookup.found) {
    usage.errorCode = lookup.code;
    sendError(ctx.res, dialect, lookup.status, lookup.message, { code: lookup.code, headers: lookup.headers });
    return;
  }
  const model = lookup.model;
  const upstreamApi = lookup.known ? planUpstream(api, (endpoint) => ctx.models.supportsEndpoint(model, endpoint)) : api;
  if (!upstreamApi) {
    usage.errorCode = 'unsupported_api_for_model';
    const endpoints = model.supported_endpoints?.join(', ') || 'none';
    sendError(ctx.res, dialect, 400, `model: ${model.id} can't answer chat completions, the Responses API or the Messages API through Copilot (its endpoints: ${endpoints}).`, { code: 'unsupported_api_for_model' });
    return;
  }
  usage.modelServed = model.id;
  usage.upstreamEndpoint = ENDPOINT_OF[upstreamApi];
  if (model.id !== requested) ctx.setLogFields({ model: model.id, stream });

  const refusal = ctx.usageObserver.admit({ clientApi: api, model: model.id });
  if (refusal) return answerRefusal(ctx, dialect, refusal);

  const native = upstreamApi === api;
  if (!native && api === 'responses' && body.previous_response_id !== undefined && body.previous_response_id !== null) {
    // The stored conversation lives on Copilot's /responses: another endpoint can't continue it.
    usage.errorCode = 'previous_response_not_supported';
    sendError(ctx.res, dialect, 400, `previous_response_id: ${model.id} answers through ${ENDPOINT_OF[upstreamApi]}, which keeps no stored responses; send the whole conversation in input instead.`, { code: 'previous_response_not_supported' });
    return;
  }
  const betas = api === 'messages' && native ? allowedBetas(ctx.req.headers['anthropic-beta']) : undefined;
  let upstreamBody: Json;
  let rawBody: Buffer | undefined;
  let localStop: string[] | undefined;
  if (native) {
    const prepared = nativeRequest(api, body, model, betas);
    upstreamBody = prepared.body;
    // Unmodified bodies go upstream as the caller's bytes: no re-serialisation of long conversations.
    rawBody = !prepared.changed && body === ctx.body ? ctx.rawBody : undefined;
  } else {
    const translation = translateRequest(api, upstreamApi, body, model);
    upstreamBody = translation.body;
    localStop = translation.localStop;
  }
  // Messages callers translated elsewhere get an input estimate in message_start, counted on the
  // token worker while the upstream thinks (it never rejects).
  const estimate = !native && api === 'messages' && stream ? countRequest(body as AnthropicRequest, model) : null;

  const upstream = await ctx.copilot.request({
    method: 'POST',
    path: ENDPOINT_OF[upstreamApi],
    body: upstreamBody,
    rawBody,
    intent: intentFor(upstreamApi, upstreamBody),
    initiator: facts.initiator,
    vision: facts.vision,
    extraHeaders: betas ? { 'anthropic-beta': betas } : undefined,
    requestId: ctx.requestId,
    signal: ctx.signal,
    stream,
  });
  if (upstream.status < 200 || upstream.status >= 300) {
    const failure = await readUpstreamFailure(upstream);
    const replaced = ctx.usageObserver.observeUpstream({ status: upstream.status, headers: upstream.headers, errorBody: failure.json, model: model.id });
    if (replaced) return answerRefusal(ctx, dialect, replaced, passHeaders(upstream));
    return answerUpstreamFailure(ctx, dialect, upstream, failure, native);
  }
  ctx.usageObserver.observeUpstream({ status: upstream.status, headers: upstream.headers, model: model.id });
  if (native) return relayNative(ctx, api, upstream, stream, requested);
  const counted = estimate ? await estimate : null;
  if (counted?.basis === 'rough') ctx.logger.warn('Token count is a rough estimate: the counting worker is unavailable or overloaded', { requestId: ctx.requestId });
  return relayTranslated(ctx, { upstreamApi, clientApi: api, upstream, stream, requested, localStop, model, inputTokens: counted?.tokens ?? null, pingIntervalMs: options.pingIntervalMs });
}

/** `/embeddings`: no plan or translation, the same upstream call, error mapping and answer relay. */
export async function forwardPassThrough(ctx: RouteContext, body: Json): Promise<void> {
  const model = body.model as string;
  const usage = ctx.usage;
  usage.clientApi = 'embeddings';
  usage.modelRequested = model;
  usage.modelServed = model;
  usage.upstreamEndpoint = '/embeddings';
  ctx.setLogFields({ model, stream: false });
  try {
    const refusal = ctx.usageObserver.admit({ clientApi: 'embeddings', model });
    if (refusal) return answerRefusal(ctx, 'openai', refusal);
    const upstream = await ctx.copilot.request({ method: 'POST', path: '/embeddings', body, rawBody: body === ctx.body ? ctx.rawBody : undefined, intent: 'conversation-embeddings', requestId: ctx.requestId, signal: ctx.signal, stream: false });
    if (upstream.status < 200 || upstream.status >= 300) {
      const failure = await readUpstreamFailure(upstream);
      const replaced = ctx.usageObserver.observeUpstream({ status: upstream.status, headers: upstream.headers, errorBody: failure.json, model });
      if (replaced) return answerRefusal(ctx, 'openai', replaced, passHeaders(upstream));
      return answerUpstreamFailure(ctx, 'openai', upstream, failure, true);
    }
    ctx.usageObserver.observeUpstream({ status: upstream.status, headers: upstream.headers, model });
    // Embedding usage has chat's shape (prompt_tokens).
    await relayNative(ctx, 'chat', upstream, false, model);
  } catch (error) {
    if (ctx.signal.aborted) return;
    ctx.usage.errorCode = errorFromUpstream(ctx.res, 'openai', error).code ?? 'internal_error';
  }
}
