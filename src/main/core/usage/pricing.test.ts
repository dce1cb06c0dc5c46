import { describe, expect, it } from 'vitest';
import { parseModelEntry } from '../copilot/model-entry.js';
import { costOf, creditsAt, PriceBook, pricesFromModelEntry } from './pricing.js';

const sonnet = {
  id: 'claude-sonnet-4.5',
  capabilities: { limits: { max_prompt_tokens: 128_000 } },
  billing: {
    is_premium: true,
    multiplier: 1,
    token_prices: {
      batch_size: 1_000_000,
      default: { input_price: 300, output_price: 1500, cache_read_price: 30 },
      long_context: { input_price: 600, output_price: 2250, cache_read_price: 60, max_prompt_tokens: 1_000_000 },
    },
  },
};

const request = { nanoAiu: null, inputTokens: 1000, outputTokens: 200, cachedTokens: 400, status: 200, initiator: 'user' as const, clientApi: 'messages' };

describe('pricesFromModelEntry', () => {
  it('reads the default and long-context tiers, the batch size and the multiplier', () => {
    expect(pricesFromModelEntry(sonnet)).toEqual({
      tokens: {
        batchSize: 1_000_000,
        standard: { inputPrice: 300, outputPrice: 1500, cacheReadPrice: 30 },
        longContext: { inputPrice: 600, outputPrice: 2250, cacheReadPrice: 60, abovePromptTokens: 128_000 },
      },
      multiplier: 1,
    });
  });

  it('accepts a flat tier and camelCase names; a multiplier alone; nothing usable → null', () => {
    expect(pricesFromModelEntry({ id: 'x', billing: { tokenPrices: { inputPrice: 300, outputPrice: 1500, cachePrice: 30, batchSize: 1_000_000, contextMax: 128_000 } } })?.tokens).toEqual({
      batchSize: 1_000_000,
      standard: { inputPrice: 300, outputPrice: 1500, cacheReadPrice: 30 },
      longContext: null,
    });
    expect(pricesFromModelEntry({ id: 'x', billing: { is_premium: false, multiplier: 0.33 } })).toEqual({ tokens: null, multiplier: 0.33 });
    expect(pricesFromModelEntry({ id: 'auto', billing: null })).toBeNull();
    expect(pricesFromModelEntry({ id: 'x', billing: { token_prices: { batch_size: 0, default: { input_price: 1, output_price: 1 } } } })).toBeNull();
    expect(pricesFromModelEntry({ id: 'x', billing: { token_prices: { batch_size: 1e6, default: { input_price: -1, output_price: 'x' } } } })).toBeNull();
    expect(pricesFromModelEntry('nope')).toBeNull();
  });
});

describe('creditsAt', () => {
  const tokens = pricesFromModelEntry(sonnet)!.tokens!;
  it('bills fresh input, cached input and output at their own prices', () => {
    // (600 × 300 + 400 × 30 + 200 × 1500) / 1e6
    expect(creditsAt(tokens, { input: 1000, output: 200, cached: 400 })).toBeCloseTo(0.492, 10);
    expect(creditsAt(tokens, { input: null, output: null, cached: null })).toBeNull();
  });

  it('switches to the long-context tier past the standard prompt size', () => {
    expect(creditsAt(tokens, { input: 200_000, output: 0, cached: 0 })).toBeCloseTo(120, 10);
    expect(creditsAt(tokens, { input: 128_000, output: 0, cached: 0 })).toBeCloseTo(38.4, 10);
  });

  it('prices cached tokens at the input price when no cache price is given', () => {
    expect(creditsAt({ batchSize: 1000, standard: { inputPrice: 1, outputPrice: 2, cacheReadPrice: null }, longContext: null }, { input: 10, output: 0, cached: 10 })).toBeCloseTo(0.01, 10);
  });
});

describe('costOf', () => {
  const prices = pricesFromModelEntry(sonnet);
  it('prefers what Copilot billed (nano-AIU) over an estimate', () => {
    expect(costOf({ ...request, nanoAiu: 1_234_000_000 }, prices)).toEqual({ credits: 1.234, creditsSource: 'billed', premiumRequests: 1 });
    expect(costOf(request, prices)).toMatchObject({ creditsSource: 'estimated', premiumRequests: 1 });
    expect(costOf(request, prices).credits).toBeCloseTo(0.492, 10);
  });

  it('charges no premium request for agent follow-ups, nothing for failures or non-generation calls', () => {
    expect(costOf({ ...request, initiator: 'agent' }, prices).premiumRequests).toBe(0);
    expect(costOf({ ...request, status: 429 }, prices)).toEqual({ credits: null, creditsSource: null, premiumRequests: null });
    expect(costOf({ ...request, clientApi: 'embeddings' }, prices).premiumRequests).toBeNull();
    expect(costOf(request, null)).toEqual({ credits: null, creditsSource: null, premiumRequests: null });
  });
});

describe('PriceBook', () => {
  it('takes the model catalogue\'s parsed entries as they are (ModelCatalog.onList feeds it)', () => {
    const book = new PriceBook();
    book.update([parseModelEntry(sonnet)!]);
    expect(book.get('claude-sonnet-4.5')).toEqual(pricesFromModelEntry(sonnet));
  });

  it('keeps the usable entries of a models list and replaces them on update', () => {
    const book = new PriceBook();
    book.update([sonnet, { id: 'auto', billing: null }, { name: 'no id', billing: { multiplier: 1 } }, null]);
    expect(book.size).toBe(1);
    expect(book.get('claude-sonnet-4.5')?.multiplier).toBe(1);
    expect(book.get(null)).toBeNull();
    book.update([]);
    expect(book.get('claude-sonnet-4.5')).toBeNull();
  });
});
