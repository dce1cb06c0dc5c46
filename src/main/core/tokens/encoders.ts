/** The BPE encodings the relay counts with (gpt-tokenizer: pure JS, no native build). */
export type EncodingName = 'o200k_base' | 'cl100k_base';

export type Encoder = {
  countTokens: (text: string, options?: { disallowedSpecial?: Set<string> }) => number;
  setMergeCacheSize?: (entries: number) => void;
};

const loaded = new Map<EncodingName, Promise<Encoder>>();

/** Lazily imports the encoder (its rank table takes ~0.3 s and ~57 MB to load); later calls are cached. */
export function loadEncoder(name: EncodingName): Promise<Encoder> {
  let encoder = loaded.get(name);
  if (!encoder) {
    encoder = (name === 'cl100k_base' ? import('gpt-tokenizer/encoding/cl100k_base') : import('gpt-tokenizer/encoding/o200k_base')) as Promise<Encoder>;
    loaded.set(name, encoder);
  }
  return encoder;
}
