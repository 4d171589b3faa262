/**
 * stdin/stdout comparison in the LiveCodeBench manner: strip the whole output, compare line by line
 * after stripping each line; a differing line still matches when both split into the same number of
 * whitespace tokens that are all decimals with exactly equal values.
 */
export function outputsMatch(actual: string, expected: string): boolean {
  const a = actual
    .trim()
    .split('\n')
    .map((l) => l.trim());
  const e = expected
    .trim()
    .split('\n')
    .map((l) => l.trim());
  if (a.length !== e.length) return false;
  return a.every((line, i) => line === e[i] || decimalsEqual(line, e[i]!));
}

function decimalsEqual(a: string, b: string): boolean {
  const ta = a.split(/\s+/);
  const tb = b.split(/\s+/);
  if (ta.length !== tb.length) return false;
  return ta.every((x, i) => {
    const p = parseExactDecimal(x);
    const q = parseExactDecimal(tb[i]!);
    return p !== null && q !== null && p.sign === q.sign && p.digits === q.digits && p.exp === q.exp;
  });
}

/** Canonical exact form of a decimal literal: sign, significant digits, exponent. */
function parseExactDecimal(s: string): { sign: number; digits: string; exp: number } | null {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(s);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return null;
  const intPart = m[2] ?? '';
  const frac = m[3] ?? '';
  let digits = (intPart + frac).replace(/^0+/, '');
  let exp = Number(m[4] ?? 0) - frac.length;
  if (digits === '') return { sign: 1, digits: '0', exp: 0 };
  while (digits.endsWith('0')) {
    digits = digits.slice(0, -1);
    exp++;
  }
  return { sign: m[1] === '-' ? -1 : 1, digits, exp };
}
