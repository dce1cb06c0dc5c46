import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import type { Readable } from 'node:stream';
import { Agent, EnvHttpProxyAgent, request } from 'undici';
import type { Dispatcher } from 'undici';
import { isLoopbackHostname } from '../config/endpoints.js';
import { RelayError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { SessionProvider } from '../token/session.js';
import { copilotRequestHeaders } from './headers.js';
import type { CopilotIntent, Initiator } from './headers.js';

export interface UpstreamRequest {
  method: 'GET' | 'POST';
  /** Relative to the session's apiBaseUrl, e.g. `/chat/completions`. */
  path: string;
  /** JSON-serialisable body (serialised once, reused by the single retry). */
  body?: unknown;
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
  /** Keep-alive connections per upstream origin. */
  connections?: number;
  env?: NodeJS.ProcessEnv;
}

const DEFAULT_HEADERS_TIMEOUT_MS = 120_000;
const DEFAULT_BODY_TIMEOUT_MS = 300_000;

/**
 * Builds the upstream dispatchers: a keep-alive pool for direct connections, and — only when
 * HTTP(S)_PROXY is set — an EnvHttpProxyAgent (which honours NO_PROXY). Loopback is never proxied.
 */
function buildDispatchers(options: CopilotClientOptions): { direct: Dispatcher; proxied: Dispatcher | null } {
  const env = options.env ?? process.env;
  let ca: string[] | undefined;
  if (options.caFile) {
    try {
      ca = [...rootCertificates, readFileSync(options.caFile, 'utf8')];
    } catch (error) {
      throw new RelayError('config', `Could not read the extra CA certificates file ${options.caFile}.`, { cause: error });
    }
  }
  const common = {
    connections: options.connections ?? 64,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 120_000,
    pipelining: 1,
    ...(ca ? { connect: { ca } } : {}),
  };
  const direct = new Agent(common);
  const hasProxy = Boolean(env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy);
  const proxied = hasProxy ? new EnvHttpProxyAgent({ ...common, ...(ca ? { requestTls: { ca }, proxyTls: { ca } } : {}) }) : null;
  return { direct, proxied };
}

/** The Copilot API client: session, headers, one retry on 401/403, abort propagation, keep-alive. */
export class CopilotClient {
  private readonly sessions: SessionProvider;
  private readonly logger: Logger;
  private readonly direct: Dispatcher;
  private readonly proxied: Dispatcher | null;
  private readonly ownsDispatchers: boolean;
  private readonly headersTimeout: number;
  private readonly bodyTimeout: number;

  constructor(options: CopilotClientOptions) {
    this.sessions = options.sessions;
    this.logger = options.logger;
    if (options.dispatcher) {
      this.direct = options.dispatcher;
      this.proxied = null;
      this.ownsDispatchers = false;
    } else {
      const built = buildDispatchers(options);
      this.direct = built.direct;
      this.proxied = built.proxied;
      this.ownsDispatchers = true;
    }
    this.headersTimeout = options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
    this.bodyTimeout = options.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS;
  }

  private dispatcherFor(url: URL): Dispatcher {
    if (!this.proxied || isLoopbackHostname(url.hostname.replace(/^\[|\]$/g, ''))) return this.direct;
    return this.proxied;
  }

  async request(options: UpstreamRequest): Promise<UpstreamResponse> {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
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

  private async send(baseUrl: string, bearer: string, options: UpstreamRequest, payload: string | undefined): Promise<UpstreamResponse> {
    const url = new URL(baseUrl.replace(/\/+$/, '') + options.path);
    const headers = copilotRequestHeaders({
      bearer,
      intent: options.intent,
      initiator: options.initiator,
      vision: options.vision,
      requestId: options.requestId,
      json: payload !== undefined,
      extra: options.extraHeaders,
    });
    const res = await request(url, {
      method: options.method,
      headers,
      body: payload,
      signal: options.signal,
      dispatcher: this.dispatcherFor(url),
      headersTimeout: this.headersTimeout,
      bodyTimeout: this.bodyTimeout,
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

  async close(): Promise<void> {
    if (!this.ownsDispatchers) return;
    await Promise.allSettled([this.direct.close(), this.proxied?.close()]);
  }
}
