/**
 * A per-replica prefix cache modelled on vLLM's automatic prefix caching: the prompt is cut into
 * fixed blocks, each identified by a hash chained over all blocks before it; a request reuses the
 * longest run of leading blocks present; blocks are evicted least recently used.
 */

/** Simulated tokenizer: one token per 4 characters. A block holds 16 tokens, as vLLM's default. */
export const CHARS_PER_TOKEN = 4;
export const BLOCK_CHARS = 16 * CHARS_PER_TOKEN;

export function countTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

/** How much of a text the cache already holds: where a later `insert` of its extension can resume. */
export interface PrefixMatch {
  tokens: number;
  /** Characters covered by the matched blocks. */
  chars: number;
  /** Key of the last matched block: the chain seed for the next one. */
  key: number;
}

const NO_MATCH: PrefixMatch = { tokens: 0, chars: 0, key: 0 };

export class PrefixCache {
  readonly capacityBlocks: number;
  #blocks = new Map<number, true>();

  constructor(capacityBlocks: number) {
    this.capacityBlocks = capacityBlocks;
  }

  get usedBlocks(): number {
    return this.#blocks.size;
  }

  /** The leading cached blocks of `text`, refreshing them. */
  lookup(text: string): PrefixMatch {
    let key = 0;
    let at = 0;
    for (; at + BLOCK_CHARS <= text.length; at += BLOCK_CHARS) {
      const next = blockKey(key, text, at);
      if (!this.#blocks.has(next)) break;
      this.#blocks.delete(next);
      this.#blocks.set(next, true);
      key = next;
    }
    return { tokens: at / CHARS_PER_TOKEN, chars: at, key };
  }

  /**
   * Stores every full block of `text`. Given the match of a prefix of `text` (the request's prompt
   * looked up before decoding), hashing resumes after it: those blocks were in use and are fresh.
   */
  insert(text: string, after: PrefixMatch = NO_MATCH): void {
    let key = after.key;
    for (let at = after.chars; at + BLOCK_CHARS <= text.length; at += BLOCK_CHARS) {
      key = blockKey(key, text, at);
      this.#blocks.delete(key);
      this.#blocks.set(key, true);
    }
    if (this.#blocks.size > this.capacityBlocks) this.#evict();
  }

  /**
   * Drops the least recently used blocks down to 1/64 below capacity, in one pass: a Map keeps
   * deleted slots at its front until it rehashes, so a fresh `keys()` iterator per evicted block
   * would walk all of them every time.
   */
  #evict(): void {
    const target = this.capacityBlocks - Math.floor(this.capacityBlocks / 64);
    for (const key of this.#blocks.keys()) {
      if (this.#blocks.size <= target) break;
      this.#blocks.delete(key);
    }
  }
}

/**
 * A 53-bit key for the block at `at`, chained on the previous block's key: two multiplicative lanes (FNV-1a and a murmur prime) over
 * the block's characters in one pass, without copying the block out of the text.
 */
function blockKey(prev: number, text: string, at: number): number {
  let hi = (prev ^ 0x9e3779b9) >>> 0;
  let lo = (prev >>> 0) ^ 0x811c9dc5;
  for (let i = at; i < at + BLOCK_CHARS; i++) {
    const c = text.charCodeAt(i);
    hi = Math.imul(hi ^ c, 0x5bd1e995);
    lo = Math.imul(lo ^ c, 0x01000193);
  }
  return (avalanche(hi) & 0x1fffff) * 0x100000000 + avalanche(lo ^ Math.floor(prev / 0x100000000));
}

function avalanche(x: number): number {
  let h = x;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
