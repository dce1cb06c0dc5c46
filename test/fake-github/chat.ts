import { randomBytes } from 'node:crypto';
import type { Reply } from './http-util.js';
import { billedUsage } from './billing.js';
import { findModel, modelSupports, modelThinks } from './models.js';
import type { FakeState } from './state.js';
import { dataFrame, streamFrames } from './sse.js';
import type { Frame } from './sse.js';
import { applyStop, roughTokens, splitPieces, textOf, truncateWords, words } from './text.js';
import { pickTool, toolNames } from './tool-request.js';
import { checkChat } from './strict.js';

export const MODEL_NOT_SUPPORTED = { error: { message: 'The requested model is not supported.', code: 'model_not_supported' } };

type Message = Record<string, unknown>;
interface ToolCall { id: string; name: string; arguments: string }

interface ChatAnswer {
  text: string | null;
  reasoning: string | null;
  toolCall: ToolCall | null;
  finishReason: 'stop' | 'length' | 'tool_calls';
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number; prompt_tokens_details: { cached_tokens: number } };
}

function lastUserText(messages: Message[]): string {
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i]!['role'] === 'user') return textOf(messages[i]!['content']);
  return '';
}

function forcedTool(toolChoice: unknown): string | null {
  const named = toolChoice && typeof toolChoice === 'object' ? (toolChoice as { function?: { name?: unknown } }).function?.name : undefined;
  return typeof named === 'string' ? named : null;
}

export function newId(prefix: string): string {
  return `${prefix}${randomBytes(12).toString('hex')}`;
}

/** The deterministic answer for a chat request (see the task contract). */
function answerFor(state: FakeState, body: Record<string, unknown>, thinks: boolean): ChatAnswer {
  const messages = body['messages'] as Message[];
  const last = messages[messages.length - 1]!;
  const userText = lastUserText(messages);
  const tools = Array.isArray(body['tools']) ? body['tools'] : [];
  const prompt = roughTokens(messages.map((m) => m['content'])) + roughTokens(tools);
  const cached = Math.min(state.knobs.cachedTokens, prompt);
  const reasoning = thinks && (body['reasoning_effort'] !== undefined || body['thinking_budget'] !== undefined) ? `Thinking about: ${userText}` : null;
  const usage = (completion: number) => ({
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cached },
  });

  const userTurn = tools.length > 0 && body['tool_choice'] !== 'none' && last['role'] === 'user';
  const pick = userTurn ? pickTool(state.knobs.toolCallMode, userText, toolNames(tools), forcedTool(body['tool_choice'])) : null;
  if (pick?.kind === 'call') {
    const toolName = pick.name;
    const args = pick.arguments;
    return {
      text: state.knobs.splitChoices ? `Calling ${toolName}.` : null,
      reasoning,
      toolCall: { id: newId('call_'), name: toolName, arguments: args },
      finishReason: 'tool_calls',
      usage: usage(1 + words(args).length),
    };
  }
  if (pick?.kind === 'refused') return { text: pick.text, reasoning, toolCall: null, finishReason: 'stop', usage: usage(words(pick.text).length) };
  const source = last['role'] === 'tool' ? textOf(last['content']) : userText;
  const stopped = applyStop(`Echo: ${source}`, body['stop']);
  const limit = body['max_completion_tokens'] ?? body['max_tokens'];
  const cut = stopped.matched === null ? truncateWords(stopped.text, limit) : { text: stopped.text, truncated: false };
  return { text: cut.text, reasoning, toolCall: null, finishReason: cut.truncated ? 'length' : 'stop', usage: usage(words(cut.text).length) };
}

/** Copilot's opaque reasoning proof on chat answers (the client sends it back with the turn). */
export const REASONING_OPAQUE = 'b3BhcXVlRkFLRQ==';

export function validateChat(body: unknown): { status: number; error: unknown } | { model: string; thinks: boolean } {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const model = findModel(b['model']);
  if (!model || !modelSupports(model, '/chat/completions')) return { status: 400, error: MODEL_NOT_SUPPORTED };
  if (!Array.isArray(b['messages']) || b['messages'].length === 0 || !b['messages'].every((m) => m && typeof m === 'object')) {
    return { status: 400, error: { error: { message: 'messages: expected a non-empty array of messages', code: 'invalid_request_body' } } };
  }
  const refused = checkChat(b, model);
  if (refused) return { status: 400, error: { error: { message: refused, code: 'invalid_request_body' } } };
  return { model: model.id, thinks: modelThinks(model) };
}

export async function handleChat(state: FakeState, reply: Reply, body: unknown): Promise<void> {
  const valid = validateChat(body);
  if ('error' in valid) return reply.json(valid.status, valid.error);
  const b = body as Record<string, unknown>;
  const answer = answerFor(state, b, valid.thinks);
  const id = newId('chatcmpl-');
  const created = Math.floor(Date.now() / 1000);
  const toolIndex = answer.text !== null && state.knobs.splitChoices ? 1 : 0;
  const billed = billedUsage(state, valid.model, { input: answer.usage.prompt_tokens, output: answer.usage.completion_tokens, cached: answer.usage.prompt_tokens_details.cached_tokens });

  if (b['stream'] !== true) {
    const toolCalls = answer.toolCall
      ? [{ id: answer.toolCall.id, type: 'function', function: { name: answer.toolCall.name, arguments: answer.toolCall.arguments } }]
      : undefined;
    const message = (content: string | null, calls?: unknown[]) => ({
      role: 'assistant',
      content,
      ...(calls ? { tool_calls: calls } : {}),
      ...(answer.reasoning ? { reasoning_text: answer.reasoning, reasoning_opaque: REASONING_OPAQUE } : {}),
    });
    const choices = toolIndex === 1
      ? [
          { index: 0, message: message(answer.text), finish_reason: answer.finishReason },
          { index: 1, message: { role: 'assistant', content: null, tool_calls: toolCalls }, finish_reason: answer.finishReason },
        ]
      : [{ index: 0, message: message(answer.text, toolCalls), finish_reason: answer.finishReason }];
    const payload = { id, object: 'chat.completion', created, model: valid.model, choices, usage: answer.usage, ...billed, system_fingerprint: 'fp_fake' };
    if (state.knobs.malformedJson) {
      const json = JSON.stringify(payload);
      return reply.text(200, json.slice(0, Math.floor(json.length / 2)), 'application/json; charset=utf-8');
    }
    return reply.json(200, payload);
  }

  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => ({ id, object: 'chat.completion.chunk', created, model: valid.model, choices, ...extra });
  const delta = (index: number, d: Record<string, unknown>) => dataFrame(chunk([{ index, delta: d, finish_reason: null }]), true);
  const frames: Frame[] = [];
  const n = state.knobs.streamChunks;
  let first = true;
  const role = (): Record<string, unknown> => (first ? ((first = false), { role: 'assistant' }) : {});
  for (const piece of splitPieces(answer.reasoning ?? '', n)) frames.push(delta(0, { ...role(), content: null, reasoning_text: piece }));
  if (answer.reasoning) frames.push(delta(0, { reasoning_opaque: REASONING_OPAQUE }));
  for (const piece of splitPieces(answer.text ?? '', n)) frames.push(delta(0, { ...role(), content: piece }));
  if (answer.toolCall) {
    const call = answer.toolCall;
    const head = { ...(toolIndex === 1 ? { role: 'assistant' } : role()), content: null };
    frames.push(delta(toolIndex, { ...head, tool_calls: [{ index: 0, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] }));
    for (const piece of splitPieces(call.arguments, n)) frames.push(delta(toolIndex, { tool_calls: [{ index: 0, function: { arguments: piece } }] }));
  }
  if (frames.length === 0) frames.push(delta(0, { ...role(), content: '' }));
  const finals = toolIndex === 1 ? [0, 1] : [0];
  frames.push(dataFrame(chunk(finals.map((index) => ({ index, delta: {}, finish_reason: answer.finishReason })))));
  if (state.knobs.streamUsage) frames.push(dataFrame(chunk([], { usage: answer.usage, ...billed })));
  frames.push({ text: 'data: [DONE]\n\n' });
  await streamFrames(state, reply, frames);
}
