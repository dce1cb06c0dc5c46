import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CopilotClient } from '../copilot/client.js';
import type { ModelCatalog } from '../copilot/models.js';
import type { Logger } from '../log/logger.js';
import type { RequestUsage, UsageObserver } from '../usage/observer.js';

/** Which API shape a route speaks: decides the error envelope. */
export type Dialect = 'openai' | 'anthropic';

/** Everything a route handler gets. Guards, API key, body limit and JSON parsing already ran. */
export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  /** Parsed JSON body for POST routes (undefined for GET). */
  body: unknown;
  /** The raw request bytes behind `body` (POST only): forward them unchanged when the body isn't modified. */
  rawBody?: Buffer;
  requestId: string;
  /** `performance.now()` when the request arrived (for time-to-first-byte). */
  startedAt: number;
  /** Aborted when the client disconnects (or the server shuts down hard): pass it upstream. */
  signal: AbortSignal;
  copilot: CopilotClient;
  models: ModelCatalog;
  logger: Logger;
  /** Adds fields to the single per-request log line (never prompt text or tokens). */
  setLogFields(fields: { model?: string; stream?: boolean }): void;
  /** This request's usage facts: the route fills them in; the server records them when the response ends. */
  usage: RequestUsage;
  /** Budget, rate-limit understanding and the ledger (a no-op unless the service provides one). */
  usageObserver: UsageObserver;
}

export interface Route {
  method: 'GET' | 'POST';
  /** Exact path; the query string is ignored when matching. */
  path: string;
  /** `path` is a prefix (e.g. `/v1/models/`): matches any longer path; the rest is the route's parameter. */
  prefix?: boolean;
  dialect: Dialect;
  handle(ctx: RouteContext): Promise<void>;
}
