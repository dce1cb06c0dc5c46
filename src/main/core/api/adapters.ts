import type { CopilotModel } from '../copilot/models.js';
import { decodeChatRequest, encodeChatRequest } from './chat/request.js';
import { decodeChatResponse, encodeChatResponse } from './chat/response.js';
import { ChatStreamDecoder, ChatStreamEncoder } from './chat/stream.js';
import type { GenerationApi, IrRequest, IrResponse } from './ir.js';
import type { Json } from './json.js';
import { decodeMessagesRequest, encodeMessagesRequest } from './messages/request.js';
import { decodeMessagesResponse, encodeMessagesResponse } from './messages/response.js';
import { MessagesStreamEncoder } from './messages/stream.js';
import { MessagesStreamDecoder } from './messages/stream-decoder.js';
import { decodeResponsesRequest, encodeResponsesRequest } from './responses/request.js';
import { decodeResponsesResponse, encodeResponsesResponse } from './responses/response.js';
import { ResponsesStreamDecoder } from './responses/stream-decoder.js';
import { ResponsesStreamEncoder } from './responses/stream-encoder.js';
import type { StreamDecoder, StreamEncoder } from './stream.js';

/**
 * One adapter per API. The client side decodes the caller's request and encodes the answer back;
 * the upstream side encodes the request for Copilot and decodes its answer. Any client adapter
 * paired with any upstream adapter is a translation (six pairs from three adapters).
 */
export interface ApiAdapter {
  readonly api: GenerationApi;
  decodeRequest(body: Json): IrRequest;
  encodeRequest(ir: IrRequest, model: CopilotModel): Json;
  decodeResponse(body: unknown): IrResponse;
  encodeResponse(ir: IrResponse, context: { model: string }): Json;
  /** `fast: false` turns the fast path (fast-delta.ts) off: only tests comparing the two paths do. */
  streamDecoder(options?: { fast?: boolean }): StreamDecoder;
  streamEncoder(options: StreamEncoderOptions): StreamEncoder;
}

export interface StreamEncoderOptions {
  /** The model id the caller sent: echoed in every answer. */
  model: string;
  /** Messages only: estimated input tokens for message_start. */
  inputTokens?: number;
}

export const ADAPTERS: Record<GenerationApi, ApiAdapter> = {
  chat: {
    api: 'chat',
    decodeRequest: decodeChatRequest,
    encodeRequest: encodeChatRequest,
    decodeResponse: decodeChatResponse,
    encodeResponse: encodeChatResponse,
    streamDecoder: (options) => new ChatStreamDecoder(options?.fast ?? true),
    streamEncoder: (options) => new ChatStreamEncoder(options),
  },
  responses: {
    api: 'responses',
    decodeRequest: decodeResponsesRequest,
    encodeRequest: encodeResponsesRequest,
    decodeResponse: (body) => decodeResponsesResponse(body),
    encodeResponse: encodeResponsesResponse,
    streamDecoder: (options) => new ResponsesStreamDecoder(options?.fast ?? true),
    streamEncoder: (options) => new ResponsesStreamEncoder(options),
  },
  messages: {
    api: 'messages',
    decodeRequest: decodeMessagesRequest,
    encodeRequest: encodeMessagesRequest,
    decodeResponse: decodeMessagesResponse,
    encodeResponse: encodeMessagesResponse,
    streamDecoder: (options) => new MessagesStreamDecoder(options?.fast ?? true),
    streamEncoder: (options) => new MessagesStreamEncoder(options),
  },
};
