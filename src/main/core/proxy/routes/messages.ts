import type { CopilotModel } from '../../copilot/models.js';
import type { UpstreamResponse } from '../../copilot/client.js';
import { redact } from '../../log/redact.js';
import { anthropicErrorType, errorFromUpstream, sendError } from '../errors.js';
import { relayResponse } from '../forward.js';
import type { Route, RouteContext } from '../route.js';
import { countRequestTokens, countTokens, encodingFor, loadEncoder } from '../../anthropic/count-tokens.js';
import { hasImagesAnthropic, initiatorForAnthropic } from '../../copilot/initiator.js';
import { decodeChatResponse } from '../../api/chat/response.js';
import { encodeMessagesResponse } from '../../api/messages/response.js';
import { allowedBetas } from '../../api/messages/native.js';
import { translateRequest } from '../../api/plan.js';
import { applyStopSequences } from '../../api/stop-sequences.js';
import { StreamTranslation } from '../../api/translate-stream.js';
import type { AnthropicRequest } from '../../api/messages/types.js';

/**
 * `POST /v1/messages` and `POST /v1/messages/count_tokens` (query strings such as `?beta=true`
 * are ignored by the router). Models listing `/v1/messages` upstream get the request forwarded
 * natively (cache_control, thinking and betas intact, events piped unchanged); all others are
 * translated to `/chat/completions` and back.
 */

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

const PASS_HEADERS = ['retry-after', 'x-ratelimit-exceeded', 'x-request-id', 'x-github-request-id'];
const KNOWN_ERROR_TYPES = new Set(['invalid_request_error', 'authentication_error', 'permission_error', 'not_found_error', 'request_too_large', 'rate_limit_error', 'api_error', 'overloaded_error', 'billing_error']);

export { allowedBetas };

function invalid(ctx: RouteContext, message: string): void {
  sendError(ctx.res, 'anthropic', 400, message, { type: 'invalid_request_error' });
}

/** Mirrors Anthropic's own validation messages for the fields we can't do without. */
function validate(ctx: RouteContext, requireMaxTokens: boolean): AnthropicRequest | null {
  const body = ctx.body;
  if (!isObject(body)) {
    invalid(ctx, 'The request body must be a JSON object.');
    return null;
  }
  if (typeof body.model !== 'string' || !body.model.trim()) {
    invalid(ctx, 'model: Field required (a model id string).');
    return null;
  }
  if (!Array.isArray(body.messages)) {
    invalid(ctx, 'messages: Field required (an array of messages).');
    return null;
  }
  for (const [index, message] of body.messages.entries()) {
    if (!isObject(message) || (message.role !== 'user' && message.role !== 'assistant')) {
      invalid(ctx, `messages.${index}.role: Input should be 'user' or 'assistant'.`);
      return null;
    }
    if (typeof message.content !== 'string' && !Array.isArray(message.content)) {
      invalid(ctx, `messages.${index}.content: Input should be a string or an array of content blocks.`);
      return null;
    }
  }
  if (requireMaxTokens && (typeof body.max_tokens !== 'number' || !Number.isInteger(body.max_tokens) || body.max_tokens < 1)) {
    invalid(ctx, 'max_tokens: Field required (a positive integer).');
    return null;
  }
  return body as AnthropicRequest;
}

/** Resolves the model (ModelCatalog.resolve: id cap, spellings, policy) or answers 400/403/404; null when answered. */
async function resolve(ctx: RouteContext, requested: string): Promise<CopilotModel | null> {
  let lookup: Awaited<ReturnType<RouteContext['models']['resolve']>>;
  try {
    lookup = await ctx.models.resolve(requested, { signal: ctx.signal });
  } catch (error) {
    if (!ctx.signal.aborted) errorFromUpstream(ctx.res, 'anthropic', error);
    return null;
  }
  if (!lookup.ok) {
    sendError(ctx.res, 'anthropic', lookup.status, lookup.message, { headers: lookup.headers });
    return null;
  }
  if (lookup.via !== 'exact') ctx.logger.debug('Mapped an Anthropic model id', { requested: requested.slice(0, 100), model: lookup.model.id, via: lookup.via });
  return lookup.model;
}

function passHeaders(upstream: UpstreamResponse, into: Record<string, string> = {}): Record<string, string> {
  for (const name of PASS_HEADERS) {
    const value = upstream.headers[name];
    if (typeof value === 'string') into[name] = value;
  }
  return into;
}

/** A non-2xx upstream answer in Anthropic's shape, status kept (429 keeps Retry-After). */
async function upstreamFailure(ctx: RouteContext, upstream: UpstreamResponse): Promise<void> {
  let text = '';
  try {
    text = (await upstream.text()).slice(0, 64 * 1024);
  } catch {
    // Body broke off: the status alone still says what happened.
  }
  let message = '';
  let type: string | undefined;
  try {
    const parsed = JSON.parse(text) as { error?: { message?: unknown; type?: unknown } | string; message?: unknown };
    const inner = parsed.error;
    if (typeof inner === 'string') message = inner;
    else if (isObject(inner)) {
      if (typeof inner.message === 'string') message = inner.message;
      if (typeof inner.type === 'string' && KNOWN_ERROR_TYPES.has(inner.type)) type = inner.type;
    } else if (typeof parsed.message === 'string') message = parsed.message;
  } catch {
    message = text.trim().slice(0, 300);
  }
  const status = upstream.status;
  if (!message) message = `The Copilot API answered HTTP ${status}.`;
  else message = `${redact(message)}`;
  if (status >= 500) message = `The Copilot API failed (HTTP ${status}): ${message}`;
  if (status === 402) type ??= 'billing_error';
  // The status decides the type where its meaning is fixed (429 → rate_limit_error, 503 →
  // overloaded_error, …); for other statuses (402, 413, 422…) an Anthropic-typed upstream error wins.
  const fixed = [400, 401, 403, 404, 429].includes(status) || status >= 500;
  sendError(ctx.res, 'anthropic', status, message, { type: fixed ? anthropicErrorType(status) : type ?? anthropicErrorType(status), headers: passHeaders(upstream) });
}

async function nativeMessages(ctx: RouteContext, request: AnthropicRequest, model: CopilotModel, stream: boolean): Promise<void> {
  const beta = allowedBetas(ctx.req.headers['anthropic-beta']);
  const upstream = await ctx.copilot.request({
    method: 'POST',
    path: '/v1/messages',
    // The caller's body as-is (cache_control, thinking, tools, unknown fields): only the model id changes.
    body: { ...request, model: model.id },
    intent: 'messages-proxy',
    initiator: initiatorForAnthropic(request.messages),
    vision: hasImagesAnthropic(request.messages),
    extraHeaders: beta ? { 'anthropic-beta': beta } : undefined,
    requestId: ctx.requestId,
    signal: ctx.signal,
    stream,
  });
  if (upstream.status < 200 || upstream.status >= 300) {
    await upstreamFailure(ctx, upstream);
    return;
  }
  await relayResponse(ctx, 'anthropic', upstream, stream);
}

export interface AnthropicRouteOptions {
  /** Interval of `ping` events while the upstream is silent (default 10 s, like Anthropic). */
  pingIntervalMs?: number;
}

async function translatedMessages(ctx: RouteContext, request: AnthropicRequest, model: CopilotModel, stream: boolean, options: AnthropicRouteOptions): Promise<void> {
  const translated = { ...translateRequest('messages', 'chat', request, model), initiator: initiatorForAnthropic(request.messages), vision: hasImagesAnthropic(request.messages) };
  // The encoder loads while the upstream thinks; its estimate feeds message_start.
  const estimate = stream
    ? loadEncoder(encodingFor(model)).then((encoder) => ({ encoder, tokens: countRequestTokens(request, encoder, { claude: /claude/i.test(model.id) }) }))
    : null;
  estimate?.catch(() => undefined);
  const upstream = await ctx.copilot.request({
    method: 'POST',
    path: '/chat/completions',
    body: translated.body,
    intent: 'conversation-panel',
    initiator: translated.initiator,
    vision: translated.vision,
    requestId: ctx.requestId,
    signal: ctx.signal,
    stream,
  });
  if (upstream.status < 200 || upstream.status >= 300) {
    await upstreamFailure(ctx, upstream);
    return;
  }
  if (!stream) {
    let chat: unknown;
    try {
      chat = await upstream.json();
    } catch (error) {
      if (ctx.signal.aborted) return;
      sendError(ctx.res, 'anthropic', 502, 'The Copilot API returned an unreadable answer.', { type: 'api_error' });
      ctx.logger.warn('Unreadable upstream answer', { requestId: ctx.requestId, error: error instanceof Error ? error.name : 'error' });
      return;
    }
    const message = encodeMessagesResponse(applyStopSequences(decodeChatResponse(chat), translated.localStop), { model: request.model });
    const payload = JSON.stringify(message);
    ctx.res.writeHead(200, passHeaders(upstream, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)), 'request-id': ctx.requestId }));
    ctx.res.end(payload);
    return;
  }
  const counted = await estimate!.catch(() => null);
  await streamTranslated(ctx, upstream, request, counted, options, translated.localStop);
}

async function streamTranslated(
  ctx: RouteContext,
  upstream: UpstreamResponse,
  request: AnthropicRequest,
  counted: { encoder: { countTokens: (text: string, options?: { disallowedSpecial?: Set<string> }) => number }; tokens: number } | null,
  options: AnthropicRouteOptions,
  localStop: string[] | undefined,
): Promise<void> {
  const { res } = ctx;
  const plain = { disallowedSpecial: new Set<string>() };
  const translation = new StreamTranslation('chat', 'messages', {
    model: request.model,
    inputTokens: counted?.tokens ?? 0,
    localStop,
    countTokens: counted ? (text) => counted.encoder.countTokens(text, plain) : undefined,
  });
  res.writeHead(200, passHeaders(upstream, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no', 'request-id': ctx.requestId }));
  let lastWrite = Date.now();
  let congested = false;
  const write = (text: string): void => {
    if (!text || res.destroyed || res.writableEnded) return;
    if (!res.write(text)) congested = true;
    lastWrite = Date.now();
  };
  // Backpressure: a slow client pauses reading from the upstream instead of buffering here.
  const drained = (): Promise<void> =>
    new Promise((resolve) => {
      const done = (): void => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    });
  const pingEvery = options.pingIntervalMs ?? 10_000;
  const timer = setInterval(() => {
    const ping = translation.keepAlive();
    if (Date.now() - lastWrite >= pingEvery - 5 && ping) write(ping);
  }, pingEvery);
  timer.unref();
  write(translation.push(''));
  try {
    for await (const chunk of upstream.body) {
      write(translation.push(chunk));
      if (translation.done || translation.stopped || res.destroyed) break;
      if (congested) {
        congested = false;
        await drained();
      }
    }
    if (!translation.done && !res.destroyed) write(translation.end());
  } catch (error) {
    if (!ctx.signal.aborted && !res.destroyed) {
      ctx.logger.warn('Upstream stream failed mid-way', { requestId: ctx.requestId, error: (error as { code?: string }).code ?? 'stream_error' });
      write(translation.fail('The stream from the Copilot API broke off.'));
    }
  } finally {
    clearInterval(timer);
    // Stopped early (stop sequence) or done before the upstream ended: free the connection.
    if (!upstream.body.destroyed) upstream.body.destroy();
    if (!res.writableEnded && !res.destroyed) res.end();
  }
}

function messagesHandler(options: AnthropicRouteOptions): Route['handle'] {
  return async (ctx) => {
    const request = validate(ctx, true);
    if (!request) return;
    const stream = request.stream === true;
    ctx.setLogFields({ model: request.model, stream });
    try {
      const model = await resolve(ctx, request.model);
      if (!model) return;
      ctx.setLogFields({ model: model.id, stream });
      if (!ctx.models.supportsEndpoint(model, '/v1/messages') && !ctx.models.supportsEndpoint(model, '/chat/completions')) {
        const endpoints = model.supported_endpoints?.join(', ') ?? 'none';
        invalid(ctx, `model: ${model.id} can't answer the Messages API through Copilot (its endpoints: ${endpoints}).`);
        return;
      }
      if (ctx.models.supportsEndpoint(model, '/v1/messages')) await nativeMessages(ctx, request, model, stream);
      else await translatedMessages(ctx, request, model, stream, options);
    } catch (error) {
      if (ctx.signal.aborted) return;
      errorFromUpstream(ctx.res, 'anthropic', error);
    }
  };
}

const countTokensHandler: Route['handle'] = async (ctx) => {
  const request = validate(ctx, false);
  if (!request) return;
  ctx.setLogFields({ model: request.model });
  try {
    const model = await resolve(ctx, request.model);
    if (!model) return;
    const result = await countTokens(request, model);
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
