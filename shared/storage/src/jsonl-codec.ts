import { zstdCompressSync, zstdDecompressSync } from 'node:zlib';

/** Objects holding many records are zstd-compressed JSON Lines (`.jsonl.zst`). */
export function encodeJsonlZst(records: readonly unknown[]): Uint8Array {
  const text = records.map((r) => JSON.stringify(r)).join('\n') + (records.length ? '\n' : '');
  return zstdCompressSync(Buffer.from(text, 'utf8'));
}

export function decodeJsonlZst(bytes: Uint8Array): unknown[] {
  const text = zstdDecompressSync(bytes).toString('utf8');
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as unknown);
}
