/**
 * Strings Postgres cannot store, anywhere in a parsed JSON/YAML value: NUL (U+0000, refused by
 * jsonb and text) and lone UTF-16 surrogates (`"\ud800"` is valid JSON, but not Unicode; jsonb
 * refuses it and UTF-8 cannot encode it). Each as `path: problem`; keys are checked too.
 */
export function illFormedTextProblems(value: unknown, path: string): string[] {
  const at = (p: string, key: string) => (p ? `${p}.${key}` : key);
  if (typeof value === 'string') {
    const where = path || '(root)';
    if (value.includes('\u0000')) return [`${where}: contains a NUL character (U+0000)`];
    if (!value.isWellFormed()) return [`${where}: contains a lone UTF-16 surrogate (not valid Unicode text)`];
    return [];
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => illFormedTextProblems(v, at(path, String(i))));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, v]) => {
      const keyProblems = key.includes('\u0000') || !key.isWellFormed() ? [`${at(path, '(key)')}: a key is not valid Unicode text`] : [];
      return [...keyProblems, ...illFormedTextProblems(v, at(path, key))];
    });
  }
  return [];
}

/** Every string in a parsed value, with its path (for rules that apply to every text field). */
export function* textFields(value: unknown, path = ''): Generator<[path: string, text: string]> {
  if (typeof value === 'string') yield [path || '(root)', value];
  else if (Array.isArray(value)) for (const [i, v] of value.entries()) yield* textFields(v, path ? `${path}.${i}` : String(i));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) yield* textFields(v, path ? `${path}.${k}` : k);
}
