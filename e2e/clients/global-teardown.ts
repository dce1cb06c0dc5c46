import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RESULTS_DIR } from './support/digest.js';

interface Result {
  agent: string;
  title: string;
  status: string;
  expected: string;
  ms: number;
  defect?: string;
  errors: string[];
}

function verdict(r: Result): string {
  const why = r.errors.length > 0 ? r.errors.join('; ') : r.status;
  if (r.expected === 'failed') return r.status === 'failed' ? `fails (known defect): ${why}` : 'PASSES now: remove it from known-defects.ts';
  return r.status === 'passed' ? 'passes' : `FAILS: ${why}`;
}

/** summary.md: one line per agent and scenario, from what each test appended to results.jsonl. */
export default async function globalTeardown(): Promise<void> {
  const file = join(RESULTS_DIR, 'results.jsonl');
  if (!existsSync(file)) return;
  const results = (await readFile(file, 'utf8')).trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Result);
  const lines = ['# Real agents against the relay', '', '| test | result | time | known defect |', '| --- | --- | --- | --- |'];
  for (const r of results.sort((a, b) => a.title.localeCompare(b.title))) {
    lines.push(`| ${r.title} | ${verdict(r).replace(/\|/g, '\\|')} | ${(r.ms / 1000).toFixed(1)} s | ${(r.defect ?? '').replace(/\|/g, '\\|')} |`);
  }
  await writeFile(join(RESULTS_DIR, 'summary.md'), `${lines.join('\n')}\n`);
}
