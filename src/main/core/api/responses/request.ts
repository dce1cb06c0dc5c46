import type { CopilotModel } from '../../copilot/models.js';
import { openAiUser } from '../ir.js';
import type { IrMessage, IrPart, IrRequest, IrResponseFormat, IrTool, IrToolChoice } from '../ir.js';
import { isObject, num, objects, str } from '../json.js';
import type { Json } from '../json.js';
import { clampOutputTokens, effortFor, effortLevels } from '../model-caps.js';
import { isResponsesReasoningId } from '../reasoning-id.js';

/**
 * Responses API request ⇄ IR. Decoding reads `instructions`, `input` (a string or items: messages
 * with any role, function calls and their outputs, reasoning items); encoding writes what VS Code
 * sends Copilot's `/responses`: function tools flattened, `store: false`, reasoning with
 * `include: ["reasoning.encrypted_content"]`, tool-result images in a following user message.
 */

function partsOf(content: unknown): IrPart[] {
  if (typeof content === 'string') return content ? [{ type: 'text', text: content }] : [];
  const parts: IrPart[] = [];
  for (const part of objects(content)) {
    const type = part.type;
    if ((type === 'input_text' || type === 'output_text' || type === 'text') && typeof part.text === 'string') parts.push({ type: 'text', text: part.text });
    else if (type === 'refusal' && typeof part.refusal === 'string') parts.push({ type: 'text', text: part.refusal });
    else if (type === 'input_image') {
      const url = str(part.image_url) ?? (isObject(part.image_url) ? str(part.image_url.url) : undefined);
      if (url) parts.push({ type: 'image', url, ...(typeof part.detail === 'string' && part.detail !== 'auto' ? { detail: part.detail } : {}) });
    } else if (type === 'input_file' && typeof part.file_data === 'string') {
      const match = /^data:([^;]+);base64,(.*)$/s.exec(part.file_data);
      if (match) parts.push({ type: 'document', mediaType: match[1]!, data: match[2]!, ...(typeof part.filename === 'string' ? { title: part.filename } : {}) });
    }
  }
  return parts;
}

/** Assistant output (text, calls, reasoning) arrives as separate items: consecutive ones form one turn. */
function assistantTurn(messages: IrMessage[]): IrPart[] {
  const last = messages.at(-1);
  if (last?.role === 'assistant') return last.content;
  const turn: IrMessage = { role: 'assistant', content: [] };
  messages.push(turn);
  return turn.content;
}

function toolChoiceOf(value: unknown): IrToolChoice | undefined {
  if (value === 'auto' || value === 'none' || value === 'required') return value;
  if (isObject(value) && value.type === 'function' && typeof value.name === 'string') return { name: value.name };
  return undefined;
}

function responseFormatOf(text: unknown): IrResponseFormat | undefined {
  const format = isObject(text) && isObject(text.format) ? text.format : null;
  if (!format) return undefined;
  if (format.type === 'json_object') return { type: 'json_object' };
  if (format.type === 'json_schema') return { type: 'json_schema', name: str(format.name) ?? 'response', schema: format.schema ?? {}, ...(typeof format.strict === 'boolean' ? { strict: format.strict } : {}) };
  return undefined;
}

export function decodeResponsesRequest(body: Json): IrRequest {
  const messages: IrMessage[] = [];
  if (typeof body.instructions === 'string' && body.instructions) messages.push({ role: 'system', content: [{ type: 'text', text: body.instructions }] });
  const items = typeof body.input === 'string' ? [{ type: 'message', role: 'user', content: body.input }] : objects(body.input);
  for (const item of items) {
    const type = item.type ?? 'message';
    if (type === 'message') {
      if (item.role === 'assistant') assistantTurn(messages).push(...partsOf(item.content));
      else if (item.role === 'system' || item.role === 'developer') messages.push({ role: 'system', content: partsOf(item.content) });
      else messages.push({ role: 'user', content: partsOf(item.content) });
    } else if (type === 'function_call') {
      assistantTurn(messages).push({ type: 'tool_call', id: str(item.call_id) ?? str(item.id) ?? '', name: str(item.name) ?? '', arguments: str(item.arguments) ?? '' });
    } else if (type === 'function_call_output') {
      messages.push({ role: 'tool', callId: str(item.call_id) ?? '', content: typeof item.output === 'string' ? partsOf(item.output) : partsOf(item.output) });
    } else if (type === 'reasoning') {
      const summary = objects(item.summary).map((s) => str(s.text) ?? '').join('\n\n');
      const detail = objects(item.content).map((c) => str(c.text) ?? '').join('');
      assistantTurn(messages).push({ type: 'reasoning', text: detail || summary, ...(typeof item.id === 'string' ? { id: item.id } : {}), ...(typeof item.encrypted_content === 'string' ? { signature: item.encrypted_content } : {}) });
    }
    // item_reference, web_search_call and other hosted-tool items can't be replayed elsewhere.
  }
  const tools: IrTool[] = [];
  for (const tool of objects(body.tools)) {
    if (tool.type !== 'function' || typeof tool.name !== 'string') continue;
    tools.push({ name: tool.name, ...(typeof tool.description === 'string' ? { description: tool.description } : {}), parameters: isObject(tool.parameters) ? tool.parameters : { type: 'object', properties: {} }, ...(typeof tool.strict === 'boolean' ? { strict: tool.strict } : {}) });
  }
  const reasoning = isObject(body.reasoning) ? body.reasoning : null;
  const effort = reasoning ? str(reasoning.effort) : undefined;
  return {
    messages,
    tools,
    toolChoice: toolChoiceOf(body.tool_choice),
    parallelToolCalls: typeof body.parallel_tool_calls === 'boolean' ? body.parallel_tool_calls : undefined,
    maxOutputTokens: num(body.max_output_tokens),
    temperature: num(body.temperature),
    topP: num(body.top_p),
    stream: body.stream === true,
    reasoning: effort !== undefined && effort !== 'none' ? { effort } : undefined,
    responseFormat: responseFormatOf(body.text),
    user: str(body.user) ?? str(body.safety_identifier),
  };
}

// ---- encode (IR → Copilot /responses) ----

function inputContent(parts: IrPart[]): Json[] {
  const out: Json[] = [];
  for (const part of parts) {
    if (part.type === 'text') out.push({ type: 'input_text', text: part.text });
    else if (part.type === 'image') out.push({ type: 'input_image', image_url: part.url, detail: part.detail ?? 'auto' });
    else if (part.type === 'document') out.push({ type: 'input_file', filename: part.title ?? 'document.pdf', file_data: `data:${part.mediaType};base64,${part.data}` });
  }
  return out;
}

function assistantItems(parts: IrPart[]): Json[] {
  const items: Json[] = [];
  let text: Json[] = [];
  const flushText = () => {
    if (text.length > 0) items.push({ type: 'message', role: 'assistant', content: text });
    text = [];
  };
  for (const part of parts) {
    if (part.type === 'reasoning') {
      // Only reasoning /responses issued itself round-trips; a foreign id or blob is a 400 there.
      if (isResponsesReasoningId(part.id) && part.signature) {
        flushText();
        items.push({ type: 'reasoning', id: part.id, summary: [], encrypted_content: part.signature });
      }
    } else if (part.type === 'text') {
      if (part.text.trim()) text.push({ type: 'output_text', text: part.text });
    } else if (part.type === 'tool_call') {
      flushText();
      items.push({ type: 'function_call', call_id: part.id, name: part.name, arguments: part.arguments || '{}' });
    }
  }
  flushText();
  return items;
}

export function encodeResponsesRequest(ir: IrRequest, model: CopilotModel): Json {
  const input: Json[] = [];
  for (const message of ir.messages) {
    if (message.role === 'assistant') input.push(...assistantItems(message.content));
    else if (message.role === 'tool') {
      let text = message.content.filter((p) => p.type === 'text').map((p) => (p as { text: string }).text).join('\n\n');
      if (message.isError) text = text ? `Error: ${text}` : 'Error: the tool call failed.';
      input.push({ type: 'function_call_output', call_id: message.callId, output: text });
      const images = inputContent(message.content.filter((p) => p.type === 'image'));
      if (images.length > 0) input.push({ role: 'user', content: [{ type: 'input_text', text: 'Image associated with the above tool call:' }, ...images] });
    } else {
      const content = inputContent(message.content);
      if (content.length > 0) input.push({ role: message.role, content });
    }
  }
  const body: Json = { model: model.id, input, stream: ir.stream, store: false };
  const max = clampOutputTokens(ir.maxOutputTokens, model);
  // The Responses API refuses max_output_tokens below 16.
  if (max !== undefined) body.max_output_tokens = Math.max(16, max);
  const levels = effortLevels(model);
  // Reasoning models on /responses reject sampling parameters.
  if (levels.length === 0) {
    if (ir.temperature !== undefined) body.temperature = ir.temperature;
    if (ir.topP !== undefined) body.top_p = ir.topP;
  }
  const user = openAiUser(ir.user);
  if (user) body.user = user;
  if (ir.tools.length > 0) {
    body.tools = ir.tools.map((t) => ({ type: 'function', name: t.name, ...(t.description ? { description: t.description } : {}), parameters: t.parameters, strict: t.strict ?? false }));
    const choice = ir.toolChoice;
    if (choice) body.tool_choice = typeof choice === 'string' ? choice : { type: 'function', name: choice.name };
    if (ir.parallelToolCalls !== undefined) body.parallel_tool_calls = ir.parallelToolCalls;
  }
  if (ir.responseFormat) {
    body.text = { format: ir.responseFormat.type === 'json_object' ? { type: 'json_object' } : { type: 'json_schema', name: ir.responseFormat.name, schema: ir.responseFormat.schema, ...(ir.responseFormat.strict !== undefined ? { strict: ir.responseFormat.strict } : {}) } };
  }
  if (levels.length > 0) {
    const effort = ir.reasoning ? effortFor(ir.reasoning, levels) : undefined;
    body.reasoning = { ...(effort ? { effort } : {}), summary: ir.reasoning ? 'auto' : 'off' };
    body.include = ['reasoning.encrypted_content'];
  }
  return body;
}
