import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { RelayError, isAbortError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { CERTIFICATE_FIX, certificateErrorCode } from '../net/network-env.js';
import { upstreamDispatcher } from '../net/upstream-dispatcher.js';
import type { CopilotSession, SessionProvider } from '../token/session.js';
import { refusalKind } from './forbidden.js';
import { copilotRequestHeaders } from './headers.js';
import type { CopilotIntent, Initiator } from './headers.js';
import { TOO_LARGE_MESSAGE, WholeAnswer } from './whole-answer.js';
import type { WholeAnswerResult } from './whole-answer.js';

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
  /**
   * `false`: the answer is read whole (up to 64 MiB) before request() resolves, with no body stream
   * (whole-answer.ts). Otherwise the body streams. Every body gets the same idle timeout either way.
   */
  stream?: boolean;
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The raw body; consume it exactly once (pipe, iterate, bytes(), json() or text()). */
  body: Readable & AsyncIterable<Buffer>;
  /** The whole body (at once when it was read whole); past `limit` bytes the read fails. */
  bytes(limit?: number): Promise<Buffer>;
  json(): Promise<unknown>;
  text(): Promise<string>;
  /** Discards the body (frees the pooled connection). */
  dump(): Promise<void>;
}

export interface CopilotClientOptions {
  sessions: SessionProvider;
  logger: Logger;
  /** Injected dispatcher (tests, bench); otherwise the process's upstream dispatcher for this env and CA file. */
  dispatcher?: Dispatcher;
  /** Extra CA PEM file (setting `extraCaCertsFile`), on top of Node's roots and NODE_EXTRA_CA_CERTS. */
  caFile?: string | null;
  /** Time to wait for upstream response headers before answering 504. */
  headersTimeoutMs?: number;
  /** Max silence between body chunks (streams can think for a long time). */
  bodyTimeoutMs?: number;
  /** Cap on concurrent connections per upstream origin (default: none). */
  connections?: number;
  env?: NodeJS.ProcessEnv;
}

const DEFAULT_HEADERS_TIMEOUT_MS = 120_000;
const DEFAULT_BODY_TIMEOUT_MS = 300_000;
/** Refusal bodies are small; one this big is not worth keeping in memory to classify. */
const REFUSAL_BODY_LIMIT = 1024 * 1024;
/** Answers read whole (`stream: false`) up to 64 MiB. */
const WHOLE_BODY_LIMIT = 64 * 1024 * 1024;

/**
 * Collects an upstream body; past `limit` bytes the body is destroyed and the read fails. A body
 * that ends early (upstream hung up, or the call was aborted) fails too. Plain events: forward.ts
 * reads every non-stream answer through this.
 */
export function readUpstreamBody(body: Readable, limit = Infinity): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    body.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        body.destroy();
        reject(new Error(TOO_LARGE_MESSAGE));
        return;
      }
      chunks.push(chunk);
    });
    body.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    body.on('error', reject);
    body.on('close', () => {
      if (!body.readableEnded) reject(Object.assign(new Error('Upstream response closed early.'), { code: 'ECONNRESET' }));
    });
  });
}

/** An upstream answer: undici's body stream, or bytes already read (a whole answer, a passed-on refusal). */
class UpstreamReply implements UpstreamResponse {
  constructor(
    readonly status: number,
    readonly headers: Record<string, string | string[] | undefined>,
    private stream: (Readable & AsyncIterable<Buffer>) | null,
    private whole: Buffer | null = null,
  ) {}

  /** Made on demand for an answer read whole (most readers take bytes() instead). */
  get body(): Readable & AsyncIterable<Buffer> {
    return (this.stream ??= Readable.from([this.whole!], { objectMode: false }));
  }

  bytes(limit = Infinity): Promise<Buffer> {
    if (this.stream || !this.whole) return readUpstreamBody(this.body, limit);
    if (this.whole.length > limit) return Promise.reject(new Error(TOO_LARGE_MESSAGE));
    return Promise.resolve(this.whole);
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text()) as unknown;
  }

  async text(): Promise<string> {
    return (await this.bytes()).toString('utf8');
  }

  dump(): Promise<void> {
    if (!this.stream) return Promise.resolve();
    const body = this.stream;
    return new Promise<void>((resolve) => {
      if (body.readableEnded || body.destroyed) return resolve();
      body.on('error', () => resolve());
      body.once('end', resolve);
      body.once('close', resolve);
      body.resume();
    });
  }
}

/**
 * The Copilot API client: session, headers, one retry with a fresh session token on 401 (and on a
 * 403 that may be about the token: see onForbidden), the caller's AbortSignal, timeouts. Transport
 * is the shared undici dispatcher (net/upstream-dispatcher.ts).
 */
export class CopilotClient {
  private readonly sessions: SessionProvider;
  private readonly logger: Logger;
  private readonly dispatcher: Dispatcher;
  private readonly headersTimeout: number;
  private readonly bodyTimeout: number;
  /** The session base URL last seen, split once into origin and path prefix. */
  private base = { url: '', origin: '', prefix: '' };
  /** A session token obtained by re-exchanging after a 403: a 403 with it again is about the request, not the token. */
  private recheckedToken: string | null = null;

  constructor(options: CopilotClientOptions) {
    this.sessions = options.sessions;
    this.logger = options.logger;
    this.dispatcher = options.dispatcher ?? upstreamDispatcher({ env: options.env, caFile: options.caFile, connections: options.connections });
    this.headersTimeout = options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
    this.bodyTimeout = options.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS;
  }

  async request(options: UpstreamRequest): Promise<UpstreamResponse> {
    const payload = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    const session = await this.sessions.getSession(options.signal);
    const response = await this.send(session, options, payload);
    if (response.status === 401) {
      // The session token expired or was revoked: drop it, re-exchange, retry exactly once.
      await response.dump();
      this.logger.info('Copilot API refused the session token; re-exchanging and retrying once', { status: 401, requestId: options.requestId });
      return this.retry(session, options, payload);
    }
    if (response.status === 403) return this.onForbidden(session, response, options, payload);
    return response;
  }

  /**
   * A 403 is either about the session token (expired: retry with a new one) or about the request (a
   * model or feature blocked by policy: pass it on). Re-exchanging on every policy 403 made one
   * blocked model cost a GitHub exchange per request until GitHub rate-limited the exchange and every
   * model failed (RT-04). So: a recognisable policy refusal is passed on at once, and any other 403
   * re-exchanges at most once per session token.
   */
  private async onForbidden(session: CopilotSession, response: UpstreamResponse, options: UpstreamRequest, payload: string | Buffer | undefined): Promise<UpstreamResponse> {
    const body = await response.bytes(REFUSAL_BODY_LIMIT);
    if (refusalKind(body) !== 'policy' && session.token !== this.recheckedToken) {
      this.logger.info('Copilot API answered 403; re-exchanging the session token and retrying once', { status: 403, requestId: options.requestId });
      return this.retry(session, options, payload, (fresh) => (this.recheckedToken = fresh.token));
    }
    this.logger.debug('Copilot API refused the request (403); passing it on, session kept', { requestId: options.requestId });
    return new UpstreamReply(403, response.headers, null, body);
  }

  private async retry(stale: CopilotSession, options: UpstreamRequest, payload: string | Buffer | undefined, onFresh?: (session: CopilotSession) => void): Promise<UpstreamResponse> {
    this.sessions.invalidate(stale.token);
    const fresh = await this.sessions.getSession(options.signal);
    onFresh?.(fresh);
    return this.send(fresh, options, payload);
  }

  private async send(session: CopilotSession, options: UpstreamRequest, payload: string | Buffer | undefined): Promise<UpstreamResponse> {
    if (session.apiBaseUrl !== this.base.url) {
      const url = new URL(session.apiBaseUrl);
      this.base = { url: session.apiBaseUrl, origin: url.origin, prefix: url.pathname.replace(/\/+$/, '') };
    }
    const headers = copilotRequestHeaders({
      bearer: session.token,
      intent: options.intent,
      initiator: options.initiator,
      vision: options.vision,
      requestId: options.requestId,
      json: payload !== undefined,
      extra: options.extraHeaders,
    });
    // `signal` is read by request(); a dispatched call gets it through its handler.
    const call = { origin: this.base.origin, path: this.base.prefix + options.path, method: options.method, headers, body: payload, signal: options.signal, headersTimeout: this.headersTimeout, bodyTimeout: this.bodyTimeout };
    try {
      if (options.stream === false) {
        const whole = await new Promise<WholeAnswerResult>((resolve, reject) => {
          if (options.signal?.aborted) return reject(options.signal.reason);
          this.dispatcher.dispatch(call, new WholeAnswer(WHOLE_BODY_LIMIT, options.signal, resolve, reject));
        });
        return new UpstreamReply(whole.status, whole.headers, null, whole.body);
      }
      const res = await this.dispatcher.request(call);
      return new UpstreamReply(res.statusCode, res.headers, res.body as unknown as Readable & AsyncIterable<Buffer>);
    } catch (error) {
      const certificate = certificateErrorCode(error);
      if (certificate) throw new RelayError('network', `The Copilot API's TLS certificate is not trusted (${certificate}). ${CERTIFICATE_FIX}`, { cause: error });
      // undici reports a proxy's refusal of the tunnel as an abort: it is not the client's cancel.
      if (!options.signal?.aborted && isAbortError(error)) {
        throw new RelayError('network', `Could not reach the Copilot API through the proxy (${error instanceof Error ? error.message : String(error)}).`, { cause: error });
      }
      throw error;
    }
  }

  /** The dispatcher is the process's shared one (or the injector's): nothing of its own to close. */
  async close(): Promise<void> {}
}
