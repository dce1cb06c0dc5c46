/**
 * Redaction of secrets from any text before it reaches a log line, an error body or the UI.
 * Covers GitHub tokens (ghp_/gho_/ghu_/ghs_/ghr_, github_pat_), Copilot session tokens
 * (`tid=…;exp=…:<mac>`, which also embed the client IP), and bearer/token auth values.
 */
const PATTERNS: RegExp[] = [
  // Copilot session token: semicolon-separated k=v fields, then ":" and a hex MAC.
  /\b(?:tid|exp|sku|proxy-ep|st|ip)=[^\s"']*;[^\s"']*?:[0-9a-fA-F]{16,}\b/g,
  /\bgithub_pat_[A-Za-z0-9_]{10,}/g,
  /\bgh[opsur]_[A-Za-z0-9]{8,}/g,
  // In an Authorization header, whatever follows the scheme is a credential, except the scheme word
  // itself and a documentation placeholder such as `<key>` or `<YOUR_TOKEN>` (letters, `_`, `-` in
  // angle brackets: real keys carry digits). RT-18: the 401 help text was shown as "Bearer [redacted]".
  /\b(authorization["']?\s*[:=]\s*["']?(?:Bearer\s+|token\s+)?)(?!(?:Bearer|token)(?:\s|$))(?!<[A-Za-z_-]{1,32}>)[^\s"',;]{6,}/gi,
  // Elsewhere the value after a scheme must look like a credential (a digit or punctuation in it)
  // so prose such as "token exchange failed" survives.
  /\b((?:Bearer|token|Token)\s+)(?=[A-Za-z0-9._~+/=:;-]*[0-9._~+/=:;-])[A-Za-z0-9._~+/=:;-]{8,}/g,
];

export const REDACTED = '[redacted]';

const AUTHORIZATION = /authorization/i;

/**
 * Can `text` match any pattern above? Each needs one of: `;` (session token), `_` (GitHub tokens),
 * `Bearer`, `token`/`Token` (case-sensitive in the pattern), or `authorization` in any case (which
 * contains a `z`). Most lines (one per proxied request) have none of them; a few native substring
 * searches cost less than one case-insensitive regex over the line (valgrind: ~2.4k instructions).
 */
function mightHoldSecret(text: string): boolean {
  return (
    text.includes(';') ||
    text.includes('_') ||
    text.includes('oken') ||
    text.includes('Bearer') ||
    ((text.includes('z') || text.includes('Z')) && AUTHORIZATION.test(text))
  );
}

export function redact(text: string): string {
  if (!mightHoldSecret(text)) return text;
  let out = text;
  for (const pattern of PATTERNS) {
    // Patterns with a capture group keep it (the header name / auth scheme) and drop only the secret.
    out = out.replace(pattern, (_match: string, prefix?: unknown) => (typeof prefix === 'string' ? `${prefix}${REDACTED}` : REDACTED));
  }
  return out;
}

/** Also scrubs secrets we know by value (e.g. an API key that matches no pattern). */
export function redactKnown(text: string, secrets: Iterable<string | null | undefined>): string {
  let out = redact(text);
  for (const secret of secrets) {
    if (secret && secret.length >= 6 && out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out;
}
