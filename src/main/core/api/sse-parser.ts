/**
 * A small incremental SSE parser for the upstream body: robust to chunk boundaries anywhere (also
 * inside a multi-byte UTF-8 character), `\r\n` line ends, comments (`:`), blank keep-alives and
 * multi-line `data:` fields. Each dispatched message is `{event?, data}`.
 */

export interface SseMessage {
  event?: string;
  data: string;
}

/** Index of the first `\n` or `\r` at or after `from`, or -1. */
function lineEnd(text: string, from: number): number {
  const lf = text.indexOf('\n', from);
  const cr = text.indexOf('\r', from);
  return cr < 0 ? lf : lf < 0 ? cr : Math.min(lf, cr);
}

/** Index of the last `\n` or `\r` byte, or -1. Neither byte is ever part of a multi-byte UTF-8 character. */
function lastLineEndByte(bytes: Buffer): number {
  const lf = bytes.lastIndexOf(10);
  if (lf === bytes.length - 1) return lf;
  return Math.max(lf, bytes.lastIndexOf(13));
}

const BOM = 0xfeff;
const DATA = 'data:';
const EVENT = 'event:';

/** `buffer[start, end)` begins with `field` (a short field name and its colon). */
function hasField(buffer: string, start: number, end: number, field: string): boolean {
  if (end - start < field.length) return false;
  for (let i = 0; i < field.length; i++) if (buffer.charCodeAt(start + i) !== field.charCodeAt(i)) return false;
  return true;
}

/** Past the one space a field's value may start with. */
const valueStart = (buffer: string, at: number, end: number) => (at < end && buffer.charCodeAt(at) === 32 ? at + 1 : at);

export class SseParser {
  /**
   * Bytes after the last line end, decoded once their line is complete. Kept as a list and joined
   * once, so a long line arriving in many chunks (a big tool call) is copied once, not per chunk.
   */
  private readonly held: Buffer[] = [];
  private started = false;
  private buffer = '';
  private readonly dataLines: string[] = [];
  private event: string | undefined;

  push(chunk: Buffer | Uint8Array | string): SseMessage[] {
    const text = typeof chunk === 'string' ? chunk : this.decode(chunk);
    if (text === '') return [];
    this.buffer += text;
    const messages: SseMessage[] = [];
    // Lines are cut at an index into the buffer, which is sliced once per push (a regex search and
    // a slice per line showed in the translated-stream profile).
    const buffer = this.buffer;
    let start = 0;
    for (;;) {
      const newline = lineEnd(buffer, start);
      if (newline < 0) break;
      // A lone '\r' at the very end might be the first half of '\r\n': wait for more.
      if (buffer.charCodeAt(newline) === 13 && newline === buffer.length - 1) break;
      const width = buffer.charCodeAt(newline) === 13 && buffer.charCodeAt(newline + 1) === 10 ? 2 : 1;
      this.line(buffer, start, newline, messages);
      start = newline + width;
    }
    this.buffer = start === 0 ? buffer : buffer.slice(start);
    return messages;
  }

  /** End of the body: a final message without its blank line still counts. */
  end(): SseMessage[] {
    const messages: SseMessage[] = [];
    if (this.held.length > 0) this.buffer += this.strip(Buffer.concat(this.held.splice(0)).toString('utf8'));
    const rest = this.buffer.replace(/\r$/, '');
    if (rest) this.line(rest, 0, rest.length, messages);
    this.buffer = '';
    this.dispatch(messages);
    return messages;
  }

  /**
   * The complete lines of a chunk as text; the bytes of an incomplete last line wait. Decoding
   * whole lines with toString instead of a streaming TextDecoder: 65 against 250 ns for a
   * 190-byte chunk (bench/README.md, "Translated streams").
   */
  private decode(chunk: Buffer | Uint8Array): string {
    let bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const cut = lastLineEndByte(bytes);
    if (cut < 0) {
      if (bytes.length > 0) this.held.push(bytes);
      return '';
    }
    if (this.held.length > 0) {
      this.held.push(bytes);
      const offset = bytes.length;
      bytes = Buffer.concat(this.held.splice(0));
      return this.take(bytes, bytes.length - offset + cut);
    }
    return this.take(bytes, cut);
  }

  /** Decodes `bytes` up to and including the line end at `cut`; holds the rest. */
  private take(bytes: Buffer, cut: number): string {
    if (cut + 1 < bytes.length) this.held.push(bytes.subarray(cut + 1));
    return this.strip(bytes.toString('utf8', 0, cut + 1));
  }

  /** A byte-order mark opening the stream isn't part of it (as TextDecoder and the SSE spec treat it). */
  private strip(text: string): string {
    if (this.started || text === '') return text;
    this.started = true;
    return text.charCodeAt(0) === BOM ? text.slice(1) : text;
  }

  private line(buffer: string, start: number, end: number, out: SseMessage[]): void {
    if (start === end) {
      this.dispatch(out);
      return;
    }
    // `data:` and `event:` lines without a slice of the line first (nearly every line is one).
    if (hasField(buffer, start, end, DATA)) {
      this.dataLines.push(buffer.slice(valueStart(buffer, start + 5, end), end));
      return;
    }
    if (hasField(buffer, start, end, EVENT)) {
      this.event = buffer.slice(valueStart(buffer, start + 6, end), end);
      return;
    }
    if (buffer.charCodeAt(start) === 58 /* : */) return;
    const line = buffer.slice(start, end);
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.dataLines.push(value);
    else if (field === 'event') this.event = value;
    // id / retry / unknown fields: irrelevant here.
  }

  private dispatch(out: SseMessage[]): void {
    const lines = this.dataLines;
    if (lines.length > 0) {
      const data = lines.length === 1 ? lines[0]! : lines.join('\n');
      out.push(this.event ? { event: this.event, data } : { data });
      lines.length = 0;
    }
    this.event = undefined;
  }
}
