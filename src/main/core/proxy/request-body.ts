import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import type { ErrorOptions } from './errors.js';
import type { RouteContext } from './route.js';

/** Over the body limit (413). */
export class BodyTooLarge extends Error {}
/** Too many large bodies in flight at once (503, retry shortly). */
export class BodyBudgetExceeded extends Error {}

/** From this size on a body counts against the large-body budget. */
export const LARGE_BODY_BYTES = 1024 * 1024;

/**
 * Bytes of large request bodies in flight. A request costs ~3–4× its body in memory while it is
 * served (raw bytes, parsed JSON, the upstream copy), so eight concurrent 31 MiB chats peaked at
 * 934 MiB RSS (RT-26). Each body of LARGE_BODY_BYTES or more holds its size here until its response
 * ends; one that would take the total past the budget is refused, unless nothing else holds any (a
 * single body up to the body limit is always served). Small bodies never count.
 */
export class LargeBodyBudget {
  private inFlight = 0;

  constructor(private readonly budgetBytes: number) {}

  /** Takes `bytes` more (false when over budget and something else holds a share). */
  reserve(bytes: number): boolean {
    if (this.inFlight > 0 && this.inFlight + bytes > this.budgetBytes) return false;
    this.inFlight += bytes;
    return true;
  }

  release(bytes: number): void {
    this.inFlight -= bytes;
  }

  get bytesInFlight(): number {
    return this.inFlight;
  }
}

/**
 * A request body being read: up to `limit` bytes, drawing on `budget` once it is large (up front
 * when Content-Length says so, as it grows when chunked). `reserved` is what it holds in the budget,
 * to give back with `release()` when the response ends.
 *
 * A body refused for the budget (or a compressed one: `discard`) is still read to its end, into
 * nothing, before the answer goes out: a client busy uploading doesn't read an early answer, and
 * closing on it made the client fail with EPIPE instead of seeing the 503. The limit still holds
 * while draining; past it the answer is 413 and the connection closes.
 */
export class RequestBody {
  reserved = 0;

  constructor(
    private readonly budget: LargeBodyBudget,
    readonly limitBytes: number,
  ) {}

  release(): void {
    this.budget.release(this.reserved);
    this.reserved = 0;
  }

  /** Takes budget for a body of `size` bytes so far (nothing below LARGE_BODY_BYTES). */
  private cover(size: number): boolean {
    if (size < LARGE_BODY_BYTES || size <= this.reserved) return true;
    if (!this.budget.reserve(size - this.reserved)) return false;
    this.reserved = size;
    return true;
  }

  read(req: IncomingMessage): Promise<Buffer> {
    return this.consume(req, false);
  }

  /** Reads the body to its end without keeping it; fails with BodyTooLarge past the limit. */
  async discard(req: IncomingMessage): Promise<void> {
    await this.consume(req, true);
  }

  private consume(req: IncomingMessage, discard: boolean): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const declared = Number(req.headers['content-length']);
      if (Number.isFinite(declared) && declared > this.limitBytes) {
        req.resume();
        reject(new BodyTooLarge());
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      let refused: Error | null = discard || (Number.isFinite(declared) && !this.cover(declared)) ? new BodyBudgetExceeded() : null;
      let over = false;
      req.on('data', (chunk: Buffer) => {
        if (over) return;
        size += chunk.length;
        if (size > this.limitBytes) {
          over = true;
          chunks.length = 0;
          reject(new BodyTooLarge());
          return;
        }
        if (refused) return;
        if (!this.cover(size)) {
          refused = new BodyBudgetExceeded();
          chunks.length = 0;
          return;
        }
        chunks.push(chunk);
      });
      req.on('end', () => {
        if (over) return;
        if (discard) resolve(Buffer.alloc(0));
        else if (refused) reject(refused);
        else resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
      });
      req.on('error', reject);
    });
  }
}

/**
 * Reads, checks and parses a POST body into `ctx.body` / `ctx.rawBody` (through `ctx.requestBody`);
 * answers the caller through `refuse` and returns null when it can't: a compressed body (415), too
 * large (413), too many large ones at once (503), not UTF-8 or not JSON (400).
 */
export async function receiveJson(
  ctx: Pick<RouteContext, 'req' | 'body' | 'rawBody'> & { requestBody: RequestBody | null },
  refuse: (status: number, message: string, options: ErrorOptions) => void,
): Promise<Buffer | null> {
  const { req } = ctx;
  const body = ctx.requestBody!;
  const coding = req.headers['content-encoding'];
  let raw: Buffer;
  try {
    if (coding !== undefined && coding.trim().toLowerCase() !== 'identity') {
      // RT-22: no supported client compresses request bodies (the openai and anthropic SDKs never
      // do), and decoding would add a decompression-bomb surface for nothing. Say so, not "not UTF-8".
      await body.discard(req);
      refuse(415, `Compressed request bodies are not supported (Content-Encoding: ${coding}); send the body uncompressed.`, {
        code: 'unsupported_content_encoding',
        headers: { 'accept-encoding': 'identity' },
      });
      return null;
    }
    raw = await body.read(req);
  } catch (error) {
    if (error instanceof BodyTooLarge) {
      refuse(413, `Request body is larger than the limit of ${Math.round(body.limitBytes / 1024 / 1024)} MiB.`, { code: 'request_too_large', headers: { connection: 'close' } });
    } else if (error instanceof BodyBudgetExceeded) {
      // RT-26: this one can come back in a moment, once other large requests are done.
      refuse(503, 'The relay is busy with other large requests; retry in a moment.', { code: 'server_busy', headers: { 'retry-after': '1' } });
    }
    return null;
  }
  if (!isUtf8(raw)) {
    // Decoding would swap the bad bytes for U+FFFD while the raw bytes still went upstream.
    refuse(400, 'The request body is not valid UTF-8.', { code: 'invalid_encoding' });
    return null;
  }
  try {
    ctx.body = JSON.parse(raw.toString('utf8'));
    ctx.rawBody = raw;
  } catch {
    refuse(400, 'The request body is not valid JSON.', { code: 'invalid_json' });
    return null;
  }
  return raw;
}
