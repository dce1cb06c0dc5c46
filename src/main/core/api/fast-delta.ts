import { DeltaReader, Hole } from './delta-reader.js';
import type { FastDelta } from './delta-reader.js';
import type { MemberVisitor } from './json-scan.js';

/**
 * The fast path of a translated stream, part 2: one delta reader per upstream API (see
 * delta-reader.ts). A reader's scan accepts an event only when the full path would read one plain
 * delta from it and nothing else it acts on: no usage, no error, no finish reason, no second choice
 * or second kind of content, no key given twice. The decoder then checks its own state (started,
 * no reasoning to close, a known tool call) before it uses the answer.
 */

export type { FastDelta } from './delta-reader.js';

// Chat completion chunk: {choices:[{index, delta:{content | reasoning_text… | tool_calls:[{index, function:{arguments}}]}, finish_reason:null}]}.
const enum Chat {
  Choices = 1,
  Usage = 1 << 1,
  CopilotUsage = 1 << 2,
  Error = 1 << 3,
  Delta = 1 << 4,
  Finish = 1 << 5,
  ChoiceIndex = 1 << 6,
  Content = 1 << 7,
  Opaque = 1 << 8,
  Tools = 1 << 9,
  CallIndex = 1 << 10,
  Function = 1 << 11,
  Arguments = 1 << 12,
  ReasoningText = 1 << 13,
  ReasoningContent = 1 << 14,
  ReasoningPlain = 1 << 15,
}
const CONTENT = 0;
const REASONING = 1;
const ARGUMENTS = 2;

export class ChatDeltaReader extends DeltaReader {
  protected scan(data: string): FastDelta | null {
    if (!this.walkText(data, this.top) || !(this.seen & Chat.Delta)) return null;
    const content = this.piece(CONTENT);
    const reasoning = this.piece(REASONING);
    if (this.seen & Chat.Tools) {
      // A tool call in the chunk matters even without arguments (it may be new, or close reasoning).
      return content || reasoning ? null : this.answer('tool_args', ARGUMENTS, true);
    }
    if (content && reasoning) return null;
    if (content) return this.answer('text', CONTENT);
    return reasoning !== null ? this.answer('reasoning', REASONING) : this.answer('text', content !== null ? CONTENT : -1);
  }

  private readonly top: MemberVisitor = (key, at) => {
    switch (key) {
      case 'choices':
        return this.first(Chat.Choices) ? this.walkOnlyObject(at, this.choice) : -1;
      case 'usage':
        return this.nullOnce(Chat.Usage, at);
      case 'copilot_usage':
        return this.nullOnce(Chat.CopilotUsage, at);
      case 'error':
        return this.nullOnce(Chat.Error, at);
      case 'type':
        return -1;
      default:
        return this.skip(key, at);
    }
  };

  private readonly choice: MemberVisitor = (key, at) => {
    switch (key) {
      case 'delta':
        return this.first(Chat.Delta) ? this.walkObject(at, this.delta) : -1;
      case 'finish_reason':
        return this.nullOnce(Chat.Finish, at);
      case 'index':
        return this.readIndexOnce(Chat.ChoiceIndex, at, Hole.Choice);
      default:
        return this.skip(key, at);
    }
  };

  private readonly delta: MemberVisitor = (key, at) => {
    const isNull = this.s.charCodeAt(at) === 0x6e;
    switch (key) {
      case 'content':
        return isNull ? this.nullOnce(Chat.Content, at) : this.readPiece(CONTENT, Chat.Content, at);
      case 'reasoning_text':
      case 'reasoning_content':
      case 'reasoning': {
        const bit = key === 'reasoning_text' ? Chat.ReasoningText : key === 'reasoning_content' ? Chat.ReasoningContent : Chat.ReasoningPlain;
        if (isNull) return this.nullOnce(bit, at);
        // The full path takes the first of the three (in its own order) that is a string: one, at most, here.
        return this.piece(REASONING) === null ? this.readPiece(REASONING, bit, at) : -1;
      }
      case 'reasoning_opaque':
        return this.nullOnce(Chat.Opaque, at);
      case 'tool_calls':
        if (isNull) return this.nullOnce(Chat.Tools, at);
        return this.first(Chat.Tools) ? this.walkOnlyObject(at, this.toolCall) : -1;
      default:
        return this.skip(key, at);
    }
  };

  private readonly toolCall: MemberVisitor = (key, at) => {
    if (key === 'index') return this.readIndexOnce(Chat.CallIndex, at, Hole.Key);
    if (key === 'function') return this.first(Chat.Function) ? this.walkObject(at, this.fn) : -1;
    return this.skip(key, at);
  };

  private readonly fn: MemberVisitor = (key, at) => (key === 'arguments' ? this.readPiece(ARGUMENTS, Chat.Arguments, at) : this.skip(key, at));
}

// Messages: {type:"content_block_delta", index, delta:{type: text_delta | thinking_delta | input_json_delta, text | thinking | partial_json}}.
const enum Msg {
  Type = 1,
  Index = 1 << 1,
  Delta = 1 << 2,
  CopilotUsage = 1 << 3,
  Error = 1 << 4,
  DeltaType = 1 << 5,
  Text = 1 << 6,
  Thinking = 1 << 7,
  PartialJson = 1 << 8,
}
const TYPE = 0;
const DELTA_TYPE = 1;
/** Per delta type: what it carries, and the slot and bit of its field. */
const MESSAGES_PIECES = new Map<string, { kind: FastDelta['kind']; slot: number }>([
  ['text_delta', { kind: 'text', slot: 2 }],
  ['thinking_delta', { kind: 'reasoning', slot: 3 }],
  ['input_json_delta', { kind: 'tool_args', slot: 4 }],
]);
const MESSAGES_FIELDS = new Map<string, { slot: number; bit: Msg }>([
  ['text', { slot: 2, bit: Msg.Text }],
  ['thinking', { slot: 3, bit: Msg.Thinking }],
  ['partial_json', { slot: 4, bit: Msg.PartialJson }],
]);

export class MessagesDeltaReader extends DeltaReader {
  protected scan(data: string): FastDelta | null {
    if (!this.walkText(data, this.top) || this.piece(TYPE) !== 'content_block_delta' || !(this.seen & Msg.Delta)) return null;
    const shape = MESSAGES_PIECES.get(this.piece(DELTA_TYPE) ?? '');
    return shape ? this.answer(shape.kind, shape.slot) : null;
  }

  private readonly top: MemberVisitor = (key, at) => {
    switch (key) {
      case 'type':
        return this.readPiece(TYPE, Msg.Type, at);
      case 'index':
        return this.readIndexOnce(Msg.Index, at, Hole.Key);
      case 'delta':
        return this.first(Msg.Delta) ? this.walkObject(at, this.delta) : -1;
      case 'copilot_usage':
        return this.nullOnce(Msg.CopilotUsage, at);
      case 'error':
        return this.nullOnce(Msg.Error, at);
      default:
        return this.skip(key, at);
    }
  };

  private readonly delta: MemberVisitor = (key, at) => {
    if (key === 'type') return this.readPiece(DELTA_TYPE, Msg.DeltaType, at);
    const field = MESSAGES_FIELDS.get(key);
    return field ? this.readPiece(field.slot, field.bit, at) : this.skip(key, at);
  };
}

// Responses: {type: response.output_text.delta | …reasoning…delta | response.function_call_arguments.delta, delta, item_id, output_index}.
const enum Resp {
  Type = 1,
  Delta = 1 << 1,
  ItemId = 1 << 2,
  OutputIndex = 1 << 3,
  Error = 1 << 4,
}
const RESPONSES_KINDS = new Map<string, FastDelta['kind']>([
  ['response.output_text.delta', 'text'],
  ['response.refusal.delta', 'text'],
  ['response.reasoning_summary_text.delta', 'reasoning'],
  ['response.reasoning_text.delta', 'reasoning'],
  ['response.function_call_arguments.delta', 'tool_args'],
]);
const DELTA = 1;
const ITEM_ID = 2;

export class ResponsesDeltaReader extends DeltaReader {
  protected scan(data: string): FastDelta | null {
    if (!this.walkText(data, this.top) || this.piece(DELTA) === null) return null;
    const kind = RESPONSES_KINDS.get(this.piece(TYPE) ?? '');
    if (!kind) return null;
    this.result.itemId = this.piece(ITEM_ID) ?? '';
    return this.answer(kind, DELTA);
  }

  private readonly top: MemberVisitor = (key, at) => {
    switch (key) {
      case 'type':
        return this.readPiece(TYPE, Resp.Type, at);
      case 'delta':
        return this.readPiece(DELTA, Resp.Delta, at);
      case 'item_id':
        return this.readPiece(ITEM_ID, Resp.ItemId, at);
      case 'output_index':
        return this.readIndexOnce(Resp.OutputIndex, at, Hole.Key);
      case 'error':
        return this.nullOnce(Resp.Error, at);
      default:
        return this.skip(key, at);
    }
  };
}
