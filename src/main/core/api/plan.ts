import type { CopilotModel } from '../copilot/models.js';
import { ADAPTERS } from './adapters.js';
import { ENDPOINT_OF } from './ir.js';
import type { GenerationApi, GenerationEndpoint, IrRequest } from './ir.js';
import type { Json } from './json.js';

/**
 * Which Copilot endpoint serves a request: the caller's own API when the model lists it (native,
 * no translation); otherwise VS Code's order of preference, `/responses`, `/v1/messages`,
 * `/chat/completions`. Null when the model has none of them (e.g. an embeddings model).
 */
export const PREFERENCE: readonly GenerationApi[] = ['responses', 'messages', 'chat'];

export function planUpstream(client: GenerationApi, supports: (endpoint: GenerationEndpoint) => boolean): GenerationApi | null {
  if (supports(ENDPOINT_OF[client])) return client;
  return PREFERENCE.find((api) => supports(ENDPOINT_OF[api])) ?? null;
}

export interface Translation {
  ir: IrRequest;
  body: Json;
  /** Stop sequences the relay enforces itself (the upstream can't, or can't say which matched). */
  localStop?: string[];
}

/**
 * Decodes the caller's body and encodes it for another API. Stop sequences stay local when the
 * upstream has none (`/responses`) or when a Messages caller needs the exact sequence reported.
 */
export function translateRequest(client: GenerationApi, upstream: GenerationApi, body: Json, model: CopilotModel): Translation {
  const ir = ADAPTERS[client].decodeRequest(body);
  let localStop: string[] | undefined;
  if (ir.stop && (upstream === 'responses' || (client === 'messages' && upstream !== 'messages'))) {
    localStop = ir.stop;
    ir.stop = undefined;
  }
  return { ir, body: ADAPTERS[upstream].encodeRequest(ir, model), localStop };
}
