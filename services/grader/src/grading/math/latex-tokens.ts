/** Tokenizer for normalized answer LaTeX (see answer-normalize.ts). */
export type Token =
  | { k: 'num'; s: string }
  | { k: 'id'; s: string }
  | { k: 'fn'; s: string }
  | { k: 'cmd'; s: string }
  | { k: 'op'; s: string }
  | { k: 'env'; s: string; begin: boolean };

export class AnswerParseError extends Error {
  override name = 'AnswerParseError';
}

/** Functions written either as commands (`\sin`) or as bare words (`sin`). */
export const FUNCTION_NAMES: ReadonlySet<string> = new Set([
  'sin',
  'cos',
  'tan',
  'sec',
  'csc',
  'cot',
  'arcsin',
  'arccos',
  'arctan',
  'sinh',
  'cosh',
  'tanh',
  'ln',
  'log',
  'exp',
  'sqrt',
  'det',
  'gcd',
  'lcm',
  'max',
  'min',
  'floor',
  'ceil',
  'abs',
]);

const GREEK: ReadonlySet<string> = new Set([
  'alpha',
  'beta',
  'gamma',
  'delta',
  'epsilon',
  'varepsilon',
  'zeta',
  'eta',
  'theta',
  'vartheta',
  'iota',
  'kappa',
  'lambda',
  'mu',
  'nu',
  'xi',
  'rho',
  'sigma',
  'tau',
  'upsilon',
  'phi',
  'varphi',
  'chi',
  'psi',
  'omega',
  'Gamma',
  'Delta',
  'Theta',
  'Lambda',
  'Xi',
  'Sigma',
  'Phi',
  'Psi',
  'Omega',
]);

/** Commands that map onto a plain operator token. */
const COMMAND_OPS: Readonly<Record<string, string>> = {
  cdot: '*',
  times: '*',
  div: '/',
  le: '<=',
  leq: '<=',
  ge: '>=',
  geq: '>=',
  ne: '!=',
  neq: '!=',
  lt: '<',
  gt: '>',
  leqslant: '<=',
  geqslant: '>=',
  approx: '~',
  in: 'in',
  cup: 'cup',
  cap: 'cap',
  pm: 'pm',
  mp: 'mp',
  setminus: '\\',
  to: '->',
  rightarrow: '->',
  infty: 'inf',
  emptyset: 'empty',
  varnothing: 'empty',
  '{': '{{',
  '}': '}}',
  '|': '|',
  '\\': 'row',
  colon: ':',
  mid: '|',
  vert: '|',
  lvert: '|',
  rvert: '|',
  lbrace: '{{',
  rbrace: '}}',
  langle: '(',
  rangle: ')',
  lfloor: 'lfloor',
  rfloor: 'rfloor',
  lceil: 'lceil',
  rceil: 'rceil',
  circ: 'circ',
  prime: "'",
  equiv: '=',
  cong: '=',
};

const MAX_TOKENS = 4000;

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const push = (t: Token): void => {
    out.push(t);
    if (out.length > MAX_TOKENS) throw new AnswerParseError('answer has too many tokens');
  };
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '~') {
      i++;
      continue;
    }
    if ((c >= '0' && c <= '9') || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^\d*\.?\d*/.exec(src.slice(i, i + 400))!;
      let s = m[0];
      if (s.endsWith('.')) s = s.slice(0, -1);
      // Scientific notation `1.5e-3`, `2E+5` (the exponent is part of the literal, not Euler's e).
      const sci = /^[eE][+-]?\d{1,6}(?![\d.a-zA-Z])/.exec(src.slice(i + s.length, i + s.length + 10));
      if (sci && s !== '' && /\d/.test(s)) s += sci[0];
      push({ k: 'num', s });
      i += s.length;
      continue;
    }
    if (c === '\\') {
      const m = /^\\([a-zA-Z]+|.)/.exec(src.slice(i, i + 40));
      if (!m) throw new AnswerParseError('dangling backslash');
      const name = m[1]!;
      i += m[0].length;
      if (name === 'begin' || name === 'end') {
        const env = /^\s*\{([a-zA-Z*]+)\}/.exec(src.slice(i, i + 40));
        if (!env) throw new AnswerParseError(`\\${name} without an environment name`);
        i += env[0].length;
        if (name === 'begin' && env[1] === 'array') {
          const spec = /^\s*\{[^}]*\}/.exec(src.slice(i, i + 60));
          if (spec) i += spec[0].length;
        }
        push({ k: 'env', s: env[1]!.replace('*', ''), begin: name === 'begin' });
        continue;
      }
      const op = COMMAND_OPS[name];
      if (op !== undefined) push({ k: 'op', s: op });
      else if (FUNCTION_NAMES.has(name) || name === 'arcsec' || name === 'arccsc' || name === 'arccot') push({ k: 'fn', s: name });
      else if (GREEK.has(name)) push({ k: 'id', s: name });
      else if (name === 'pi') push({ k: 'id', s: 'pi' });
      else push({ k: 'cmd', s: name });
      continue;
    }
    if (/[a-zA-Z]/.test(c)) {
      const m = /^[a-zA-Z]+/.exec(src.slice(i, i + 200))!;
      const word = m[0];
      // Bare function words (sin x, log(x)); anything else is a product of single-letter symbols.
      const fn = [...FUNCTION_NAMES].find((f) => word.startsWith(f) && f.length >= 2 && word.length === f.length);
      if (fn) {
        push({ k: 'fn', s: fn });
      } else if (word === 'pi') {
        push({ k: 'id', s: 'pi' });
      } else {
        for (const ch of word) push({ k: 'id', s: ch });
      }
      i += word.length;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (two === '<=' || two === '>=' || two === '!=' || two === '=>' || two === '=<' || two === '**') {
      push({ k: 'op', s: two === '=>' ? '>=' : two === '=<' ? '<=' : two === '**' ? '^' : two });
      i += 2;
      continue;
    }
    if ("+-*/^_()[]{},;|!=<>'&:%".includes(c)) {
      push({ k: 'op', s: c });
      i++;
      continue;
    }
    if (c === '−') {
      push({ k: 'op', s: '-' });
      i++;
      continue;
    }
    if (c === '≤' || c === '≥' || c === '≠') {
      push({ k: 'op', s: c === '≤' ? '<=' : c === '≥' ? '>=' : '!=' });
      i++;
      continue;
    }
    if (c === '∞') {
      push({ k: 'op', s: 'inf' });
      i++;
      continue;
    }
    if (c === 'π') {
      push({ k: 'id', s: 'pi' });
      i++;
      continue;
    }
    throw new AnswerParseError(`unexpected character ${JSON.stringify(c)}`);
  }
  return out;
}
