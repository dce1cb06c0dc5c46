import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { ensureBuilt } from '../support/built-serve.js';

// Token counting runs on the `count-worker` entry of each ESM bundle (scripts/build.mjs). The CLI's is
// exercised end to end in test/anthropic/bounded-counting.test.ts; the Electron main bundle can't run
// here (no Electron binary), so its worker entry is started alone: its chunk imports and the BPE
// tables must load from the bundle as shipped.
describe.each(['cli', 'main'])('dist/%s/count-worker.js', (bundle) => {
  it('answers a counting job from the bundle alone', async () => {
    ensureBuilt(`dist/${bundle}/count-worker.js`);
    const worker = new Worker(fileURLToPath(new URL(`../../dist/${bundle}/count-worker.js`, import.meta.url)));
    try {
      const text = 'Count me, <|endoftext|> included, as plain text.';
      const reply = new Promise((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      worker.postMessage({ id: 7, encoding: 'o200k_base', texts: [text], submittedAt: Date.now(), budgetMs: 10_000 });
      expect(await reply).toEqual({ id: 7, tokens: countTokens(text, { disallowedSpecial: new Set() }), basis: 'counted' });
    } finally {
      await worker.terminate();
    }
  });
});
