/**
 * Which tool sent a request, from its User-Agent alone (never from the body). The labels are what
 * the ledger stores and the CLI and window group by: a few well-known tools by name, the official
 * SDKs with their language ("OpenAI SDK (Python)"), curl, and otherwise the UA's first product
 * token ("python-httpx"), so an unknown tool still gets its own row instead of a shared "other".
 */

const KNOWN: readonly [RegExp, string][] = [
  // Claude Code sends `claude-cli/2.1.x (external, cli)` (it uses the Anthropic SDK underneath).
  [/^claude-cli\//i, 'Claude Code'],
  [/\bclaude[- ]code\b/i, 'Claude Code'],
  // Codex CLI: `codex_cli_rs/0.x (…)`; the exec and VS Code variants keep the `codex` prefix.
  [/^codex[_-]/i, 'Codex'],
  [/\bopencode\//i, 'opencode'],
  [/^curl\//i, 'curl'],
];

const SDK_LANGUAGES: Record<string, string> = {
  js: 'JS',
  javascript: 'JS',
  node: 'JS',
  typescript: 'JS',
  python: 'Python',
  go: 'Go',
  java: 'Java',
  kotlin: 'Kotlin',
  ruby: 'Ruby',
  '.net': '.NET',
  csharp: '.NET',
  php: 'PHP',
};

/** Longest label stored for an unknown tool. */
const MAX_OTHER = 40;

/** The official SDKs: `OpenAI/JS 6.49.0`, `OpenAI/Python 1.99.1`, `Anthropic/JS 0.60.0`, `Anthropic/Python …`. */
function sdkLabel(userAgent: string): string | null {
  const match = /^(OpenAI|Anthropic)\/([A-Za-z.#]+)\b/i.exec(userAgent);
  if (!match) return null;
  const vendor = match[1]!.toLowerCase() === 'openai' ? 'OpenAI' : 'Anthropic';
  const language = SDK_LANGUAGES[match[2]!.toLowerCase()] ?? match[2]!;
  return `${vendor} SDK (${language})`;
}

/** The client label for a User-Agent (null or empty → "unknown"). */
export function classifyClient(userAgent: string | null | undefined): string {
  const ua = (userAgent ?? '').trim();
  if (!ua) return 'unknown';
  for (const [pattern, label] of KNOWN) if (pattern.test(ua)) return label;
  const sdk = sdkLabel(ua);
  if (sdk) return sdk;
  // First product token without its version: `python-httpx/0.27` → `python-httpx`.
  const product = /^[A-Za-z0-9][A-Za-z0-9._+-]*/.exec(ua)?.[0];
  return product ? product.slice(0, MAX_OTHER) : 'other';
}
