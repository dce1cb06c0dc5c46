import { createHash } from 'node:crypto';
import { MODEL_NOT_SUPPORTED } from './chat.js';
import type { Reply } from './http-util.js';
import { findModel } from './models.js';
import type { FakeState } from './state.js';
import { words } from './text.js';

/** 8 floats in [-1, 1] derived from a hash of the input: same input, same vector. */
export function fakeEmbedding(input: string): number[] {
  const digest = createHash('sha256').update(input).digest();
  return Array.from({ length: 8 }, (_, i) => Math.round(((digest.readUInt16BE(i * 2) / 65535) * 2 - 1) * 1e6) / 1e6);
}

/** `encoding_format: 'base64'` (the OpenAI SDK's default) is little-endian float32, base64. */
function encode(vector: number[], format: unknown): number[] | string {
  if (format !== 'base64') return vector;
  return Buffer.from(new Float32Array(vector).buffer).toString('base64');
}

export function handleEmbeddings(state: FakeState, reply: Reply, body: unknown): void {
  const b = body as Record<string, unknown>;
  const model = findModel(b['model']);
  if (!model || model.capabilities.type !== 'embeddings') return reply.json(400, MODEL_NOT_SUPPORTED);
  const input = b['input'];
  const inputs = typeof input === 'string' ? [input] : Array.isArray(input) && input.length > 0 && input.every((i) => typeof i === 'string') ? (input as string[]) : null;
  if (!inputs) return reply.json(400, { error: { message: 'input: expected a string or a non-empty array of strings', code: 'invalid_request_body' } });
  const tokens = inputs.reduce((n, s) => n + words(s).length, 0);
  const payload = {
    object: 'list',
    data: inputs.map((text, index) => ({ object: 'embedding', index, embedding: encode(fakeEmbedding(text), b['encoding_format']) })),
    model: model.id,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
  if (state.knobs.malformedJson) {
    const json = JSON.stringify(payload);
    return reply.text(200, json.slice(0, Math.floor(json.length / 2)), 'application/json; charset=utf-8');
  }
  reply.json(200, payload);
}
