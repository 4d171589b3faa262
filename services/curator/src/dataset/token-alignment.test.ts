import { beforeAll, describe, expect, it } from 'vitest';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { readFile } from 'node:fs/promises';
import { alignSegments } from './token-alignment.ts';
import { loadTokenizer, type Tokenizer } from './tokenizer.ts';
import { qwenTokenizerFiles } from './test-support.ts';

let tokenizer: Tokenizer;
let hf: HfTokenizer;
beforeAll(async () => {
  const files = qwenTokenizerFiles();
  tokenizer = await loadTokenizer(files);
  hf = new HfTokenizer(
    JSON.parse(await readFile(files.tokenizerJsonPath, 'utf8')),
    JSON.parse(await readFile(files.tokenizerConfigPath, 'utf8')),
  );
});

describe('alignSegments', () => {
  it('tokenizes the whole text once and masks the token that straddles a trained/masked seam', () => {
    const result = alignSegments(tokenizer, [
      { kind: 'model', text: 'idea.\n', train: true },
      { kind: 'hint', text: '\n```python', train: false },
    ]);
    if (!result.ok) throw new Error(result.detail);
    // Whole-string ids (".\n\n" is one token), not the per-segment [41777, 624, 198, 73594, 12669].
    expect(result.ids).toEqual([41777, 382, 73594, 12669]);
    expect(Array.from(result.trainMask)).toEqual([1, 0, 0, 0]);
    expect(result.straddle).toBe(1);
    expect(result.byKind).toMatchObject({ model: 2, hint: 2 });
  });

  it('trains exactly the model and code text; special tokens and multi-byte characters line up', () => {
    const segments = [
      { kind: 'prompt' as const, text: '<|im_start|>user\nCombien font 2×3 ? 😀<|im_end|>\n<|im_start|>assistant\n<think>\n' },
      { kind: 'model' as const, text: 'Héllo, calculons: 世界.' },
      { kind: 'hint' as const, text: ' Wait, let me use python.\n```python\n' },
      { kind: 'code' as const, text: 'print(2*3)\n```\n' },
      { kind: 'tool_output' as const, text: '```output\n6\n```\n' },
      { kind: 'model' as const, text: 'Six.\n</think>\n\n\\boxed{6}<|im_end|>' },
    ].map((s) => ({ ...s, train: s.kind === 'model' || s.kind === 'code' }));
    const result = alignSegments(tokenizer, segments);
    if (!result.ok) throw new Error(result.detail);
    expect(result.ids).toEqual(hf.encode(segments.map((s) => s.text).join(''), { add_special_tokens: false }).ids);
    const trained = hf.decode(
      result.ids.filter((_, i) => result.trainMask[i] === 1),
      { skip_special_tokens: false },
    );
    expect(trained).not.toContain('python\n');
    expect(trained).not.toContain('output');
    expect(trained).not.toContain('Combien');
    expect(trained).toContain('世界');
    expect(trained).toContain('print(2*3)');
    expect(trained.endsWith('\\boxed{6}<|im_end|>')).toBe(true);
  });

  it('refuses text that is not NFC (offsets would not line up)', () => {
    const result = alignSegments(tokenizer, [{ kind: 'model', text: 'e\u0301', train: true }]);
    expect(result).toMatchObject({ ok: false, reason: 'not_nfc' });
  });
});
