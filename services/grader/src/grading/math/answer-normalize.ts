/**
 * String normalization of an extracted answer, applied to gold and prediction alike.
 * Everything here is linear-time regex work on a string already capped in length.
 */
export interface NormalizedAnswer {
  /** Normalized LaTeX ready for the parser. */
  text: string;
  /** The answer carried a percent sign or word. */
  percent: boolean;
}

const TEXT_COMMANDS = /\\(?:mathrm|mathbf|textbf|textnormal|textit|mbox|mathit|mathsf|texttt|boldsymbol|bm|hbox|textrm)\s*\{/g;
const SPACING =
  /\\\\|\\(?:(?:displaystyle|textstyle|scriptstyle|enspace|thinspace|medspace|thickspace|nobreak|allowbreak|limits|nolimits)(?![a-zA-Z])|[,;:!> ]|q?quad)/g;
/** A doubled backslash before a command name is an escaping artefact (`\\frac`), not a row break. */
const DOUBLED =
  /\\\\(?=(?:left|right|frac|dfrac|tfrac|sqrt|le|ge|leq|geq|ne|neq|pi|text|boxed|cdot|infty|in|cup|times|mathrm|pm)(?![a-zA-Z]))/g;
const SIZING = /\\(?:left|right|bigl|bigr|Bigl|Bigr|biggl|biggr|Biggl|Biggr|big|Big|bigg|Bigg|middle)(?![a-zA-Z])\s*/g;
/** Unit words dropped from the end of an answer; single letters are deliberately absent (`2a`, `5m`?). */
const UNIT_WORDS = [
  'degrees?',
  'cm',
  'mm',
  'km',
  'meters?',
  'metres?',
  'centimeters?',
  'kilometers?',
  'inches',
  'inch',
  'feet',
  'foot',
  'ft',
  'miles?',
  'yards?',
  'units?',
  'square units?',
  'sq units?',
  'dollars?',
  'cents?',
  'hours?',
  'minutes?',
  'seconds?',
  'days?',
  'weeks?',
  'years?',
  'mph',
  'kg',
  'grams?',
  'pounds?',
  'liters?',
  'litres?',
  'ml',
  'yuan',
  'people',
  'students?',
  'ways',
  'points?',
  'marbles',
  'books',
  'coins',
  'apples',
  'boxes',
  'times',
  'sq ft',
  'm²',
  'cm²',
  'm\\^2',
  'cm\\^2',
  'm\\^3',
  'cm\\^3',
  'rad',
  'radians?',
  'oz',
  'ounces?',
  'gallons?',
  'mins?',
  'hrs?',
  'secs?',
];
const UNIT_SUFFIX = new RegExp(`(?<=[\\d}).\\s])\\s*(?:${UNIT_WORDS.join('|')})(?:\\^\\{?[23]\\}?)?\\s*$`, 'i');

export function normalizeAnswer(raw: string): NormalizedAnswer {
  let s = raw;
  s = s.replace(/[\r\n\t\f]+/g, ' ').trim();
  s = s.replace(DOUBLED, '\\');
  // `12,\!345` thousands separators are unambiguous wherever they appear.
  s = s.replace(/(\d)\{?,\}?\\!\s*(?=\d{3})/g, '$1').replace(/(\d)\s*\{\s*,\s*\}\s*(?=\d{3})/g, '$1');
  // Math delimiters and boxes around the whole thing.
  s = s.replace(/\\\[|\\\]|\\\(|\\\)/g, ' ');
  s = s.replace(/\\(?:boxed|fbox)\s*\{/g, '{');
  s = s.replace(/\\\$/g, ' ').replace(/\$/g, ' ');
  s = s.replace(/[€£¥]/g, ' ');
  s = s.replace(SIZING, '');
  s = s.replace(/\\(?:dfrac|tfrac|cfrac)/g, '\\frac').replace(/\\dbinom|\\tbinom/g, '\\binom');
  s = s
    .replace(/\\neq\b/g, '\\ne')
    .replace(/\\leq\b/g, '\\le')
    .replace(/\\geq\b/g, '\\ge');
  s = s.replace(SPACING, (m) => (m === '\\\\' ? m : ' '));
  s = s.replace(TEXT_COMMANDS, '\\text{');
  // Degrees.
  s = s.replace(/\^\s*\{\s*\\circ\s*\}|\^\s*\\circ|°|\\degree/g, '');
  // Percent, as a sign or a word.
  let percent = false;
  const pct = /(?:\\?%|\\text\{\s*(?:percent|pct|percentage)\s*\}|\s*\b(?:percent|pct|percentage)\b)\s*\}*\s*$/i;
  if (pct.test(s)) {
    percent = true;
    s = s.replace(/\\?%|\\text\{\s*(?:percent|pct|percentage)\s*\}|\b(?:percent|pct|percentage)\b/gi, '');
  }
  // Trailing punctuation.
  s = s
    .trim()
    .replace(/(?:[.,;:/]|\\\\)+$/, '')
    .replace(/\\$/, '')
    .trim();
  s = s.replace(/^[:\s]+/, '');
  // Trailing \text{...} units when something remains.
  for (let i = 0; i < 3; i++) {
    const m = /^(.*\S)\s*\\text\{[^{}]*\}(?:\s*\^\s*\{?[23]\}?)?$/.exec(s);
    if (!m || !/[\d}]\s*$/.test(m[1]!)) break;
    s = m[1]!.trim();
  }
  s = s.replace(UNIT_SUFFIX, '').trim();
  // `\text{and}`, "and", "or" between list members become commas.
  s = s.replace(/\\text\{\s*(?:and|or)\s*\}/g, ',').replace(/(?<=[\s)}\d])(?:and|or)(?=[\s({\d$\\-])/g, ',');
  s = s.replace(/,\s*,/g, ',').replace(/^\s*,|,\s*$/g, '');
  // Thousands separators, only when the whole answer is one number (`(12,102)` is a pair).
  const plain = s.replace(/^\\?\$\s*|\s*\\?\$$/g, '');
  if (/^[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$/.test(plain) || /^[-+]?\d{1,3}(?: \d{3})+(?:\.\d+)?$/.test(plain))
    s = plain.replace(/[, ]/g, '');
  // A lone text group is the answer itself.
  const lone = /^\\text\{([^{}]*)\}$/.exec(s);
  if (lone) s = lone[1]!.trim();
  // Repeating decimals: 0.1\overline{6} = 1/6.
  s = s.replace(/(\d*)\.(\d*)\\overline\{(\d{1,12})\}/g, (_m, a: string, b: string, c: string) => {
    const whole = BigInt(`${a || '0'}${b}${c}`) - BigInt(`${a || '0'}${b}`);
    const den = 10n ** BigInt(b.length) * (10n ** BigInt(c.length) - 1n);
    return `\\frac{${whole}}{${den}}`;
  });
  // Shorthand fractions and roots.
  s = s
    .replace(/\\frac\s*(\d)\s*(\d)/g, '\\frac{$1}{$2}')
    .replace(/\\frac\s*(\d)\s*\{/g, '\\frac{$1}{')
    .replace(/\\frac\s*\{([^{}]*)\}\s*(\d)/g, '\\frac{$1}{$2}');
  s = s.replace(/\\sqrt\s*(\d+|[a-zA-Z])/g, '\\sqrt{$1}');
  // infinity, empty set, leading "x \in".
  s = s.replace(/\binfinity\b|\binf\b/g, '\\infty').replace(/\\emptyset|\\varnothing/g, '\\{\\}');
  s = s.replace(/^[a-zA-Z]\s*\\in\s*/, '');
  s = s.replace(/\s+/g, ' ').trim();
  return { text: s, percent };
}

/** Multiple-choice letter: `(C)`, `\text{(C)}`, `C` -> `c`; null when the answer is not a bare choice. */
export function choiceLetter(text: string): string | null {
  const m = /^\(?\s*([A-Ea-e])\s*\)?$/.exec(text.replace(/\\text\{([^{}]*)\}/g, '$1').trim());
  return m ? m[1]!.toLowerCase() : null;
}

/** The letter of a labelled option, `(C) 12`, `\text{(C)} 12`, `C) 12`, `C. 12`; null otherwise. */
export function labelledChoice(text: string): string | null {
  const m = /^\(\s*([A-Ea-e])\s*\)|^([A-E])\s*[.):](?=\s|$)/.exec(text.replace(/\\text\{([^{}]*)\}/g, '$1').trim());
  return m ? (m[1] ?? m[2])!.toLowerCase() : null;
}

/** A purely verbal answer (`odd`, `Evelyn`, `The midpoints form a regular hexagon`). */
export function plainText(text: string): string | null {
  const stripped = text.replace(/\\text\{([^{}]*)\}/g, '$1').trim();
  if (!/^[A-Za-z][A-Za-z\s'-]*$/.test(stripped)) return null;
  const words = stripped.split(/\s+/);
  if (words.length === 1 && stripped.length < 3) return null;
  return stripped.toLowerCase().replace(/\s+/g, ' ');
}
