import { readFile } from 'node:fs/promises';
import { InputError } from '@rft/contracts';
import { sha256Hex } from './content-hash.ts';

/**
 * The tokenizer check: a local `tokenizer.json` must be byte-identical (sha256) to the one the
 * dataset was tokenized with (`manifest.model.tokenizer.sha256`), or its token ids and masks are
 * meaningless. Returns the file's bytes for a caller that goes on to load it.
 */
export async function verifyTokenizerFile(tokenizerJsonPath: string, expectedSha256: string): Promise<Uint8Array> {
  const bytes = await readFile(tokenizerJsonPath);
  const actual = sha256Hex(bytes);
  if (actual !== expectedSha256) {
    throw new InputError(
      `tokenizer: ${tokenizerJsonPath} has sha256 ${actual} but ${expectedSha256} is expected (manifest model.tokenizer.sha256); use the tokenizer the dataset was built with`,
    );
  }
  return bytes;
}
