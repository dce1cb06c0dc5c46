import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { CopilotClient } from '../copilot/client.js';
import { ModelCatalog } from '../copilot/models.js';
import { RelayError } from '../errors.js';
import { formatLogValue } from '../log/logger.js';
import type { Logger } from '../log/logger.js';
import { redact } from '../log/redact.js';
import type { SessionProvider } from '../token/session.js';
import { finishedRequest, noUsageObserver } from '../usage/observer.js';
import type { UsageObserver } from '../usage/observer.js';
import { errorFromUpstream, sendError } from './errors.js';
import type { ErrorOptions } from './errors.js';
import { ApiKeyCheck, hostAllowed, isLoopbackOrigin, originAllowed } from './guards.js';
import type { HostPolicy } from './guards.js';
import { ConnectionGuard } from './connections.js';
import type { ConnectionLimits } from './connections.js';
import { IdleMemoryTrim } from './idle-memory-trim.js';
import { internalErrorOf } from './internal-error.js';
import { LargeBodyBudget, RequestBody, receiveJson } from './request-body.js';
import { CLIENT_GONE, RequestContext, SHUTTING_DOWN, currentTurn } from './request-context.js';
import type { Dialect, Route } from './route.js';
import { allRoutes } from './routes/index.js';

/** What `/health` may show. Whitelisted fields only: a token can't slip in. */
export interface HealthInfo {
  /** null: not shown to this caller (a remote relay without the API key). */
  signedIn: boolean | null;
  /** A session is there: requests are served now. */
  ready?: boolean;
  /** Why not ready, in words. */
  reason?: string | null;
  expiresAt?: number | string | null;
  sku?: string | null;
  apiBaseUrl?: string | null;
  mode?: string | null;
  login?: string | null;
  enterprise?: string | null;
  /** Copilot's rate limits as last seen and the local budget (callers who may see the account only). */
  rateLimits?: { name: string; usedPercent: number | null; resetsAt: string | null; reached: boolean }[];
  budget?: { period: 'day' | 'month'; limitCredits: number; usedCredits: number; resetsAt: string } | null;
}

export interface ProxyServerOptions {
  sessions: SessionProvider;
  logger: Logger;
  /** Require this key (Bearer or x-api-key) on every route but /health. */
  apiKey?: string | null;
  /** Default 32 MiB. */
  bodyLimitBytes?: number;
  copilot?: CopilotClient;
  models?: ModelCatalog;
  routes?: Route[];
  /** Extra accepted Host names, e.g. the bound LAN address (explicit opt-in only). */
  extraHosts?: string[];
  /** Bound to a wildcard address: accept IP-literal Hosts. */
  anyIpLiteralHost?: boolean;
  /** Status for GET /health; `authorized`: the caller sent the API key (or none is required). */
  health?: (caller: { authorized: boolean }) => HealthInfo | Promise<HealthInfo>;
  /** Time for upstream response headers before 504 (default 120 s). */
  upstreamTimeoutMs?: number;
  /** Extra CA PEM file for the upstream connections. */
  caFile?: string | null;
  /** Cap on concurrent upstream connections (default: none; see CopilotClient). */
  upstreamConnections?: number;
  /** How long close() lets in-flight requests finish (default 5 s). */
  shutdownGraceMs?: number;
  /** Debug: log request bodies, redacted and truncated. Off by default (prompt text is private). */
  logBodies?: boolean;
  /** Shrink the heap after a burst once the proxy is quiet (idle-memory-trim.ts). Default on, 30 s. */
  idleMemoryTrim?: false | { idleMs?: number; minGrowthBytes?: number };
  /** Usage ledger, limits and budget (default: none). Gets every finished request. */
  usage?: UsageObserver;
  /** Client connection cap and first-request timeout (connections.ts). */
  connections?: ConnectionLimits;
  /** Bytes of large (≥ 1 MiB) request bodies served at once (default 2 × the body limit; request-body.ts). */
  largeBodyBudgetBytes?: number;
}

export interface ProxyServer {
  listen(options: { port: number; host?: string }): Promise<{ url: string; port: number }>;
  close(): Promise<void>;
  readonly server: Server;
  readonly copilot: CopilotClient;
  readonly models: ModelCatalog;
}

const DEFAULT_BODY_LIMIT = 32 * 1024 * 1024;
/** The request a connection is serving now, kept on the socket itself (no per-request map churn): for a shutdown past its grace and a half-close (RequestContext.clientEnded). */
const CURRENT = Symbol('currentRequest');
type ServingSocket = Socket & { [CURRENT]?: RequestContext | null };
/** After the grace, how long the cut-short responses get to flush their last event before sockets are destroyed. */
const CUT_FLUSH_MS = 1_000;
const ALLOW_HEADERS = 'authorization, content-type, x-api-key, anthropic-version, anthropic-beta, openai-organization, openai-project, x-stainless-os, x-stainless-lang, x-stainless-package-version, x-stainless-runtime, x-stainless-runtime-version, x-stainless-arch, x-stainless-retry-count, x-stainless-timeout, x-stainless-helper-method';

function dialectFor(path: string): Dialect {
  return path.startsWith('/v1/messages') ? 'anthropic' : 'openai';
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const payload = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(payload), 'cache-control': 'no-store' });
  res.end(payload);
}

/** The relay's own answer to a request it won't forward; its code goes into the usage record. */
function refuse(ctx: RequestContext, dialect: Dialect, status: number, message: string, options: ErrorOptions): void {
  ctx.usage.errorCode = options.code ?? null;
  sendError(ctx.res, dialect, status, message, options);
}

/**
 * The local proxy: node:http, guards first, then the route table. One log line per request
 * (method, path, model, status, latency, stream, id) and never a token or prompt text.
 */
export function createProxyServer(options: ProxyServerOptions): ProxyServer {
  const { logger } = options;
  const copilot = options.copilot ?? new CopilotClient({ sessions: options.sessions, logger, headersTimeoutMs: options.upstreamTimeoutMs, caFile: options.caFile, connections: options.upstreamConnections });
  const models = options.models ?? new ModelCatalog({ copilot, logger });
  const bodyLimit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT;
  const largeBodies = new LargeBodyBudget(options.largeBodyBudgetBytes ?? 2 * bodyLimit);
  const usageObserver = options.usage ?? noUsageObserver;
  const apiKey = options.apiKey ? new ApiKeyCheck(options.apiKey) : null;
  if (options.apiKey) logger.addSecret(options.apiKey);
  const table = new Map<string, Map<string, Route>>();
  // Prefix routes (`/v1/models/{id}`) are tried only when no exact path matches.
  const prefixTable = new Map<string, Map<string, Route>>();
  for (const route of options.routes ?? allRoutes()) {
    const into = route.prefix ? prefixTable : table;
    let byMethod = into.get(route.path);
    if (!byMethod) into.set(route.path, (byMethod = new Map()));
    byMethod.set(route.method, route);
  }
  const lookup = (path: string): Map<string, Route> | undefined => {
    const exact = table.get(path);
    if (exact || prefixTable.size === 0) return exact;
    for (const [prefix, byMethod] of prefixTable) if (path.length > prefix.length && path.startsWith(prefix)) return byMethod;
    return undefined;
  };
  const hostPolicy: HostPolicy = { port: 0, extraHosts: options.extraHosts, anyIpLiteral: options.anyIpLiteralHost };
  // A count, not a Set of contexts: measured, churning a Set of the in-flight contexts made V8
  // promote ~1 MB of young objects per scavenge under load (vs ~0 without it), tripling GC time.
  // A hard shutdown needs no list either: destroying the sockets closes each response, whose
  // 'close' handler aborts that request's upstream call.
  let inflight = 0;
  let closing = false;
  const mb = (bytes: number) => Math.round(bytes / 1048576);
  const trim =
    options.idleMemoryTrim === false
      ? null
      : new IdleMemoryTrim({
          idleMs: options.idleMemoryTrim?.idleMs,
          minGrowthBytes: options.idleMemoryTrim?.minGrowthBytes,
          inflight: () => inflight,
          onTrim: (before, after) => logger.debug('Idle: heap trimmed', { fromMB: mb(before), toMB: mb(after) }),
        });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const startedAtMs = Date.now();
    const requestId = randomUUID();
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q === -1 ? rawUrl : rawUrl.slice(0, q);
    const method = req.method ?? 'GET';
    const dialect = dialectFor(path);
    const ctx = new RequestContext(req, res, requestId, started, copilot, models, logger, usageObserver);
    inflight++;
    trim?.noteRequest();
    const socket = req.socket as ServingSocket;
    socket[CURRENT] = ctx;
    res.setHeader('x-request-id', requestId);
    res.on('close', () => {
      inflight--;
      if (socket[CURRENT] === ctx) socket[CURRENT] = null;
      ctx.requestBody?.release();
      // While shutting down, let each connection go as soon as its last response is out.
      if (closing) setImmediate(() => server.closeIdleConnections());
      // Client gone before we finished: abort the upstream call at once.
      if (!res.writableFinished) ctx.abort(closing ? SHUTTING_DOWN : CLIENT_GONE);
      const status = res.writableFinished && !ctx.cutByShutdown ? res.statusCode : 499;
      const latencyMs = Math.round(performance.now() - started);
      // The same ` key=value` format as logger fields, built directly: this line is written for
      // every request, and the generic field loop was its largest cost (valgrind).
      const model = ctx.fields.model;
      logger.info(
        `request method=${method} path=${formatLogValue(path)}${model === undefined ? '' : ` model=${formatLogValue(model)}`} status=${status}${ctx.cutByShutdown ? ' reason=shutdown' : ''} ms=${latencyMs} stream=${ctx.fields.stream ?? false} id=${requestId}`,
      );
      // RT-27: a failure of the relay itself is logged with its request id, not only answered 500.
      if (status >= 500) {
        const internal = internalErrorOf(res);
        if (internal !== undefined) logInternalError(requestId, internal);
      }
      if (usageObserver !== noUsageObserver) {
        const userAgent = req.headers['user-agent'];
        usageObserver.record(finishedRequest(ctx.usage, { requestId, startedAt: startedAtMs, userAgent: userAgent ?? null, method, path, status, latencyMs }));
      }
    });

    if (!hostAllowed(req.headers.host, hostPolicy)) {
      refuse(ctx, dialect, 403, 'Forbidden: the Host header must be a loopback address with this port (DNS rebinding protection).', { code: 'forbidden_host' });
      return;
    }
    const origin = req.headers.origin;
    if (!originAllowed(origin)) {
      refuse(ctx, dialect, 403, 'Forbidden: requests from web pages outside this machine are refused.', { code: 'forbidden_origin' });
      return;
    }
    if (origin !== undefined && isLoopbackOrigin(origin)) {
      // CORS only for loopback pages, echoing that exact origin: never a wildcard.
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('vary', 'Origin');
    }
    if (method === 'OPTIONS') {
      res.writeHead(204, {
        'access-control-allow-methods': 'GET, HEAD, POST, OPTIONS',
        'access-control-allow-headers': ALLOW_HEADERS,
        'access-control-max-age': '600',
      });
      res.end();
      return;
    }
    // HEAD is GET without the body (RFC 9110 §9.3.2): Node drops the body of a HEAD response itself.
    const routeMethod = method === 'HEAD' ? 'GET' : method;
    if (path === '/health' && routeMethod === 'GET') {
      const info = await Promise.resolve(options.health?.({ authorized: !apiKey || apiKey.check(req) })).catch(() => undefined);
      sendJson(res, 200, {
        status: 'ok',
        ready: info?.ready ?? null,
        reason: info?.reason ?? null,
        signedIn: info?.signedIn ?? null,
        login: info?.login ?? null,
        expiresAt: info?.expiresAt ?? null,
        sku: info?.sku ?? null,
        apiBaseUrl: info?.apiBaseUrl ?? null,
        mode: info?.mode ?? null,
        enterprise: info?.enterprise ?? null,
        rateLimits: info?.rateLimits ?? null,
        budget: info?.budget ?? null,
      });
      return;
    }
    if (apiKey && !apiKey.check(req)) {
      refuse(ctx, dialect, 401, 'Missing or wrong API key: send it as `Authorization: Bearer <key>` or `x-api-key: <key>`.', { code: 'invalid_api_key' });
      return;
    }
    // Codex first tries a WebSocket on /v1/responses and falls back to HTTP at once only on a 426.
    // node:http hands an Upgrade request with no 'upgrade' listener to this handler; answer it
    // without a handshake and close the connection (it can't carry another request).
    if (req.headers.upgrade !== undefined) {
      refuse(ctx, dialect, 426, `WebSocket is not supported here: send ${method === 'GET' ? 'POST' : method} ${path} over HTTP (streaming answers use server-sent events).`, { code: 'upgrade_not_supported', headers: { connection: 'close' } });
      return;
    }
    const byMethod = lookup(path);
    if (!byMethod) {
      refuse(ctx, dialect, 404, `Unknown route: ${method} ${path}`, { code: 'not_found' });
      return;
    }
    const route = byMethod.get(routeMethod);
    if (!route) {
      const allowed = [...byMethod.keys()].flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m]));
      refuse(ctx, dialect, 405, `Method ${method} is not allowed on ${path}.`, { code: 'method_not_allowed', headers: { allow: allowed.join(', ') } });
      return;
    }

    if (method === 'POST') {
      ctx.requestBody = new RequestBody(largeBodies, bodyLimit);
      const raw = await receiveJson(ctx, (status, message, errorOptions) => refuse(ctx, route.dialect, status, message, errorOptions));
      if (!raw) return;
      if (options.logBodies) logger.debug('request body', { id: requestId, body: redact(raw.toString('utf8').slice(0, 2000)) });
    }

    ctx.routedTurn = currentTurn();
    try {
      await route.handle(ctx);
    } catch (error) {
      if (!ctx.gone && !ctx.controller?.signal.aborted) {
        // An internal failure is logged once the response is out (RT-27, below); others here.
        if (errorFromUpstream(res, route.dialect, error).code !== 'internal_error') logger.error('Route failed', { id: requestId, error: describeError(error) });
      }
    }
  }

  const describeError = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  function logInternalError(requestId: string, error: unknown): void {
    logger.error('Internal error', { id: requestId, error: describeError(error) });
    if (error instanceof Error && error.stack) logger.debug('Internal error stack', { id: requestId, stack: error.stack });
  }

  const server = createServer({ keepAlive: true, requestTimeout: 120_000, headersTimeout: 30_000, keepAliveTimeout: 65_000 }, (req, res) => {
    if (!connections.requestStarted(req.socket)) {
      res.destroy();
      return;
    }
    handle(req, res).catch((error: unknown) => {
      logInternalError(String(res.getHeader('x-request-id') ?? '-'), error);
      if (!res.headersSent) sendError(res, 'openai', 500, 'Internal error in copilot-relay.');
      else res.destroy();
    });
  });
  const connections = new ConnectionGuard(server, options.connections, (socket) => (socket as ServingSocket)[CURRENT]?.clientEnded());

  function cutShort(ctx: RequestContext | null | undefined): void {
    if (!ctx || ctx.res.writableEnded || ctx.res.destroyed) return;
    ctx.cutByShutdown = true;
    // The route's upstream pump stops on the abort without a word (no misleading WARN); a chunk it
    // already holds may still be written once after our end: that error is expected and dropped.
    ctx.res.on('error', () => undefined);
    ctx.abort(SHUTTING_DOWN);
    const path = (ctx.req.url ?? '/').split('?')[0]!;
    sendError(ctx.res, dialectFor(path), 503, 'copilot-relay is shutting down: this response was cut short. Retry it.', { code: 'shutting_down', headers: { 'retry-after': '5', connection: 'close' } });
  }

  return {
    server,
    copilot,
    models,
    listen: ({ port, host = '127.0.0.1' }) =>
      new Promise((resolve, reject) => {
        const onError = (error: NodeJS.ErrnoException) => {
          server.off('listening', onListening);
          if (error.code === 'EADDRINUSE') reject(new RelayError('port-in-use', `Port ${port} is in use — pass --port or stop the other process.`, { cause: error }));
          else reject(error);
        };
        const onListening = () => {
          server.off('error', onError);
          const address = server.address() as AddressInfo;
          hostPolicy.port = address.port;
          const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
          resolve({ url: `http://${shown}:${address.port}`, port: address.port });
        };
        server.once('error', onError);
        server.once('listening', onListening);
        server.listen(port, host);
      }),
    close: async () => {
      if (closing) return;
      closing = true;
      trim?.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const grace = options.shutdownGraceMs ?? 5_000;
      const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), grace).unref());
      const result = await Promise.race([closed.then(() => 'closed' as const), timer]);
      if (result === 'timeout') {
        // Past the grace: end what still runs with a terminal event in its dialect (an SSE error
        // event, or a 503 before any headers), so clients see why it ended instead of a reset (RT-12).
        for (const socket of connections.sockets) cutShort((socket as ServingSocket)[CURRENT]);
        const flushed = new Promise<void>((resolve) => setTimeout(resolve, CUT_FLUSH_MS).unref());
        await Promise.race([closed, flushed]);
        for (const socket of connections.sockets) socket.destroy();
        await closed;
      }
      await copilot.close();
    },
  };
}
