import type { CopilotModel } from '../copilot/models.js';
import { isRelayError } from '../errors.js';
import type { RouteContext } from './route.js';

export type ModelLookup =
  | { found: true; model: CopilotModel; /** false: the catalogue was unavailable, the id is used as sent. */ known: boolean }
  | { found: false; status: number; code: string; message: string; headers: Record<string, string> };

/**
 * The Copilot model behind the id a caller sent, through the catalogue's one resolver (id cap,
 * dated Claude ids and other spellings, policy): an unknown id is a 404 with close matches, a model
 * that needs the user's consent a 403 saying how to give it. When the model list itself can't be
 * had (upstream trouble), the request still goes out, to the caller's own endpoint with the id as
 * sent: the list is a convenience, not a gate.
 */
export async function lookUpModel(ctx: RouteContext, requested: string): Promise<ModelLookup> {
  let lookup: Awaited<ReturnType<RouteContext['models']['resolve']>>;
  try {
    lookup = await ctx.models.resolve(requested, { signal: ctx.signal });
  } catch (error) {
    // Only the list's own trouble (an upstream answer, the network) is worked around: a session or
    // identity problem (not signed in, no session yet, outdated client…) fails the request the same way.
    if (ctx.signal.aborted || (isRelayError(error) && error.kind !== 'upstream' && error.kind !== 'network')) throw error;
    ctx.logger.warn('Model list unavailable; forwarding with the model id as sent', { requestId: ctx.requestId, error: error instanceof Error ? error.message : String(error) });
    return { found: true, model: { id: requested }, known: false };
  }
  if (!lookup.ok) return { found: false, status: lookup.status, code: lookup.code, message: lookup.message, headers: lookup.headers };
  if (lookup.via !== 'exact') ctx.logger.debug('Mapped a model id', { requested: requested.slice(0, 100), model: lookup.model.id, via: lookup.via });
  return { found: true, model: lookup.model, known: true };
}
