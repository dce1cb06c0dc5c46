import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RecordedRequest } from '../../../test/fake-github/index.js';
import type { BlockedAttempt } from './net-guard.js';
import type { AgentRun } from './run-agent.js';
import type { TapExchange } from './tap.js';

/**
 * One file per agent and scenario under test-results/clients/, written whether the test passed or
 * not: what the agent asked the relay, what the relay answered, what reached the fake upstream, and
 * what was blocked. It is the evidence a defect report quotes. Key values are masked.
 */
export const RESULTS_DIR = fileURLToPath(new URL('../../../test-results/clients/', import.meta.url));

export interface RunRecord {
  agent: string;
  scenario: string;
  model: string;
  clientApi: string;
  run: AgentRun;
  tap: TapExchange[];
  upstream: RecordedRequest[];
  blocked: BlockedAttempt[];
  relayLog: string;
}

const SECRET_HEADERS = new Set(['authorization', 'x-api-key', 'api-key']);
/** Headers that say something about the protocol; the rest are listed by name only. */
const SHOWN_HEADERS = [
  'anthropic-version', 'anthropic-beta', 'openai-beta', 'upgrade', 'user-agent', 'x-initiator', 'openai-intent', 'x-github-api-version',
  'editor-version', 'copilot-integration-id', 'x-interaction-type', 'copilot-vision-request', 'x-should-retry', 'retry-after', 'content-type', 'allow',
];

function mask(name: string, value: string): string {
  if (!SECRET_HEADERS.has(name)) return value;
  const [scheme, token] = value.includes(' ') ? value.split(' ', 2) : ['', value];
  return `${scheme ? `${scheme} ` : ''}<${token?.length ?? 0} chars>`;
}

function headerLines(headers: Record<string, string>, indent: string): string[] {
  const lines = SHOWN_HEADERS.filter((h) => headers[h] !== undefined).map((h) => `${indent}${h}: ${headers[h]}`);
  for (const h of Object.keys(headers)) if (SECRET_HEADERS.has(h)) lines.push(`${indent}${h}: ${mask(h, headers[h]!)}`);
  const others = Object.keys(headers).filter((h) => !SHOWN_HEADERS.includes(h) && !SECRET_HEADERS.has(h));
  if (others.length > 0) lines.push(`${indent}(other headers: ${others.join(', ')})`);
  return lines;
}

/** model, stream, the keys, and the roles/types of the conversation: enough to see its shape. */
export function bodyShape(body: unknown): string {
  if (!body || typeof body !== 'object') return body === '' ? '(no body)' : `(text) ${String(body).slice(0, 200)}`;
  const b = body as Record<string, unknown>;
  const parts = [`keys=${Object.keys(b).join(',')}`];
  if (b['model'] !== undefined) parts.unshift(`model=${String(b['model'])}`);
  if (b['stream'] !== undefined) parts.push(`stream=${String(b['stream'])}`);
  const turns = (b['messages'] ?? b['input']) as unknown;
  if (Array.isArray(turns)) {
    parts.push(`turns=[${turns.map((t) => { const x = (t ?? {}) as Record<string, unknown>; return String(x['role'] ?? x['type'] ?? '?'); }).join(',')}]`);
  }
  if (Array.isArray(b['tools'])) parts.push(`tools=${b['tools'].length}`);
  return parts.join(' ');
}

function tail(text: string, lines: number): string {
  const all = text.trimEnd().split('\n');
  return (all.length > lines ? [`… (${all.length - lines} lines before)`, ...all.slice(-lines)] : all).join('\n');
}

export function digestMarkdown(r: RunRecord): string {
  const out: string[] = [`# ${r.agent} · ${r.scenario}`, '', `model \`${r.model}\` over the ${r.clientApi} API`, ''];
  const run = r.run;
  out.push(`exit ${run.code ?? run.signal} in ${run.ms} ms${run.timedOut ? ' (KILLED at the deadline)' : ''}; leftover processes: ${run.leftovers.length ? run.leftovers.join('; ') : 'none'}`, '');
  out.push(`command: \`${run.command.slice(1).join(' ').slice(0, 400)}\``, '');
  out.push('## Agent → relay (through the tap)', '');
  r.tap.forEach((e, i) => {
    out.push(`${i + 1}. +${e.at - (r.tap[0]?.at ?? e.at)} ms \`${e.method} ${e.path}${e.query ? `?${e.query}` : ''}\`${e.upgrade ? ' (Upgrade)' : ''} → **${e.status || 'no answer'}** in ${e.ms} ms`);
    out.push(`   - request: ${bodyShape(e.body)}`, ...headerLines(e.headers, '     - '));
    out.push('   - answer headers:', ...headerLines(e.responseHeaders, '     - '));
    if (e.status >= 300 || e.status === 0) out.push(`   - answer body: \`${e.responseStart.slice(0, 600).replace(/\s+/g, ' ')}\``);
  });
  out.push('', '## Relay → fake upstream', '');
  r.upstream.forEach((q, i) => {
    out.push(`${i + 1}. \`${q.method} ${q.path}${q.query ? `?${q.query}` : ''}\` ${bodyShape(q.body)}`, ...headerLines(q.headers, '   - '));
  });
  out.push('', `## Blocked non-loopback traffic: ${r.blocked.length === 0 ? 'none' : ''}`, ...r.blocked.map((b) => `- ${b.method} ${b.target}`));
  out.push('', '## Agent stdout (tail)', '', '```', tail(run.stdout, 30), '```', '', '## Agent stderr (tail)', '', '```', tail(run.stderr, 30), '```');
  out.push('', '## Relay log', '', '```', tail(r.relayLog, 40), '```', '');
  return out.join('\n');
}

/** Writes `<agent>/<scenario>.md` (the digest) and `.json` (everything, keys masked); returns the .md path. */
export async function writeDigest(r: RunRecord): Promise<string> {
  const base = join(RESULTS_DIR, r.agent, r.scenario);
  await mkdir(dirname(base), { recursive: true });
  const masked = <T extends { headers: Record<string, string> }>(x: T): T => ({ ...x, headers: Object.fromEntries(Object.entries(x.headers).map(([k, v]) => [k, mask(k, v)])) });
  const json = { ...r, tap: r.tap.map(masked), upstream: r.upstream.map(masked) };
  await writeFile(`${base}.json`, JSON.stringify(json, null, 2));
  await writeFile(`${base}.md`, digestMarkdown(r));
  return `${base}.md`;
}
