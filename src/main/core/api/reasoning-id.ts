/**
 * Responses reasoning items need their `rs_…` id back next to `encrypted_content`, but chat
 * (`reasoning_opaque`) and Messages (`signature`) have only one opaque field. When reasoning from a
 * Responses upstream is shown to a chat or Messages client, the id rides inside that field as
 * `rs_…:<encrypted>`; it is split again when the client sends the turn back. Anthropic signatures
 * and encrypted content are base64 (no `_` or `:`), so the prefix can't occur in a real one.
 *
 * Reasoning the relay itself gives a Responses client from another upstream gets an id starting
 * with `rs_relay_`: such items carry a foreign signature and are never sent to `/responses`.
 */

const PACKED = /^(rs_[A-Za-z0-9_-]+):([\s\S]*)$/;

export const FOREIGN_REASONING_PREFIX = 'rs_relay_';

export function packReasoningSignature(id: string | undefined, signature: string | undefined): string | undefined {
  if (!signature) return undefined;
  return id && id.startsWith('rs_') && !id.startsWith(FOREIGN_REASONING_PREFIX) ? `${id}:${signature}` : signature;
}

export function unpackReasoningSignature(value: string | undefined): { id?: string; signature?: string } {
  if (!value) return {};
  const match = PACKED.exec(value);
  return match ? { id: match[1], signature: match[2] } : { signature: value };
}

/** True for a reasoning item `/responses` issued itself (VS Code drops any other: foreign ids are a 400). */
export function isResponsesReasoningId(id: string | undefined): id is string {
  return typeof id === 'string' && id.startsWith('rs') && !id.startsWith(FOREIGN_REASONING_PREFIX);
}
