import { getEventListeners } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { CopilotClient } from '../copilot/client.js';
import type { ModelCatalog } from '../copilot/models.js';
import { RelayError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { newRequestUsage } from '../usage/observer.js';
import type { RequestUsage, UsageObserver } from '../usage/observer.js';
import type { RequestBody } from './request-body.js';
import type { RouteContext } from './route.js';

/** Why a request's signal fired (shared: an abort reason is never changed, and needs no stack of its own). */
export const CLIENT_GONE = new RelayError('cancelled', 'Client disconnected.');
/** A connection's client-gone controller, kept on the socket itself (see RequestContext.signal). */
const CONNECTION_ABORT = Symbol('connectionAbort');
type AbortableSocket = Socket & { [CONNECTION_ABORT]?: AbortController };
export const SHUTTING_DOWN = new RelayError('cancelled', 'Server shutting down.');

/**
 * A counter of event-loop turns, advanced in the check phase of each turn for two turns after a
 * request reached its route (one shared setImmediate at a time; nothing runs while idle). A FIN
 * read at most one turn after its request's came with it: the turn that read the request may
 * have stopped at a partial read, so the FIN sent right behind it is read in the next poll.
 */
let turn = 1;
let turnsToCount = 0;
function countTurn(): void {
  turn++;
  if (--turnsToCount > 0) setImmediate(countTurn);
}
export function currentTurn(): number {
  if (turnsToCount === 0) setImmediate(countTurn);
  turnsToCount = 2;
  return turn;
}

/**
 * One request's state and its RouteContext in one object (methods on the prototype: no closures
 * per request). Its AbortSignal fires when the client goes away before its answer is out: the
 * route passes it upstream, where undici aborts the call.
 */
export class RequestContext implements RouteContext {
  body: unknown = undefined;
  rawBody: Buffer | undefined = undefined;
  readonly fields: { model?: string; stream?: boolean } = {};
  controller: AbortController | null = null;
  gone = false;
  /** Ended by a shutdown past its grace (logged as 499, reason=shutdown). */
  cutByShutdown = false;
  readonly usage: RequestUsage = newRequestUsage();
  /** Budget held by this request's body (released when the response ends). */
  requestBody: RequestBody | null = null;
  /** The event-loop turn (currentTurn()) in which the route got the complete request, 0 before. */
  routedTurn = 0;

  /** Captured now: the connection this request came on, even after the response detaches. */
  private readonly socket: AbortableSocket;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly requestId: string,
    /** `performance.now()` when the request arrived (for time-to-first-byte). */
    readonly startedAt: number,
    readonly copilot: CopilotClient,
    readonly models: ModelCatalog,
    readonly logger: Logger,
    readonly usageObserver: UsageObserver,
  ) {
    this.socket = req.socket;
  }

  /**
   * One controller per connection, made on first use and shared by the requests it carries (an
   * HTTP/1.1 client cancels a request only by closing its connection, so "client gone" is a property
   * of the socket). Measured with bench/ab.ts at 1,500 req/s: an AbortController per request cost
   * 7 % more relay CPU per request (ratios 0.937 and 0.929 for the shared one). Users of the signal
   * remove their listeners when done (undici, the token manager, the model catalogue, waitDrain).
   */
  get signal(): AbortSignal {
    let controller = this.controller;
    if (!controller) {
      const socket = this.socket;
      controller = socket[CONNECTION_ABORT] ?? null;
      if (!controller || controller.signal.aborted) socket[CONNECTION_ABORT] = controller = new AbortController();
      this.controller = controller;
      if (this.gone) controller.abort(CLIENT_GONE);
    }
    return controller.signal;
  }

  abort(reason: RelayError): void {
    this.gone = true;
    this.controller?.abort(reason);
  }

  /**
   * The client sent FIN (RT-21). A half-close right behind the request (`nc -N`, shutdown(SHUT_WR))
   * means "done sending": the answer still comes, then the connection closes. But HTTP clients
   * also cancel by closing, and a proxy can't tell the two apart until it writes. So: a FIN that
   * came with the request (read before the route got it, or within one event-loop turn of it) is
   * a half-close; a later one cancels whatever the request is waiting on now (the Copilot API, a
   * session exchange), as nginx does for proxied requests. What the relay answers itself is
   * answered. (A FIN that lags its request by more than a turn — a client descheduled between
   * its write and its shutdown — is taken for a cancel: the nginx behaviour.)
   */
  clientEnded(): void {
    if (this.routedTurn === 0 || turn - this.routedTurn <= 1) return;
    const controller = this.controller;
    if (!controller || controller.signal.aborted || getEventListeners(controller.signal, 'abort').length === 0) return;
    this.abort(CLIENT_GONE);
    this.res.destroy();
  }

  setLogFields(more: { model?: string; stream?: boolean }): void {
    Object.assign(this.fields, more);
  }
}
