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

export class SseParser {
  private readonly decoder = new TextDecoder('utf-8');
  private buffer = '';
  private dataLines: string[] = [];
  private event: string | undefined;

  push(chunk: Buffer | Uint8Array | string): SseMessage[] {
    this.buffer += typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
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
      this.line(buffer.slice(start, newline), messages);
      start = newline + width;
    }
    this.buffer = start === 0 ? buffer : buffer.slice(start);
    return messages;
  }

  /** End of the body: a final message without its blank line still counts. */
  end(): SseMessage[] {
    const messages: SseMessage[] = [];
    this.buffer += this.decoder.decode();
    if (this.buffer) this.line(this.buffer.replace(/\r$/, ''), messages);
    this.buffer = '';
    this.dispatch(messages);
    return messages;
  }

  private line(line: string, out: SseMessage[]): void {
    if (line === '') {
      this.dispatch(out);
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.dataLines.push(value);
    else if (field === 'event') this.event = value;
    // id / retry / unknown fields: irrelevant here.
  }

  private dispatch(out: SseMessage[]): void {
    if (this.dataLines.length > 0) out.push({ ...(this.event ? { event: this.event } : {}), data: this.dataLines.join('\n') });
    this.dataLines = [];
    this.event = undefined;
  }
}
