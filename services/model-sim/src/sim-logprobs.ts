/**
 * Simulated token log-probabilities. The simulator's tokens are fixed-width text pieces
 * (`CHARS_PER_TOKEN` characters, as its usage counts them); each gets a deterministic logprob drawn
 * from the request seed and alternatives from a small vocabulary. The numbers are plausible, not a
 * model's: they let clients exercise the shapes (completions' parallel arrays, chat's `content` list).
 */
import { createRandom, hashString, type Random } from '@rft/seeded-random';
import { CHARS_PER_TOKEN } from './prefix-cache.ts';

export interface TokenLogprob {
  token: string;
  logprob: number;
  /** Alternatives, most likely first, excluding the sampled token. */
  top: Array<{ token: string; logprob: number }>;
}

const ALTERNATIVES = [
  ' the',
  ' and',
  ' is ',
  ' of ',
  '\n\n',
  ' = ',
  ' to ',
  'ing ',
  ' we ',
  ' so ',
  '. ',
  ', ',
  ' a ',
  ' in ',
  'tion',
  ' it ',
  ' x ',
  ' + ',
  ' 1',
  ' 2',
  'er ',
  ' on ',
  ' be ',
  ' at ',
];

/** Splits a completion into the simulator's tokens (the last one may be shorter). */
export function simTokens(text: string): string[] {
  const tokens: string[] = [];
  for (let i = 0; i < text.length; i += CHARS_PER_TOKEN) tokens.push(text.slice(i, i + CHARS_PER_TOKEN));
  return tokens;
}

/** One logprob per token with `top` alternatives each; the same seed and text give the same numbers. */
export function simLogprobs(tokens: readonly string[], top: number, seed: number): TokenLogprob[] {
  return tokens.map((token, i) => {
    // One stream per position: a token's logprob does not depend on how many alternatives were asked.
    const rng = createRandom(hashString(`logprobs-${seed}-${i}`));
    // Mostly confident tokens with an occasional uncertain one, as reasoning text looks.
    const logprob = round(-(rng.next() ** 4) * 4);
    return { token, logprob, top: alternatives(rng, token, top, logprob) };
  });
}

function alternatives(rng: Random, sampled: string, count: number, sampledLogprob: number): TokenLogprob['top'] {
  const pool = ALTERNATIVES.filter((t) => t !== sampled);
  const out: TokenLogprob['top'] = [];
  let logprob = Math.min(sampledLogprob, -0.01) - 0.5;
  for (let i = 0; i < count && pool.length > 0; i++) {
    const [token] = pool.splice(Math.floor(rng.next() * pool.length), 1);
    logprob -= 0.2 + rng.next() * 1.5;
    out.push({ token: token!, logprob: round(logprob) });
  }
  return out;
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

/** The `/v1/completions` form: parallel arrays, `top_logprobs` holding the sampled token and its alternatives. */
export function completionLogprobs(items: readonly TokenLogprob[], startOffset = 0) {
  let offset = startOffset;
  const text_offset: number[] = [];
  for (const item of items) {
    text_offset.push(offset);
    offset += item.token.length;
  }
  return {
    text_offset,
    token_logprobs: items.map((i) => i.logprob),
    tokens: items.map((i) => i.token),
    top_logprobs: items.map((i) => Object.fromEntries([[i.token, i.logprob], ...i.top.map((a) => [a.token, a.logprob])])),
  };
}

const utf8 = (s: string): number[] => [...Buffer.from(s, 'utf8')];

/** The `/v1/chat/completions` form: `{content: [{token, logprob, bytes, top_logprobs}]}`. */
export function chatLogprobs(items: readonly TokenLogprob[]) {
  return {
    content: items.map((i) => ({
      token: i.token,
      logprob: i.logprob,
      bytes: utf8(i.token),
      top_logprobs: i.top.map((a) => ({ token: a.token, logprob: a.logprob, bytes: utf8(a.token) })),
    })),
  };
}
