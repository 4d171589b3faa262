import { readFile } from 'node:fs/promises';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { InputError } from '@rft/contracts';
import { sha256Hex, verifyTokenizerFile } from '@rft/dataset';

/**
 * The model's tokenizer, loaded from local files only (never from a hub at run time).
 * `encodeWithBytes` gives, for every token, how many UTF-8 bytes of the (NFC) input it covers, so
 * loss masks can be mapped from character spans to tokens after tokenizing the whole text once.
 */
export interface Tokenizer {
  /** sha256 of the exact `tokenizer.json` bytes. */
  readonly sha256: string;
  /** sha256 of `chat_template` in `tokenizer_config.json`, null when the config has none. */
  readonly chatTemplateSha256: string | null;
  encodeWithBytes(text: string): { ids: number[]; byteLengths: number[] };
}

export interface TokenizerFiles {
  /** Path to `tokenizer.json`. */
  tokenizerJsonPath: string;
  /** Path to `tokenizer_config.json` (chat template, special tokens); optional. */
  tokenizerConfigPath?: string;
  /** When given (e.g. from a manifest), the file must hash to it. */
  expectedSha256?: string;
}

/** GPT-2's reversible byte <-> printable-unicode table used by ByteLevel pre-tokenizers. */
function byteLevelDecoder(): Map<string, number> {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const map = new Map<string, number>();
  const set = new Set(printable);
  for (const b of printable) map.set(String.fromCodePoint(b), b);
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (set.has(b)) continue;
    map.set(String.fromCodePoint(256 + n), b);
    n++;
  }
  return map;
}

interface TokenizerJson {
  model?: { type?: string };
  pre_tokenizer?: { type?: string; pretokenizers?: { type?: string }[] } | null;
  added_tokens?: { id: number; content: string }[];
}

function usesByteLevel(json: TokenizerJson): boolean {
  const pre = json.pre_tokenizer;
  if (!pre) return false;
  if (pre.type === 'ByteLevel') return true;
  return pre.type === 'Sequence' && (pre.pretokenizers ?? []).some((p) => p.type === 'ByteLevel');
}

function chatTemplateOf(config: Record<string, unknown> | null): string | null {
  const template = config?.['chat_template'];
  if (typeof template === 'string') return template;
  // Some configs carry a list of named templates; hash the canonical JSON of the list.
  if (Array.isArray(template)) return JSON.stringify(template);
  return null;
}

/** Builds a Tokenizer from already-read files (bytes of tokenizer.json, parsed config). */
export function createTokenizer(tokenizerJsonBytes: Uint8Array, config: Record<string, unknown> | null): Tokenizer {
  const sha256 = sha256Hex(tokenizerJsonBytes);
  const json = JSON.parse(Buffer.from(tokenizerJsonBytes).toString('utf8')) as TokenizerJson;
  if (json.model?.type !== 'BPE' || !usesByteLevel(json)) {
    throw new InputError(
      `tokenizer.json: only byte-level BPE tokenizers are supported for loss-mask alignment (model ${json.model?.type ?? 'missing'})`,
    );
  }
  const hf = new HfTokenizer(json, config ?? {});
  const decoder = byteLevelDecoder();
  const addedBytes = new Map<number, number>();
  for (const t of json.added_tokens ?? []) addedBytes.set(t.id, Buffer.byteLength(t.content, 'utf8'));
  const template = chatTemplateOf(config);

  function tokenByteLength(id: number, token: string): number {
    const added = addedBytes.get(id);
    if (added !== undefined) return added;
    let n = 0;
    for (const ch of token) {
      if (!decoder.has(ch)) throw new Error(`token ${id} ${JSON.stringify(token)} has a character outside the byte-level alphabet`);
      n++;
    }
    return n;
  }

  return {
    sha256,
    chatTemplateSha256: template === null ? null : sha256Hex(template),
    encodeWithBytes(text) {
      const encoded: { ids: number[]; tokens: string[] } = hf.encode(text, { add_special_tokens: false });
      const byteLengths = encoded.ids.map((id: number, i: number) => tokenByteLength(id, encoded.tokens[i] ?? ''));
      return { ids: encoded.ids, byteLengths };
    },
  };
}

/** Loads `tokenizer.json` (+ config) from disk; rejects a file whose hash differs from `expectedSha256`. */
export async function loadTokenizer(files: TokenizerFiles): Promise<Tokenizer> {
  const bytes =
    files.expectedSha256 === undefined
      ? await readFile(files.tokenizerJsonPath)
      : await verifyTokenizerFile(files.tokenizerJsonPath, files.expectedSha256);
  const config = files.tokenizerConfigPath
    ? (JSON.parse(await readFile(files.tokenizerConfigPath, 'utf8')) as Record<string, unknown>)
    : null;
  return createTokenizer(bytes, config);
}
