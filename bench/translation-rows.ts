/**
 * The rows both translation benchmarks run (bench/translation.bench.ts for CPU time and first
 * byte, bench/translation-instructions.ts for instruction counts): per upstream endpoint a model
 * that lists only it, so every client API lands there — natively from its own API, translated
 * from the two others. BENCH_ONLY=messages:/chat/completions keeps one row and its native row.
 */
import type { Agent } from 'undici';
import { request } from 'undici';

export type Client = 'chat' | 'responses' | 'messages';
export type Upstream = '/chat/completions' | '/responses' | '/v1/messages';
export interface Row {
  upstream: Upstream;
  client: Client;
  model: string;
}

export const GROUPS: Array<{ upstream: Upstream; model: string; native: Client }> = [
  { upstream: '/chat/completions', model: 'gpt-4o', native: 'chat' },
  { upstream: '/responses', model: 'gpt-5.1-codex', native: 'responses' },
  { upstream: '/v1/messages', model: 'claude-opus-4.6', native: 'messages' },
];
const CLIENTS: Client[] = ['chat', 'responses', 'messages'];
const ALL_ROWS: Row[] = GROUPS.flatMap((g) => [g.native, ...CLIENTS.filter((c) => c !== g.native)].map((client) => ({ upstream: g.upstream, client, model: g.model })));

const ONLY = process.env.BENCH_ONLY?.split(':');
export const ROWS = ONLY ? ALL_ROWS.filter((r) => r.upstream === ONLY[1] && (r.client === ONLY[0] || GROUPS.some((g) => g.upstream === r.upstream && g.native === r.client))) : ALL_ROWS;

export const isNative = (row: Row) => GROUPS.some((g) => g.upstream === row.upstream && g.native === row.client);

/** The fake echoes the prompt in `streamChunks` pieces: the prompt needs at least that many words. */
export function requestBody(row: Row, events: number): { path: string; json: string } {
  const prompt = Array.from({ length: events + 10 }, (_, i) => `w${i}`).join(' ');
  if (row.client === 'chat') return { path: '/v1/chat/completions', json: JSON.stringify({ model: row.model, stream: true, messages: [{ role: 'user', content: prompt }] }) };
  if (row.client === 'responses') return { path: '/v1/responses', json: JSON.stringify({ model: row.model, stream: true, input: prompt }) };
  return { path: '/v1/messages', json: JSON.stringify({ model: row.model, stream: true, max_tokens: 4000, messages: [{ role: 'user', content: prompt }] }) };
}

/** One stream through the relay: ms to the first body byte; the whole body is read and checked. */
export async function stream(url: string, row: Row, events: number, dispatcher: Agent): Promise<number> {
  const { path, json } = requestBody(row, events);
  const started = process.hrtime.bigint();
  const res = await request(`${url}${path}`, { method: 'POST', dispatcher, headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' }, body: json });
  let first = 0;
  let text = '';
  for await (const chunk of res.body) {
    if (!first) first = Number(process.hrtime.bigint() - started) / 1e6;
    text += (chunk as Buffer).toString('latin1');
  }
  if (res.statusCode !== 200 || /event: error\n|data: {"error":/.test(text)) throw new Error(`${row.client} → ${row.upstream}: HTTP ${res.statusCode} ${text.slice(0, 200)}`);
  return first;
}

/** Upstream events per stream of each endpoint, counted on the fake's own answer (SSE messages, [DONE] included). */
export async function upstreamEvents(capiUrl: string, sessionToken: string, events: number): Promise<Map<Upstream, number>> {
  const counts = new Map<Upstream, number>();
  for (const group of GROUPS) {
    const { json } = requestBody({ upstream: group.upstream, client: group.native, model: group.model }, events);
    const res = await request(`${capiUrl}${group.upstream}`, { method: 'POST', headers: { authorization: `Bearer ${sessionToken}`, 'editor-version': 'vscode/1.121.0', 'content-type': 'application/json', 'x-github-api-version': '2026-08-01' }, body: json });
    const text = await res.body.text();
    counts.set(group.upstream, text.split('\n\n').filter((frame) => /^data:/m.test(frame)).length);
  }
  return counts;
}

export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Prints rows of cells as an aligned table (first three columns left-aligned). */
export function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)));
  for (const row of rows) console.log(row.map((cell, col) => (col < 3 ? cell.padEnd(widths[col]!) : cell.padStart(widths[col]!))).join('  '));
}
