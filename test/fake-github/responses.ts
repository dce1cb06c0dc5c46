import { MODEL_NOT_SUPPORTED, newId } from './chat.js';
import type { Reply } from './http-util.js';
import { billedUsage } from './billing.js';
import { findModel, modelSupports, modelThinks } from './models.js';
import { checkResponses } from './strict.js';
import type { FakeState } from './state.js';
import { eventFrame, streamFrames } from './sse.js';
import type { Frame } from './sse.js';
import { roughTokens, splitPieces, textOf, truncateWords, words } from './text.js';
import { pickTool, toolNames } from './tool-request.js';

type Item = Record<string, unknown>;

/** `input` as items: a bare string is one user message. */
function inputItems(input: unknown): Item[] | null {
  if (typeof input === 'string') return [{ type: 'message', role: 'user', content: input }];
  if (Array.isArray(input) && input.length > 0 && input.every((i) => i && typeof i === 'object')) return input as Item[];
  return null;
}

function lastUserText(items: Item[]): string {
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i]!;
    if (item['role'] === 'user' && (item['type'] === undefined || item['type'] === 'message')) return textOf(item['content']);
  }
  return '';
}

function forcedTool(choice: unknown): string | null {
  return choice && typeof choice === 'object' && typeof (choice as { name?: unknown }).name === 'string' ? (choice as { name: string }).name : null;
}

/** `POST /responses`: the Responses API, deterministic like chat. */
export async function handleResponses(state: FakeState, reply: Reply, body: unknown): Promise<void> {
  const b = body as Record<string, unknown>;
  const model = findModel(b['model']);
  if (!model || !modelSupports(model, '/responses')) return reply.json(400, MODEL_NOT_SUPPORTED);
  const items = inputItems(b['input']);
  if (!items) return reply.json(400, { error: { message: 'input: expected a string or a non-empty array of items', code: 'invalid_request_body' } });

  const refused = checkResponses(b, model, items);
  if (refused) return reply.json(400, { error: { message: refused, code: 'invalid_request_body' } });

  const last = items[items.length - 1]!;
  const userText = lastUserText(items);
  const tools = Array.isArray(b['tools']) ? b['tools'] : [];
  const isUserTurn = last['role'] === 'user';
  const pick = tools.length > 0 && b['tool_choice'] !== 'none' && isUserTurn ? pickTool(state.knobs.toolCallMode, userText, toolNames(tools), forcedTool(b['tool_choice'])) : null;
  const callName = pick?.kind === 'call' ? pick.name : null;
  const id = newId('resp_');
  const msgId = newId('msg_');
  const inputTokens = roughTokens(items.map((i) => i['content'] ?? i['output'] ?? '')) + roughTokens(b['instructions'] ?? '');

  let text = '';
  let truncated = false;
  const output: Item[] = [];
  // Reasoning models think when asked to (reasoning.effort); the summary only when one is asked
  // for, the encrypted content only when `include` names it.
  const reasoning = b['reasoning'] && typeof b['reasoning'] === 'object' ? (b['reasoning'] as Record<string, unknown>) : null;
  if (modelThinks(model) && reasoning?.['effort'] !== undefined) {
    const summary = reasoning['summary'] !== undefined && reasoning['summary'] !== 'off' ? [{ type: 'summary_text', text: `Thinking about: ${userText}` }] : [];
    const encrypted = Array.isArray(b['include']) && b['include'].includes('reasoning.encrypted_content') ? { encrypted_content: `gAAAAFAKE${newId('')}` } : {};
    output.push({ type: 'reasoning', id: newId('rs_'), summary, ...encrypted });
  }
  if (pick?.kind === 'call') {
    const args = pick.arguments;
    output.push({ type: 'function_call', id: newId('fc_'), call_id: newId('call_'), name: callName, arguments: args, status: 'completed' });
  } else {
    const source = last['type'] === 'function_call_output' ? String(typeof last['output'] === 'string' ? last['output'] : JSON.stringify(last['output'])) : userText;
    const cut = truncateWords(pick?.kind === 'refused' ? pick.text : `Echo: ${source}`, b['max_output_tokens']);
    text = cut.text;
    truncated = cut.truncated;
    output.push({ type: 'message', id: msgId, status: truncated ? 'incomplete' : 'completed', role: 'assistant', content: [{ type: 'output_text', text, annotations: [] }] });
  }
  const answerItem = output.at(-1)!;
  const outputTokens = callName ? 1 + words(String(answerItem['arguments'])).length : words(text).length;
  const response = (status: string, out: Item[], usage: boolean) => ({
    id,
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status,
    model: model.id,
    output: out,
    ...(status === 'incomplete' ? { incomplete_details: { reason: 'max_output_tokens' } } : {}),
    usage: usage
      ? { input_tokens: inputTokens, input_tokens_details: { cached_tokens: Math.min(state.knobs.cachedTokens, inputTokens) }, output_tokens: outputTokens, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: inputTokens + outputTokens }
      : null,
  });
  const finalStatus = truncated ? 'incomplete' : 'completed';
  const billed = billedUsage(state, model.id, { input: inputTokens, output: outputTokens, cached: Math.min(state.knobs.cachedTokens, inputTokens) });

  if (b['stream'] !== true) {
    const payload = { ...response(finalStatus, output, true), ...billed };
    if (state.knobs.malformedJson) {
      const json = JSON.stringify(payload);
      return reply.text(200, json.slice(0, Math.floor(json.length / 2)), 'application/json; charset=utf-8');
    }
    return reply.json(200, payload);
  }

  let seq = 0;
  const ev = (type: string, data: Record<string, unknown>, content = false): Frame => eventFrame(type, { type, sequence_number: seq++, ...data }, content);
  const frames: Frame[] = [ev('response.created', { response: response('in_progress', [], false) }), ev('response.in_progress', { response: response('in_progress', [], false) })];
  const n = state.knobs.streamChunks;
  output.forEach((item, index) => {
    if (item['type'] === 'reasoning') {
      frames.push(ev('response.output_item.added', { output_index: index, item: { ...item, summary: [], encrypted_content: undefined } }));
      const summary = (item['summary'] as Item[])[0];
      if (summary) {
        frames.push(ev('response.reasoning_summary_part.added', { item_id: item['id'], output_index: index, summary_index: 0, part: { type: 'summary_text', text: '' } }));
        for (const piece of splitPieces(String(summary['text']), n)) frames.push(ev('response.reasoning_summary_text.delta', { item_id: item['id'], output_index: index, summary_index: 0, delta: piece }, true));
        frames.push(ev('response.reasoning_summary_text.done', { item_id: item['id'], output_index: index, summary_index: 0, text: summary['text'] }));
        frames.push(ev('response.reasoning_summary_part.done', { item_id: item['id'], output_index: index, summary_index: 0, part: summary }));
      }
    } else if (item['type'] === 'function_call') {
      frames.push(ev('response.output_item.added', { output_index: index, item: { ...item, arguments: '', status: 'in_progress' } }));
      for (const piece of splitPieces(String(item['arguments']), n)) frames.push(ev('response.function_call_arguments.delta', { item_id: item['id'], output_index: index, delta: piece }, true));
      frames.push(ev('response.function_call_arguments.done', { item_id: item['id'], output_index: index, arguments: item['arguments'] }));
    } else {
      frames.push(ev('response.output_item.added', { output_index: index, item: { ...item, status: 'in_progress', content: [] } }));
      frames.push(ev('response.content_part.added', { item_id: msgId, output_index: index, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } }));
      for (const piece of splitPieces(text, n)) frames.push(ev('response.output_text.delta', { item_id: msgId, output_index: index, content_index: 0, delta: piece }, true));
      frames.push(ev('response.output_text.done', { item_id: msgId, output_index: index, content_index: 0, text }));
      frames.push(ev('response.content_part.done', { item_id: msgId, output_index: index, content_index: 0, part: { type: 'output_text', text, annotations: [] } }));
    }
    frames.push(ev('response.output_item.done', { output_index: index, item }));
  });
  frames.push(ev(truncated ? 'response.incomplete' : 'response.completed', { response: response(finalStatus, output, true), ...billed }));
  await streamFrames(state, reply, frames);
}
