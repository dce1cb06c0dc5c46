import { randomBytes } from 'node:crypto';
import { MODEL_NOT_SUPPORTED, newId } from './chat.js';
import type { Reply } from './http-util.js';
import { billedUsage } from './billing.js';
import { findModel, modelSupports } from './models.js';
import type { FakeState } from './state.js';
import { eventFrame, streamFrames } from './sse.js';
import type { Frame } from './sse.js';
import { applyStop, roughTokens, splitPieces, textOf, truncateWords, words } from './text.js';
import { pickTool, toolNames } from './tool-request.js';
import { checkMessages } from './strict.js';

type Block = Record<string, unknown>;
type Message = { role?: unknown; content?: unknown };

const invalid = (message: string) => ({ type: 'error', error: { type: 'invalid_request_error', message } });

function blocks(content: unknown): Block[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return Array.isArray(content) ? (content.filter((b) => b && typeof b === 'object') as Block[]) : [];
}

function forcedTool(choice: unknown): string | null {
  const c = choice && typeof choice === 'object' ? (choice as { type?: unknown; name?: unknown }) : null;
  return c?.type === 'tool' && typeof c.name === 'string' ? c.name : null;
}

/** `POST /v1/messages`: Anthropic Messages, only for models that list it (native passthrough path). */
export async function handleMessages(state: FakeState, reply: Reply, body: unknown, headers: Record<string, string> = {}): Promise<void> {
  const b = body as Record<string, unknown>;
  const model = findModel(b['model']);
  if (!model || !modelSupports(model, '/v1/messages')) return reply.json(400, MODEL_NOT_SUPPORTED);
  const messages = b['messages'];
  if (!Array.isArray(messages) || messages.length === 0) return reply.json(400, invalid('messages: at least one message is required'));
  if (typeof b['max_tokens'] !== 'number') return reply.json(400, invalid('max_tokens: Field required'));
  const refused = checkMessages(b, model, headers);
  if (refused) return reply.json(400, invalid(refused));

  const msgs = messages as Message[];
  const last = msgs[msgs.length - 1]!;
  const lastBlocks = blocks(last.content);
  const onlyToolResults = last.role === 'user' && lastBlocks.length > 0 && lastBlocks.every((x) => x['type'] === 'tool_result');
  let userText = '';
  for (let i = msgs.length - 1; i >= 0; i--) {
    const m = msgs[i]!;
    const userBlocks = blocks(m.content);
    if (m.role === 'user' && !userBlocks.every((x) => x['type'] === 'tool_result')) {
      userText = textOf(userBlocks.filter((x) => x['type'] === 'text'));
      break;
    }
  }
  const tools = Array.isArray(b['tools']) ? b['tools'] : [];
  const choiceType = (b['tool_choice'] as { type?: unknown } | undefined)?.type;
  const userTurn = tools.length > 0 && choiceType !== 'none' && last.role === 'user' && !onlyToolResults;
  const pick = userTurn ? pickTool(state.knobs.toolCallMode, userText, toolNames(tools), forcedTool(b['tool_choice'])) : null;
  const thinking = (b['thinking'] as { type?: unknown } | undefined)?.type === 'enabled' ? `Thinking about: ${userText}` : null;

  const content: Block[] = [];
  if (thinking) content.push({ type: 'thinking', thinking, signature: `sig_FAKE${randomBytes(8).toString('hex')}` });
  let stopReason: string;
  let stopSequence: string | null = null;
  if (pick?.kind === 'call') {
    content.push({ type: 'tool_use', id: newId('toolu_'), name: pick.name, input: JSON.parse(pick.arguments) as unknown });
    stopReason = 'tool_use';
  } else {
    const source = onlyToolResults ? textOf(lastBlocks) : userText;
    const stopped = applyStop(pick?.kind === 'refused' ? pick.text : `Echo: ${source}`, b['stop_sequences']);
    const cut = stopped.matched === null ? truncateWords(stopped.text, b['max_tokens']) : { text: stopped.text, truncated: false };
    content.push({ type: 'text', text: cut.text });
    stopReason = stopped.matched !== null ? 'stop_sequence' : cut.truncated ? 'max_tokens' : 'end_turn';
    stopSequence = stopped.matched;
  }
  const inputTokens = roughTokens(msgs.map((m) => m.content)) + roughTokens(b['system'] ?? '') + roughTokens(tools);
  const outputTokens = content.reduce((n, x) => n + words(String(x['text'] ?? x['thinking'] ?? JSON.stringify(x['input'] ?? ''))).length, 0);
  const cached = Math.min(state.knobs.cachedTokens, inputTokens);
  const usage = { input_tokens: inputTokens - cached, output_tokens: outputTokens, cache_read_input_tokens: cached, cache_creation_input_tokens: 0 };
  const message = { id: newId('msg_'), type: 'message', role: 'assistant', model: model.id, content, stop_reason: stopReason, stop_sequence: stopSequence, usage };
  // Anthropic's input_tokens excludes cache reads; billed on the whole prompt.
  const billed = billedUsage(state, model.id, { input: inputTokens, output: outputTokens, cached });

  if (b['stream'] !== true) {
    if (state.knobs.malformedJson) {
      const json = JSON.stringify(message);
      return reply.text(200, json.slice(0, Math.floor(json.length / 2)), 'application/json; charset=utf-8');
    }
    return reply.json(200, { ...message, ...billed });
  }

  const n = state.knobs.streamChunks;
  const ev = (type: string, data: Record<string, unknown>, isContent = false): Frame => eventFrame(type, { type, ...data }, isContent);
  const frames: Frame[] = [
    ev('message_start', { message: { ...message, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } } }),
    ev('ping', {}),
  ];
  content.forEach((block, index) => {
    if (block['type'] === 'thinking') {
      frames.push(ev('content_block_start', { index, content_block: { type: 'thinking', thinking: '', signature: '' } }));
      for (const piece of splitPieces(String(block['thinking']), n)) frames.push(ev('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: piece } }, true));
      frames.push(ev('content_block_delta', { index, delta: { type: 'signature_delta', signature: block['signature'] } }));
    } else if (block['type'] === 'tool_use') {
      frames.push(ev('content_block_start', { index, content_block: { type: 'tool_use', id: block['id'], name: block['name'], input: {} } }));
      for (const piece of splitPieces(JSON.stringify(block['input']), n)) frames.push(ev('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: piece } }, true));
    } else {
      frames.push(ev('content_block_start', { index, content_block: { type: 'text', text: '' } }));
      for (const piece of splitPieces(String(block['text']), n)) frames.push(ev('content_block_delta', { index, delta: { type: 'text_delta', text: piece } }, true));
    }
    frames.push(ev('content_block_stop', { index }));
  });
  frames.push(ev('message_delta', { delta: { stop_reason: stopReason, stop_sequence: stopSequence }, usage: { output_tokens: outputTokens }, ...billed }));
  frames.push(ev('message_stop', {}));
  await streamFrames(state, reply, frames);
}
