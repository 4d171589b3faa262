/**
 * A per-replica prefix cache modelled on vLLM's automatic prefix caching: the prompt is cut into
 * fixed blocks, each identified by a hash chained over all blocks before it; a request reuses the
 * longest run of leading blocks present; blocks are evicted least recently used.
 */
import { hashString } from './seeded-random.ts';

/** Simulated tokenizer: one token per 4 characters. A block holds 16 tokens, as vLLM's default. */
export const CHARS_PER_TOKEN = 4;
export const BLOCK_CHARS = 16 * CHARS_PER_TOKEN;

export function countTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

export class PrefixCache {
  readonly capacityBlocks: number;
  #blocks = new Map<number, true>();

  constructor(capacityBlocks: number) {
    this.capacityBlocks = capacityBlocks;
  }

  get usedBlocks(): number {
    return this.#blocks.size;
  }

  /** Tokens of `text` served from cache (the leading cached blocks), refreshing those blocks. */
  lookup(text: string): number {
    let prev = 0;
    let cached = 0;
    for (let at = 0; at + BLOCK_CHARS <= text.length; at += BLOCK_CHARS) {
      const key = blockKey(prev, text, at);
      if (!this.#blocks.has(key)) break;
      this.#blocks.delete(key);
      this.#blocks.set(key, true);
      cached += BLOCK_CHARS / CHARS_PER_TOKEN;
      prev = key;
    }
    return cached;
  }

  /** Stores every full block of `text`. */
  insert(text: string): void {
    let prev = 0;
    for (let at = 0; at + BLOCK_CHARS <= text.length; at += BLOCK_CHARS) {
      const key = blockKey(prev, text, at);
      this.#blocks.delete(key);
      this.#blocks.set(key, true);
      prev = key;
    }
    while (this.#blocks.size > this.capacityBlocks) {
      const oldest = this.#blocks.keys().next();
      if (oldest.done) break;
      this.#blocks.delete(oldest.value);
    }
  }
}

function blockKey(prev: number, text: string, at: number): number {
  const block = text.slice(at, at + BLOCK_CHARS);
  const hi = hashString(block, prev ^ 0x9e3779b9) & 0x1fffff;
  const lo = hashString(block, prev);
  return hi * 0x100000000 + lo;
}
