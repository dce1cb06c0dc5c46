/**
 * What a Copilot API 403 is about, from its body. Copilot answers 403 both for an expired session
 * token ("unauthorized: token expired", "IDE token expired") and for a request its policy refuses
 * ("You are not authorized to use this Copilot feature, it requires an enterprise or organization
 * policy to be enabled"; copilot-protocol.md §10). Only the message tells them apart.
 */
export type RefusalKind = 'token' | 'policy' | 'unknown';

const TOKEN = /\btoken\b|\bunauthori[sz]ed\b|\bcredentials?\b/i;
const POLICY = /\bpolic(?:y|ies)\b|\bnot (?:authorized|allowed|permitted|enabled)\b|\bdisabled\b|\bblocked\b/i;

export function refusalKind(body: Buffer | string): RefusalKind {
  // Only the start of the body: error envelopes are short, and the regexes stay cheap on a large one.
  const text = (typeof body === 'string' ? body : body.toString('utf8', 0, 4096));
  if (TOKEN.test(text)) return 'token';
  if (POLICY.test(text)) return 'policy';
  return 'unknown';
}
