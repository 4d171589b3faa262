export interface PackItem {
  id: string;
  length: number;
}

export interface Pack {
  ids: string[];
  lengths: number[];
  tokens: number;
}

export interface PackingStats {
  packs: number;
  /** Mean samples per pack. */
  packingFactor: number;
  /** Tokens / (packs x capacity). */
  efficiency: number;
}

/**
 * Deterministic first-fit decreasing: items sorted by (length desc, id asc), each placed in the
 * lowest-numbered pack with room. A max segment tree over remaining capacity finds that pack in
 * O(log n), so a million samples pack in seconds.
 */
export function packFirstFitDecreasing(items: readonly PackItem[], capacity: number): Pack[] {
  for (const item of items) {
    if (!Number.isInteger(item.length) || item.length <= 0 || item.length > capacity) {
      throw new Error(`packing: item ${item.id} has length ${item.length}, must be 1..${capacity}`);
    }
  }
  const sorted = [...items].sort((a, b) => b.length - a.length || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const n = Math.max(1, sorted.length);
  let size = 1;
  while (size < n) size *= 2;
  // tree[size + i] = remaining capacity of pack i (unopened packs have full capacity).
  const tree = new Int32Array(2 * size).fill(capacity);
  const packs: Pack[] = [];
  for (const item of sorted) {
    let node = 1;
    while (node < size) {
      const left = 2 * node;
      node = (tree[left] ?? 0) >= item.length ? left : left + 1;
    }
    const index = node - size;
    let pack = packs[index];
    if (!pack) {
      pack = { ids: [], lengths: [], tokens: 0 };
      packs[index] = pack;
    }
    pack.ids.push(item.id);
    pack.lengths.push(item.length);
    pack.tokens += item.length;
    tree[node] = capacity - pack.tokens;
    for (node >>= 1; node >= 1; node >>= 1) tree[node] = Math.max(tree[2 * node] ?? 0, tree[2 * node + 1] ?? 0);
  }
  return packs;
}

export function packingStats(packs: readonly Pack[], capacity: number): PackingStats {
  const samples = packs.reduce((sum, p) => sum + p.ids.length, 0);
  const tokens = packs.reduce((sum, p) => sum + p.tokens, 0);
  return {
    packs: packs.length,
    packingFactor: packs.length ? samples / packs.length : 0,
    efficiency: packs.length ? tokens / (packs.length * capacity) : 0,
  };
}
