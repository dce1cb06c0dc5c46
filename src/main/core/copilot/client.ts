import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
// Static (RT-01): bundled with splitting, a dynamic import('undici') exported only `default`.
import { EnvHttpProxyAgent } from 'undici';
import type { Dispatcher } from 'undici';
import { isLoopbackHostname } from '../config/endpoints.js';
import { RelayError, isAbortError } from '../errors.js';
import { hasProxyEnv, loadCaBundle } from '../net/network-env.js';
import type { Logger } from '../log/logger.js';
import type { SessionProvider } from '../token/session.js';
import { copilotRequestHeaders } from './headers.js';
import type { CopilotIntent, Initiator } from './headers.js';
import { linkAbort } from './abort-fanout.js';
import { UpstreamDeadlines } from './upstream-deadlines.js';

export interface UpstreamRequest {
  method: 'GET' | 'POST';
  /** Relative to the session's apiBaseUrl, e.g. `/chat/completions`. */
  path: string;
  /** JSON-serialisable body (serialised once, reused by the single retry). */
  body?: unknown;
  /** Already-serialised JSON to send instead of `body` (the caller's unmodified bytes: no re-serialisation). */
  rawBody?: Buffer;
  intent: CopilotIntent;
  initiator?: Initiator;
  vision?: boolean;
  requestId?: string;
  /** Deliberately forwarded headers (e.g. filtered `anthropic-beta`). */
  extraHeaders?: Record<string, string>;
  /** Abort the upstream call (client went away). */
  signal?: AbortSignal;
  /** Hint only: streamed bodies get no body timeout beyond the idle one. */
  stream?: boolean;
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The raw body; consume it exactly once (pipe, iterate, json() or text()). */
  body: Readable & AsyncIterable<Buffer>;
  json(): Promise<unknown>;
  text(): Promise<string>;
  /** Discards the body (frees the pooled connection). */
  dump(): Promise<void>;
}

export interface CopilotClientOptions {
  sessions: SessionProvider;
  logger: Logger;
  /** Injected dispatcher (tests); otherwise one is built from the environment. */
  dispatcher?: Dispatcher;
  /** Extra CA PEM file (setting `extraCaCertsFile`), on top of NODE_EXTRA_CA_CERTS which Node reads itself. */
  caFile?: string | null;
  /** Time to wait for upstream response headers before answering 504. */
  headersTimeoutMs?: number;
  /** Max silence between body chunks (streams can think for a long time). */
  bodyTimeoutMs?: number;
  /** Cap on concurrent connections per upstream origin (default: none; 64 idle ones kept). */
  connections?: number;
  env?: NodeJS.ProcessEnv;
}

const DEFAULT_HEADERS_TIMEOUT_MS = 120_000;
const DEFAULT_BODY_TIMEOUT_MS = 300_000;

/** node:http(s) keep-alive agents (the hot path: the cheapest client in Node) and, only when
 * HTTP(S)_PROXY is set, a lazily loaded undici EnvHttpProxyAgent (honours NO_PROXY). Loading undici
 * costs ~20 MB of RSS, so a client without a proxy never imports it. Loopback is never proxied. */
interface Transports {
  http: HttpAgent;
  https: HttpsAgent;
  proxy: (() => Promise<Dispatcher>) | null;
  /** The proxy agent if it was ever created (to close it). */
  loadedProxy: () => Promise<Dispatcher> | null;
}

function buildTransports(options: CopilotClientOptions): Transports {
  const env = options.env ?? process.env;
  const ca = loadCaBundle(options.caFile);
  // No cap on concurrent upstream connections by default: each HTTP/1.1 stream holds one for its
  // whole length, so a cap of N made stream N+1 wait, silently, for another to finish (or for the
  // headers deadline). Up to 64 idle ones are kept for reuse.
  const agentOptions = { keepAlive: true, maxSockets: options.connections ?? Infinity, maxFreeSockets: 64, scheduling: 'lifo' as const };
  const http = new HttpAgent(agentOptions);
  const https = new HttpsAgent({ ...agentOptions, ...(ca ? { ca } : {}) });
  const hasProxy = hasProxyEnv(env);
  let proxied: Promise<Dispatcher> | null = null;
  const proxy = hasProxy
    ? () =>
        (proxied ??= Promise.resolve(
          new EnvHttpProxyAgent({
            // From the env we were given (process.env by default), NO_PROXY included.
            httpProxy: env.HTTP_PROXY || env.http_proxy || undefined,
            httpsProxy: env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy || undefined,
            noProxy: env.NO_PROXY ?? env.no_proxy ?? undefined,
            connections: options.connections ?? null,
            keepAliveTimeout: 30_000,
            ...(ca ? { connect: { ca }, requestTls: { ca }, proxyTls: { ca } } : {}),
          }),
        ))
    : null;
  return { http, https, proxy, loadedProxy: () => proxied };
}

/**
 * Collects an upstream body with plain events (no async-iterator promise per chunk on the hot
 * path). Past `limit` bytes the body is destroyed and the read fails; a body that closes before
 * its end (upstream hung up, or aborted) fails with ECONNRESET.
 */
export function readUpstreamBody(body: Readable, limit = Infinity): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    body.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        body.destroy();
        reject(new Error('Upstream response too large.'));
        return;
      }
      chunks.push(chunk);
    });
    // Plain `on` (no once-wrappers): the promise settles once anyway.
    body.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    body.on('error', reject);
    body.on('close', () => {
      if (!body.readableEnded) reject(Object.assign(new Error('Upstream response closed early.'), { code: 'ECONNRESET' }));
    });
  });
}

/** A node:http response as an UpstreamResponse: methods on the prototype, no closures per response. */
class NodeUpstreamResponse implements UpstreamResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  constructor(readonly body: IncomingMessage) {
    this.status = body.statusCode ?? 502;
    this.headers = body.headers;
  }

  async json(): Promise<unknown> {
    return JSON.parse((await readUpstreamBody(this.body)).toString('utf8')) as unknown;
  }

  async text(): Promise<string> {
    return (await readUpstreamBody(this.body)).toString('utf8');
  }

  dump(): Promise<void> {
    const res = this.body;
    return new Promise<void>((resolve) => {
      if (res.complete || res.destroyed) return resolve();
      res.once('end', resolve);
      res.once('close', resolve);
      res.resume();
    });
  }
}

interface NodeTarget {
  secure: boolean;
  hostname: string;
  port: number;
  agent: HttpAgent | HttpsAgent;
}

interface Target {
  origin: string;
  prefix: string;
  /** The undici path: an injected dispatcher, or the (lazily loaded) proxy agent. */
  dispatcher: (() => Promise<Dispatcher>) | null;
  /** Set when the node:http(s) fast path applies (no proxy for this host, no injected dispatcher). */
  node: NodeTarget | null;
}

/** The Copilot API client: session, headers, one retry on 401/403, abort propagation, keep-alive. */
export class CopilotClient {
  private readonly sessions: SessionProvider;
  private readonly logger: Logger;
  private readonly injected: Dispatcher | null;
  private readonly transports: Transports | null;
  private readonly headersTimeout: number;
  private readonly bodyTimeout: number;
  private readonly deadlines: UpstreamDeadlines;

  constructor(options: CopilotClientOptions) {
    this.sessions = options.sessions;
    this.logger = options.logger;
    this.injected = options.dispatcher ?? null;
    this.transports = options.dispatcher ? null : buildTransports(options);
    this.headersTimeout = options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
    this.bodyTimeout = options.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS;
    this.deadlines = new UpstreamDeadlines(this.headersTimeout, this.bodyTimeout);
  }

  /** Parsed once per base URL: the hot path must not re-parse URLs on every request. */
  private readonly targets = new Map<string, Target>();

  private targetFor(baseUrl: string): Target {
    let target = this.targets.get(baseUrl);
    if (!target) {
      const url = new URL(baseUrl);
      const loopback = isLoopbackHostname(url.hostname.replace(/^\[|\]$/g, ''));
      const secure = url.protocol === 'https:';
      const injected = this.injected;
      const transports = this.transports;
      const viaProxy = transports?.proxy != null && !loopback;
      target = {
        origin: url.origin,
        prefix: url.pathname.replace(/\/+$/, ''),
        dispatcher: injected ? async () => injected : viaProxy ? transports!.proxy : null,
        node:
          !transports || viaProxy
            ? null
            : { secure, hostname: url.hostname.replace(/^\[|\]$/g, ''), port: url.port ? Number(url.port) : secure ? 443 : 80, agent: secure ? transports.https : transports.http },
      };
      if (this.targets.size > 16) this.targets.clear();
      this.targets.set(baseUrl, target);
    }
    return target;
  }

  async request(options: UpstreamRequest): Promise<UpstreamResponse> {
    const payload = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    let session = await this.sessions.getSession(options.signal);
    let response = await this.send(session.apiBaseUrl, session.token, options, payload);
    if (response.status === 401 || response.status === 403) {
      // The session token may have expired or been revoked: drop it, re-exchange, retry exactly once.
      await response.dump();
      this.logger.info('Copilot API refused the session token; re-exchanging and retrying once', { status: response.status, requestId: options.requestId });
      this.sessions.invalidate(session.token);
      session = await this.sessions.getSession(options.signal);
      response = await this.send(session.apiBaseUrl, session.token, options, payload);
    }
    return response;
  }

  /** Not async: the node:http path hands back sendNode's promise as is (one promise less per request). */
  private send(baseUrl: string, bearer: string, options: UpstreamRequest, payload: string | Buffer | undefined): Promise<UpstreamResponse> {
    const target = this.targetFor(baseUrl);
    const headers = copilotRequestHeaders({
      bearer,
      intent: options.intent,
      initiator: options.initiator,
      vision: options.vision,
      requestId: options.requestId,
      json: payload !== undefined,
      extra: options.extraHeaders,
    });
    if (target.node) return this.sendNode(target.node, target.prefix + options.path, options, headers, payload);
    return this.sendDispatcher(target, options, headers, payload);
  }

  private async sendDispatcher(target: Target, options: UpstreamRequest, headers: Record<string, string>, payload: string | Buffer | undefined): Promise<UpstreamResponse> {
    const dispatcher = await target.dispatcher!();
    const res = await dispatcher
      .request({
        origin: target.origin,
        path: target.prefix + options.path,
        method: options.method,
        headers,
        body: payload,
        signal: options.signal,
        headersTimeout: this.headersTimeout,
        bodyTimeout: this.bodyTimeout,
      })
      .catch((error: unknown) => {
        // undici reports a proxy's refusal of the tunnel as an abort: it is not the client's cancel.
        if (!options.signal?.aborted && isAbortError(error)) {
          throw new RelayError('network', `Could not reach the Copilot API through the proxy (${error instanceof Error ? error.message : String(error)}).`, { cause: error });
        }
        throw error;
      });
    const body = res.body;
    return {
      status: res.statusCode,
      headers: res.headers,
      body: body as unknown as Readable & AsyncIterable<Buffer>,
      json: () => body.json(),
      text: () => body.text(),
      dump: async () => {
        try {
          await body.dump();
        } catch {
          // Already consumed or destroyed: nothing to free.
        }
      },
    };
  }

  /** node:http(s) path: what the do-nothing pass-through uses, so the relay pays no client tax. */
  private sendNode(node: NodeTarget, path: string, options: UpstreamRequest, headers: OutgoingHttpHeaders, payload: string | Buffer | undefined): Promise<UpstreamResponse> {
    return new Promise((resolve, reject) => {
      if (payload !== undefined) headers['content-length'] = Buffer.byteLength(payload);
      const req = (node.secure ? httpsRequest : httpRequest)({
        host: node.hostname,
        port: node.port,
        method: options.method,
        path,
        headers,
        agent: node.agent,
      });
      // Headers timeout and body-stall timeout: one shared sweep (upstream-deadlines.ts), no timers here.
      const watch = this.deadlines.watch(req);
      // The caller's abort reaches this call through one listener per signal (abort-fanout.ts).
      const abortLink = options.signal ? linkAbort(options.signal, watch) : null;
      // 'close' comes once the response is fully read or the request failed.
      req.on('close', () => {
        watch.done();
        abortLink?.release();
      });
      req.on('response', (res) => {
        watch.responded(res);
        resolve(new NodeUpstreamResponse(res));
      });
      req.on('error', reject);
      req.end(payload);
    });
  }

  async close(): Promise<void> {
    this.deadlines.stop();
    if (!this.transports) return;
    this.transports.http.destroy();
    this.transports.https.destroy();
    await this.transports.loadedProxy()?.then((agent) => agent.close()).catch(() => undefined);
  }
}
