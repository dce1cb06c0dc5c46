/**
 * The slice of OpenAI chat completions (as Copilot speaks it) the relay reads and writes. Open to
 * extra keys: callers send fields we must tolerate and pass on.
 */

export type ChatContentPart =
  | { type: 'text'; text: string }
  | { type: 'image_url'; image_url: { url: string; detail?: string } };

export interface ChatToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string | ChatContentPart[] | null;
  tool_calls?: ChatToolCall[];
  tool_call_id?: string;
  /** Copilot's reasoning fields on assistant turns (protocol doc §8). */
  reasoning_text?: string;
  reasoning_opaque?: string;
}

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  stream?: boolean;
  stream_options?: { include_usage: boolean };
  max_tokens?: number;
  max_completion_tokens?: number;
  temperature?: number;
  top_p?: number;
  stop?: string[];
  user?: string;
  tools?: Array<{ type: 'function'; function: { name: string; description?: string; parameters: Record<string, unknown> } }>;
  tool_choice?: 'auto' | 'required' | 'none' | { type: 'function'; function: { name: string } };
  parallel_tool_calls?: boolean;
  thinking_budget?: number;
  reasoning_effort?: string;
}

export interface ChatUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number };
}

export interface ChatChoice {
  index?: number;
  message?: {
    role?: string;
    content?: string | null;
    tool_calls?: Array<Partial<ChatToolCall> & { function?: { name?: string; arguments?: string } }>;
    reasoning_text?: string | null;
    reasoning_opaque?: string | null;
    reasoning_content?: string | null;
  };
  finish_reason?: string | null;
}

export interface ChatResponse {
  id?: string;
  model?: string;
  choices?: ChatChoice[];
  usage?: ChatUsage;
}

export interface ChatStreamToolCallDelta {
  index?: number;
  id?: string;
  type?: string;
  function?: { name?: string; arguments?: string };
}

export interface ChatStreamChoice {
  index?: number;
  delta?: {
    role?: string;
    content?: string | null;
    tool_calls?: ChatStreamToolCallDelta[];
    reasoning_text?: string | null;
    reasoning_opaque?: string | null;
    reasoning_content?: string | null;
    reasoning?: string | null;
  };
  finish_reason?: string | null;
}

export interface ChatStreamChunk {
  id?: string;
  model?: string;
  choices?: ChatStreamChoice[];
  usage?: ChatUsage | null;
}
