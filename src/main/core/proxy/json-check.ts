/**
 * The parsed value when `bytes` is one complete JSON object or array, else undefined. The check
 * that catches a truncated or garbled non-stream answer from upstream before it reaches the
 * caller's SDK as a confusing parse error; the answer's readers reuse the value (usage, model id,
 * error fields) instead of parsing again.
 * Plain JSON.parse: a hand-written byte scanner was here, and its removal measured 0.997× CPU per
 * request (bench/ab.ts, range 0.976–1.013: noise); see bench/README.md for this change's figures.
 */
export function parseJsonContainer(bytes: Buffer): object | undefined {
  try {
    const parsed: unknown = JSON.parse(bytes.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null ? parsed : undefined;
  } catch {
    return undefined;
  }
}
