import { isUtf8 } from 'node:buffer';
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
import { newRequestUsage, noUsageObserver } from '../usage/observer.js';
import type { RequestUsage, UsageObserver } from '../usage/observer.js';
import { errorFromUpstream, sendError } from './errors.js';
import type { ErrorOptions } from './errors.js';
import { ApiKeyCheck, hostAllowed, isLoopbackOrigin, originAllowed } from './guards.js';
import type { HostPolicy } from './guards.js';
import { IdleMemoryTrim } from './idle-memory-trim.js';
import type { Dialect, Route, RouteContext } from './route.js';
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
}

export interface ProxyServer {
  listen(options: { port: number; host?: string }): Promise<{ url: string; port: number }>;
  close(): Promise<void>;
  readonly server: Server;
  readonly copilot: CopilotClient;
  readonly models: ModelCatalog;
}

const DEFAULT_BODY_LIMIT = 32 * 1024 * 1024;
/** The request a connection is serving now, kept on the socket itself (no per-request map churn). */
const CURRENT = Symbol('currentRequest');
type ServingSocket = Socket & { [CURRENT]?: RequestContext | null };
/** After the grace, how long the cut-short responses get to flush their last event before sockets are destroyed. */
const CUT_FLUSH_MS = 1_000;
const ALLOW_HEADERS = 'authorization, content-type, x-api-key, anthropic-version, anthropic-beta, openai-organization, openai-project, x-stainless-os, x-stainless-lang, x-stainless-package-version, x-stainless-runtime, x-stainless-runtime-version, x-stainless-arch, x-stainless-retry-count, x-stainless-timeout, x-stainless-helper-method';

function dialectFor(path: string): Dialect {
  return path.startsWith('/v1/messages') ? 'anthropic' : 'openai';
}

class BodyTooLarge extends Error {}

/** Reads the body up to `limit` bytes; past it, stops keeping data (drains the rest to /dev/null). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!over) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const payload = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(payload), 'cache-control': 'no-store' });
  res.end(payload);
}

/**
 * One request's state and its RouteContext in one object (methods on the prototype: no closures
 * per request). Its AbortSignal is made on first use (guards, errors and local answers never need
 * one) and fires when the client goes away before its answer is out: the route passes it upstream,
 * where undici aborts the call.
 */
class RequestContext implements RouteContext {
  body: unknown = undefined;
  rawBody: Buffer | undefined = undefined;
  readonly fields: { model?: string; stream?: boolean } = {};
  controller: AbortController | null = null;
  gone = false;
  /** Ended by a shutdown past its grace (logged as 499, reason=shutdown). */
  cutByShutdown = false;
  readonly usage: RequestUsage = newRequestUsage();

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly requestId: string,
    readonly startedAt: number,
    readonly copilot: CopilotClient,
    readonly models: ModelCatalog,
    readonly logger: Logger,
    readonly usageObserver: UsageObserver,
  ) {}

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.gone) this.controller.abort(new RelayError('cancelled', 'Client disconnected.'));
    }
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    this.gone = true;
    this.controller?.abort(reason);
  }

  setLogFields(more: { model?: string; stream?: boolean }): void {
    Object.assign(this.fields, more);
  }
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
  const sockets = new Set<Socket>();
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
      // While shutting down, let each connection go as soon as its last response is out.
      if (closing) setImmediate(() => server.closeIdleConnections());
      // Client gone before we finished: abort the upstream call at once.
      if (!res.writableFinished) ctx.abort(new RelayError('cancelled', closing ? 'Server shutting down.' : 'Client disconnected.'));
      const status = res.writableFinished && !ctx.cutByShutdown ? res.statusCode : 499;
      const latencyMs = Math.round(performance.now() - started);
      // The same ` key=value` format as logger fields, built directly: this line is written for
      // every request, and the generic field loop was its largest cost (valgrind).
      const model = ctx.fields.model;
      logger.info(
        `request method=${method} path=${formatLogValue(path)}${model === undefined ? '' : ` model=${formatLogValue(model)}`} status=${status}${ctx.cutByShutdown ? ' reason=shutdown' : ''} ms=${latencyMs} stream=${ctx.fields.stream ?? false} id=${requestId}`,
      );
      if (usageObserver !== noUsageObserver) {
        const userAgent = req.headers['user-agent'];
        usageObserver.record({ ...ctx.usage, requestId, startedAt: startedAtMs, userAgent: userAgent ?? null, method, path, status, latencyMs });
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
        'access-control-allow-methods': 'GET, POST, OPTIONS',
        'access-control-allow-headers': ALLOW_HEADERS,
        'access-control-max-age': '600',
      });
      res.end();
      return;
    }
    if (path === '/health' && method === 'GET') {
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
    const route = byMethod.get(method);
    if (!route) {
      refuse(ctx, dialect, 405, `Method ${method} is not allowed on ${path}.`, { code: 'method_not_allowed', headers: { allow: [...byMethod.keys()].join(', ') } });
      return;
    }

    if (method === 'POST') {
      let raw: Buffer;
      try {
        raw = await readBody(req, bodyLimit);
      } catch (error) {
        if (error instanceof BodyTooLarge) {
          refuse(ctx, route.dialect, 413, `Request body is larger than the limit of ${Math.round(bodyLimit / 1024 / 1024)} MiB.`, { code: 'request_too_large', headers: { connection: 'close' } });
        }
        return;
      }
      if (!isUtf8(raw)) {
        // Decoding would swap the bad bytes for U+FFFD while the raw bytes still went upstream.
        refuse(ctx, route.dialect, 400, 'The request body is not valid UTF-8.', { code: 'invalid_encoding' });
        return;
      }
      try {
        ctx.body = JSON.parse(raw.toString('utf8'));
        ctx.rawBody = raw;
      } catch {
        refuse(ctx, route.dialect, 400, 'The request body is not valid JSON.', { code: 'invalid_json' });
        return;
      }
      if (options.logBodies) logger.debug('request body', { id: requestId, body: redact(raw.toString('utf8').slice(0, 2000)) });
    }

    try {
      await route.handle(ctx);
    } catch (error) {
      if (!ctx.gone && !ctx.controller?.signal.aborted) {
        logger.error('Route failed', { id: requestId, error: error instanceof Error ? error.message : String(error) });
        errorFromUpstream(res, route.dialect, error);
      }
    }
  }

  const server = createServer({ keepAlive: true, requestTimeout: 120_000, headersTimeout: 30_000, keepAliveTimeout: 65_000 }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      logger.error('Unhandled proxy error', { error: error instanceof Error ? error.message : String(error) });
      if (!res.headersSent) sendError(res, 'openai', 500, 'Internal error in copilot-relay.');
      else res.destroy();
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    // Say what was wrong: oversized headers and too-slow requests are the common cases.
    const [status, reason, message] =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large', 'Request headers are too large.']
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'Request Timeout', 'The request was not received in time.']
          : [400, 'Bad Request', 'Malformed HTTP request.'];
    const payload = JSON.stringify({ error: { message, type: 'invalid_request_error', code: null } });
    const noRetry = status === 408 ? '' : 'x-should-retry: false\r\n';
    socket.end(`HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(payload)}\r\n${noRetry}connection: close\r\n\r\n${payload}`);
  });

  function cutShort(ctx: RequestContext | null | undefined): void {
    if (!ctx || ctx.res.writableEnded || ctx.res.destroyed) return;
    ctx.cutByShutdown = true;
    // The route's upstream pump stops on the abort without a word (no misleading WARN); a chunk it
    // already holds may still be written once after our end: that error is expected and dropped.
    ctx.res.on('error', () => undefined);
    ctx.abort(new RelayError('cancelled', 'Server shutting down.'));
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
        for (const socket of sockets) cutShort((socket as ServingSocket)[CURRENT]);
        const flushed = new Promise<void>((resolve) => setTimeout(resolve, CUT_FLUSH_MS).unref());
        await Promise.race([closed, flushed]);
        for (const socket of sockets) socket.destroy();
        await closed;
      }
      await copilot.close();
    },
  };
}
