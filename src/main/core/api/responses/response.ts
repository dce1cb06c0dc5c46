import type { IrPart, IrResponse, IrStopReason, IrUsage } from '../ir.js';
import { isObject, newId, num, objects, str } from '../json.js';
import type { Json } from '../json.js';
import { FOREIGN_REASONING_PREFIX } from '../reasoning-id.js';

/**
 * Responses API answer (non-stream, and the `response` object of the terminal stream events) ⇄ IR.
 * Output items map one to one: reasoning (summary text + encrypted_content), message (output_text,
 * refusal), function_call (call_id kept as the tool call id).
 */

export function responsesUsageToIr(usage: unknown, copilotUsage?: unknown): Partial<IrUsage> {
  const out: Partial<IrUsage> = {};
  if (isObject(usage)) {
    const input = num(usage.input_tokens);
    const output = num(usage.output_tokens);
    if (input !== undefined) out.inputTokens = input;
    if (output !== undefined) out.outputTokens = output;
    out.cachedTokens = isObject(usage.input_tokens_details) ? num(usage.input_tokens_details.cached_tokens) ?? 0 : 0;
    const reasoning = isObject(usage.output_tokens_details) ? num(usage.output_tokens_details.reasoning_tokens) : undefined;
    if (reasoning !== undefined) out.reasoningTokens = reasoning;
  }
  const nano = isObject(copilotUsage) ? num(copilotUsage.total_nano_aiu) : undefined;
  if (nano !== undefined) out.nanoAiu = nano;
  return out;
}

export function irUsageToResponses(usage: IrUsage): Json {
  return {
    input_tokens: usage.inputTokens,
    input_tokens_details: { cached_tokens: usage.cachedTokens },
    output_tokens: usage.outputTokens,
    output_tokens_details: { reasoning_tokens: usage.reasoningTokens ?? 0 },
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
}

/** The stop reason of a finished `response` object. */
export function responsesStop(response: Json, hasToolCalls: boolean): IrStopReason {
  if (response.status === 'incomplete') {
    const reason = isObject(response.incomplete_details) ? response.incomplete_details.reason : undefined;
    return reason === 'content_filter' ? 'content_filter' : 'length';
  }
  return hasToolCalls ? 'tool_use' : 'end';
}

export function responsesOutputToParts(output: unknown): IrPart[] {
  const parts: IrPart[] = [];
  for (const item of objects(output)) {
    if (item.type === 'reasoning') {
      const summary = objects(item.summary).map((s) => str(s.text) ?? '').join('\n\n');
      const detail = objects(item.content).map((c) => str(c.text) ?? '').join('');
      parts.push({ type: 'reasoning', text: detail || summary, ...(typeof item.id === 'string' ? { id: item.id } : {}), ...(typeof item.encrypted_content === 'string' ? { signature: item.encrypted_content } : {}) });
    } else if (item.type === 'message') {
      const text = objects(item.content).map((c) => str(c.text) ?? str(c.refusal) ?? '').join('');
      if (text) parts.push({ type: 'text', text });
    } else if (item.type === 'function_call') {
      parts.push({ type: 'tool_call', id: str(item.call_id) ?? str(item.id) ?? newId('call_'), name: str(item.name) ?? '', arguments: str(item.arguments) ?? '' });
    }
  }
  return parts;
}

export function decodeResponsesResponse(body: unknown, copilotUsage?: unknown): IrResponse {
  const response = isObject(body) ? body : {};
  const content = responsesOutputToParts(response.output);
  const usage = responsesUsageToIr(response.usage, copilotUsage ?? response.copilot_usage);
  return {
    id: str(response.id),
    content,
    stopReason: responsesStop(response, content.some((p) => p.type === 'tool_call')),
    usage: usage.inputTokens !== undefined || usage.outputTokens !== undefined ? { inputTokens: 0, outputTokens: 0, cachedTokens: 0, ...usage } : undefined,
  };
}

/** One output item in Responses shape (also used by the stream encoder for its `done` events). */
export function reasoningItem(id: string, text: string, signature: string | undefined): Json {
  return { type: 'reasoning', id, summary: text ? [{ type: 'summary_text', text }] : [], ...(signature ? { encrypted_content: signature } : {}) };
}

export function messageItem(id: string, text: string, status = 'completed'): Json {
  return { type: 'message', id, status, role: 'assistant', content: [{ type: 'output_text', text, annotations: [] }] };
}

export function functionCallItem(id: string, callId: string, name: string, args: string, status = 'completed'): Json {
  return { type: 'function_call', id, call_id: callId, name, arguments: args, status };
}

export function foreignReasoningId(): string {
  return newId(FOREIGN_REASONING_PREFIX);
}

export interface ResponsesResponseContext {
  model: string;
}

/** The `response` object: used for the non-stream answer and by the stream encoder's terminal event. */
export function responseObject(fields: { id: string; model: string; status: string; output: Json[]; usage?: IrUsage | null; stopReason?: IrStopReason; createdAt?: number }): Json {
  return {
    id: fields.id,
    object: 'response',
    created_at: fields.createdAt ?? Math.floor(Date.now() / 1000),
    status: fields.status,
    error: null,
    incomplete_details: fields.status === 'incomplete' ? { reason: fields.stopReason === 'content_filter' ? 'content_filter' : 'max_output_tokens' } : null,
    model: fields.model,
    output: fields.output,
    parallel_tool_calls: true,
    tool_choice: 'auto',
    tools: [],
    usage: fields.usage ? irUsageToResponses(fields.usage) : null,
  };
}

export function statusFor(reason: IrStopReason): 'completed' | 'incomplete' {
  return reason === 'length' || reason === 'content_filter' ? 'incomplete' : 'completed';
}

export function encodeResponsesResponse(ir: IrResponse, context: ResponsesResponseContext): Json {
  const output: Json[] = [];
  const status = statusFor(ir.stopReason);
  let text = '';
  const flush = () => {
    if (text) output.push(messageItem(newId('msg_'), text, status));
    text = '';
  };
  for (const part of ir.content) {
    if (part.type === 'reasoning') {
      flush();
      output.push(reasoningItem(part.id ?? foreignReasoningId(), part.text, part.signature));
    } else if (part.type === 'text') text += part.text;
    else if (part.type === 'tool_call') {
      flush();
      output.push(functionCallItem(newId('fc_'), part.id, part.name, part.arguments));
    }
  }
  flush();
  return responseObject({ id: ir.id?.startsWith('resp_') ? ir.id : newId('resp_'), model: context.model, status, output, usage: ir.usage, stopReason: ir.stopReason });
}
