import type { IrPart, IrResponse, IrStopReason, IrUsage } from '../ir.js';
import { isObject, newId, num, objects, str } from '../json.js';
import type { Json } from '../json.js';
import { packReasoningSignature, unpackReasoningSignature } from '../reasoning-id.js';

/**
 * Chat completion (non-stream) ⇄ IR. Every choice is merged: Copilot may put text and tool calls
 * in separate choices. Parts come out in the order reasoning, text, tool calls.
 */

export function chatFinishToStop(reasons: Array<string | null | undefined>, hasToolCalls: boolean): IrStopReason {
  if (reasons.includes('length')) return 'length';
  if (hasToolCalls) return 'tool_use';
  if (reasons.includes('content_filter')) return 'content_filter';
  return 'end';
}

export function stopToChatFinish(reason: IrStopReason): string {
  switch (reason) {
    case 'length':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'content_filter':
    case 'refusal':
      return 'content_filter';
    default:
      return 'stop';
  }
}

/** Chat usage (and Copilot's `copilot_usage` beside it) → IR usage. */
export function chatUsageToIr(usage: unknown, copilotUsage?: unknown): Partial<IrUsage> {
  const out: Partial<IrUsage> = {};
  if (isObject(usage)) {
    const prompt = num(usage.prompt_tokens);
    const completion = num(usage.completion_tokens);
    if (prompt !== undefined) out.inputTokens = prompt;
    if (completion !== undefined) out.outputTokens = completion;
    out.cachedTokens = isObject(usage.prompt_tokens_details) ? num(usage.prompt_tokens_details.cached_tokens) ?? 0 : 0;
    const reasoning = isObject(usage.completion_tokens_details) ? num(usage.completion_tokens_details.reasoning_tokens) : undefined;
    if (reasoning !== undefined) out.reasoningTokens = reasoning;
  }
  const nano = isObject(copilotUsage) ? num(copilotUsage.total_nano_aiu) : undefined;
  if (nano !== undefined) out.nanoAiu = nano;
  return out;
}

export function irUsageToChat(usage: IrUsage): Json {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
    prompt_tokens_details: { cached_tokens: usage.cachedTokens },
    ...(usage.reasoningTokens !== undefined ? { completion_tokens_details: { reasoning_tokens: usage.reasoningTokens } } : {}),
  };
}

export function decodeChatResponse(body: unknown): IrResponse {
  const chat = isObject(body) ? body : {};
  let thinking = '';
  let opaque: string | undefined;
  let text = '';
  const calls: IrPart[] = [];
  const reasons: Array<string | null | undefined> = [];
  const choices = objects(chat.choices).sort((a, b) => (num(a.index) ?? 0) - (num(b.index) ?? 0));
  for (const choice of choices) {
    reasons.push(str(choice.finish_reason));
    const message = isObject(choice.message) ? choice.message : null;
    if (!message) continue;
    thinking += str(message.reasoning_text) ?? str(message.reasoning_content) ?? '';
    opaque = str(message.reasoning_opaque) ?? opaque;
    if (typeof message.content === 'string') text += message.content;
    for (const call of objects(message.tool_calls)) {
      const fn = isObject(call.function) ? call.function : {};
      calls.push({ type: 'tool_call', id: str(call.id) || newId('call_'), name: str(fn.name) ?? '', arguments: str(fn.arguments) ?? '' });
    }
  }
  const content: IrPart[] = [];
  if (thinking || opaque) content.push({ type: 'reasoning', text: thinking, ...unpackReasoningSignature(opaque) });
  if (text) content.push({ type: 'text', text });
  content.push(...calls);
  const usage = chatUsageToIr(chat.usage, chat.copilot_usage);
  return {
    id: str(chat.id),
    content,
    stopReason: chatFinishToStop(reasons, calls.length > 0),
    usage: usage.inputTokens !== undefined || usage.outputTokens !== undefined ? { inputTokens: 0, outputTokens: 0, cachedTokens: 0, ...usage } : undefined,
  };
}

export interface ChatResponseContext {
  /** The model id the caller sent (echoed back). */
  model: string;
}

export function encodeChatResponse(ir: IrResponse, context: ChatResponseContext): Json {
  const text = ir.content.filter((p) => p.type === 'text').map((p) => (p as { text: string }).text).join('');
  const calls = ir.content.filter((p) => p.type === 'tool_call');
  const reasoning = ir.content.filter((p) => p.type === 'reasoning');
  const message: Json = { role: 'assistant', content: text || (calls.length > 0 ? null : '') };
  if (calls.length > 0) message.tool_calls = calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } }));
  if (reasoning.length > 0) {
    message.reasoning_text = reasoning.map((r) => r.text).join('');
    const last = reasoning.at(-1)!;
    const opaque = packReasoningSignature(last.id, last.signature);
    if (opaque) message.reasoning_opaque = opaque;
  }
  return {
    id: ir.id?.startsWith('chatcmpl') ? ir.id : newId('chatcmpl-'),
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: context.model,
    choices: [{ index: 0, message, finish_reason: stopToChatFinish(ir.stopReason) }],
    ...(ir.usage ? { usage: irUsageToChat(ir.usage) } : {}),
  };
}
