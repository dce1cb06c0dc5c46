/**
 * A small incremental SSE parser for the upstream body: robust to chunk boundaries anywhere (also
 * inside a multi-byte UTF-8 character), `\r\n` line ends, comments (`:`), blank keep-alives and
 * multi-line `data:` fields. Each dispatched message is `{event?, data}`.
 */

export interface SseMessage {
  event?: string;
  data: string;
}

export class SseParser {
  private readonly decoder = new TextDecoder('utf-8');
  private buffer = '';
  private dataLines: string[] = [];
  private event: string | undefined;

  push(chunk: Buffer | Uint8Array | string): SseMessage[] {
    this.buffer += typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    const messages: SseMessage[] = [];
    let newline: number;
    while ((newline = this.buffer.search(/\r\n|\n|\r/)) >= 0) {
      const line = this.buffer.slice(0, newline);
      // A lone '\r' at the very end might be the first half of '\r\n': wait for more.
      if (this.buffer[newline] === '\r' && newline === this.buffer.length - 1) break;
      const width = this.buffer.startsWith('\r\n', newline) ? 2 : 1;
      this.buffer = this.buffer.slice(newline + width);
      this.line(line, messages);
    }
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
