import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';

/**
 * One driver per client API, each through its official SDK, with the same small vocabulary: ask
 * (stream or not, with tools, an image, reasoning), and continue a conversation with a tool result.
 * Answers come back normalised so one test body can check every row of the matrix. The SDKs'
 * own stream helpers assemble the streams (they validate the event order and shapes as they go).
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- SDK objects are walked freely
type Any = any;

export type ClientApi = 'chat' | 'responses' | 'messages';

export interface Answer {
  model: string;
  text: string;
  reasoning: string;
  /** The opaque proof that goes back with the turn (signature / encrypted_content / reasoning_opaque). */
  signature: string;
  toolCalls: Array<{ id: string; name: string; input: unknown }>;
  stop: string;
  inputTokens: number;
  outputTokens: number;
  /** What to send back as the assistant's turn. */
  turn: Any;
}

export interface Ask {
  model: string;
  prompt: string;
  stream: boolean;
  tools?: boolean;
  image?: string;
  reasoning?: boolean;
  maxTokens?: number;
}

export const TOOL = { name: 'lookup', description: 'Look something up', schema: { type: 'object', properties: { input: { type: 'string' } }, required: ['input'] } };

export interface Driver {
  ask(ask: Ask, history?: Any[]): Promise<Answer>;
  /** The conversation so far plus the assistant's turn and one tool result for each call. */
  withToolResults(ask: Ask, answer: Answer, result: string): Any[];
}

function chatDriver(client: OpenAI): Driver {
  const user = (ask: Ask) => ({ role: 'user', content: ask.image ? [{ type: 'text', text: ask.prompt }, { type: 'image_url', image_url: { url: ask.image } }] : ask.prompt });
  const params = (ask: Ask, messages: Any[]) => ({
    model: ask.model,
    messages,
    ...(ask.tools ? { tools: [{ type: 'function', function: { name: TOOL.name, description: TOOL.description, parameters: TOOL.schema } }] } : {}),
    ...(ask.reasoning ? { reasoning_effort: 'high' } : {}),
    ...(ask.maxTokens ? { max_completion_tokens: ask.maxTokens } : {}),
  });
  return {
    async ask(ask, history) {
      const messages = history ?? [user(ask)];
      // The SDK's stream helper keeps only the last value of fields it doesn't know (Copilot's
      // reasoning_text / reasoning_opaque): those are joined from the chunks here.
      let reasoning = '';
      let opaque = '';
      let completion: Any;
      if (ask.stream) {
        const stream = client.chat.completions.stream({ ...params(ask, messages), stream_options: { include_usage: true } } as Any);
        stream.on('chunk', (chunk: Any) => {
          reasoning += chunk.choices[0]?.delta?.reasoning_text ?? '';
          opaque += chunk.choices[0]?.delta?.reasoning_opaque ?? '';
        });
        completion = await stream.finalChatCompletion();
      } else completion = await client.chat.completions.create(params(ask, messages) as Any);
      const message = completion.choices[0].message;
      if (ask.stream) {
        message.reasoning_text = reasoning || undefined;
        message.reasoning_opaque = opaque || undefined;
      }
      return {
        model: completion.model,
        text: message.content ?? '',
        reasoning: message.reasoning_text ?? '',
        signature: message.reasoning_opaque ?? '',
        toolCalls: (message.tool_calls ?? []).map((c: Any) => ({ id: c.id, name: c.function.name, input: JSON.parse(c.function.arguments) })),
        stop: completion.choices[0].finish_reason,
        inputTokens: completion.usage?.prompt_tokens ?? 0,
        outputTokens: completion.usage?.completion_tokens ?? 0,
        turn: message,
      };
    },
    withToolResults(ask, answer, result) {
      const { parsed: _parsed, refusal: _refusal, ...turn } = answer.turn;
      return [user(ask), turn, ...answer.toolCalls.map((c) => ({ role: 'tool', tool_call_id: c.id, content: result }))];
    },
  };
}

function responsesDriver(client: OpenAI): Driver {
  const user = (ask: Ask) => ({ role: 'user', content: ask.image ? [{ type: 'input_text', text: ask.prompt }, { type: 'input_image', image_url: ask.image, detail: 'auto' }] : ask.prompt });
  const params = (ask: Ask, input: Any[]) => ({
    model: ask.model,
    input,
    ...(ask.tools ? { tools: [{ type: 'function', name: TOOL.name, description: TOOL.description, parameters: TOOL.schema, strict: false }] } : {}),
    ...(ask.reasoning ? { reasoning: { effort: 'high', summary: 'auto' }, include: ['reasoning.encrypted_content'] } : {}),
    ...(ask.maxTokens ? { max_output_tokens: ask.maxTokens } : {}),
  });
  return {
    async ask(ask, history) {
      const input = history ?? [user(ask)];
      const response: Any = ask.stream ? await client.responses.stream(params(ask, input) as Any).finalResponse() : await client.responses.create(params(ask, input) as Any);
      const items: Any[] = response.output;
      const reasoning = items.filter((i) => i.type === 'reasoning');
      return {
        model: response.model,
        text: response.output_text ?? '',
        reasoning: reasoning.flatMap((r) => r.summary.map((s: Any) => s.text)).join(''),
        signature: reasoning.map((r) => r.encrypted_content ?? '').join(''),
        toolCalls: items.filter((i) => i.type === 'function_call').map((c) => ({ id: c.call_id, name: c.name, input: JSON.parse(c.arguments) })),
        stop: response.status,
        inputTokens: response.usage?.input_tokens ?? 0,
        outputTokens: response.usage?.output_tokens ?? 0,
        turn: items,
      };
    },
    withToolResults(ask, answer, result) {
      return [user(ask), ...answer.turn, ...answer.toolCalls.map((c) => ({ type: 'function_call_output', call_id: c.id, output: result }))];
    },
  };
}

function messagesDriver(client: Anthropic): Driver {
  const user = (ask: Ask) => {
    const match = ask.image ? /^data:([^;]+);base64,(.*)$/.exec(ask.image) : null;
    return { role: 'user', content: match ? [{ type: 'text', text: ask.prompt }, { type: 'image', source: { type: 'base64', media_type: match[1], data: match[2] } }] : ask.prompt };
  };
  const params = (ask: Ask, messages: Any[]) => ({
    model: ask.model,
    max_tokens: ask.maxTokens ?? 4000,
    messages,
    ...(ask.tools ? { tools: [{ name: TOOL.name, description: TOOL.description, input_schema: TOOL.schema }] } : {}),
    ...(ask.reasoning ? { thinking: { type: 'enabled', budget_tokens: 2048 } } : {}),
  });
  return {
    async ask(ask, history) {
      const messages = history ?? [user(ask)];
      const message: Any = ask.stream ? await client.messages.stream(params(ask, messages) as Any).finalMessage() : await client.messages.create(params(ask, messages) as Any);
      const blocks: Any[] = message.content;
      return {
        model: message.model,
        text: blocks.filter((b) => b.type === 'text').map((b) => b.text).join(''),
        reasoning: blocks.filter((b) => b.type === 'thinking').map((b) => b.thinking).join(''),
        signature: blocks.filter((b) => b.type === 'thinking').map((b) => b.signature).join(''),
        toolCalls: blocks.filter((b) => b.type === 'tool_use').map((b) => ({ id: b.id, name: b.name, input: b.input })),
        stop: message.stop_reason,
        inputTokens: message.usage.input_tokens + (message.usage.cache_read_input_tokens ?? 0),
        outputTokens: message.usage.output_tokens,
        turn: { role: 'assistant', content: blocks },
      };
    },
    withToolResults(ask, answer, result) {
      return [user(ask), answer.turn, { role: 'user', content: answer.toolCalls.map((c) => ({ type: 'tool_result', tool_use_id: c.id, content: result })) }];
    },
  };
}

export function driverFor(api: ClientApi, url: string): Driver {
  if (api === 'messages') return messagesDriver(new Anthropic({ baseURL: url, apiKey: 'sk-ant-FAKE-dummy', maxRetries: 0, timeout: 10_000 }));
  const openai = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 10_000 });
  return api === 'chat' ? chatDriver(openai) : responsesDriver(openai);
}
