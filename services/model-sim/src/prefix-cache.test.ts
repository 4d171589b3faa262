import { describe, expect, it } from 'vitest';
import { BLOCK_CHARS, CHARS_PER_TOKEN, PrefixCache } from './prefix-cache.ts';

const text = (n: number, salt = 'a') =>
  Array.from({ length: n }, (_, i) => String.fromCharCode(97 + ((i * 7 + salt.charCodeAt(0)) % 26))).join('');
const BLOCK_TOKENS = BLOCK_CHARS / CHARS_PER_TOKEN;

describe('PrefixCache', () => {
  it('serves the full leading blocks of an inserted text and nothing of an unrelated one', () => {
    const cache = new PrefixCache(1000);
    const prompt = text(BLOCK_CHARS * 5 + 10);
    expect(cache.lookup(prompt).tokens).toBe(0);
    cache.insert(prompt);
    expect(cache.lookup(prompt).tokens).toBe(5 * BLOCK_TOKENS);
    expect(cache.lookup(prompt + text(BLOCK_CHARS * 3)).tokens).toBe(5 * BLOCK_TOKENS);
    expect(cache.lookup(text(BLOCK_CHARS * 5, 'q')).tokens).toBe(0);
  });

  it('keys blocks by everything before them: a changed first block misses every later block', () => {
    const cache = new PrefixCache(1000);
    const tail = text(BLOCK_CHARS * 4);
    cache.insert(text(BLOCK_CHARS, 'x') + tail);
    expect(cache.lookup(text(BLOCK_CHARS, 'y') + tail).tokens).toBe(0);
  });

  it('resuming an insert after a lookup stores the same blocks as inserting the whole text', () => {
    const prompt = text(BLOCK_CHARS * 3 + 20);
    const completion = text(BLOCK_CHARS * 4, 'c');
    const whole = new PrefixCache(1000);
    whole.insert(prompt);
    whole.insert(prompt + completion);
    const resumed = new PrefixCache(1000);
    resumed.insert(prompt);
    resumed.insert(prompt + completion, resumed.lookup(prompt));
    expect(resumed.usedBlocks).toBe(whole.usedBlocks);
    expect(resumed.lookup(prompt + completion + 'z').tokens).toBe(whole.lookup(prompt + completion + 'z').tokens);
    expect(resumed.lookup(prompt + completion).tokens).toBe(Math.floor((prompt.length + completion.length) / BLOCK_CHARS) * BLOCK_TOKENS);
  });

  it('evicts the least recently used blocks beyond its capacity', () => {
    const cache = new PrefixCache(4);
    const first = text(BLOCK_CHARS * 2, 'f');
    const second = text(BLOCK_CHARS * 2, 's');
    cache.insert(first);
    cache.insert(second);
    cache.lookup(first); // refreshes first's blocks
    cache.insert(text(BLOCK_CHARS * 2, 't'));
    expect(cache.usedBlocks).toBe(4);
    expect(cache.lookup(first).tokens).toBe(2 * BLOCK_TOKENS);
    expect(cache.lookup(second).tokens).toBe(0);
  });
});
