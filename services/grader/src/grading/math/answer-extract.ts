/**
 * Locating the final answer in a model response. Right to left, first hit wins:
 * the last `\boxed{}`/`\fbox{}` (adjacent boxes merged into a list), a "final answer is" sentence,
 * configured patterns, an "answer:" phrase, then (only when enabled) the last math segment.
 */
export interface ExtractionOptions {
  /** Search only this many characters at the end of the response (after the last `</think>`). */
  tailChars?: number;
  /** Extra patterns tried after the built-in phrases; group 1 is the answer. */
  patterns?: readonly RegExp[];
  /** Fall back to the last `$...$`, `\[...\]` or `\(...\)` segment (Math-Verify behaviour; off by default). */
  lastMathFallback?: boolean;
  /** Then fall back to the last number in the text (Math-Verify behaviour; off by default: lucky guesses). */
  lastNumberFallback?: boolean;
  /** Items in the gold answer when it is a list: that many labelled boxes (`x = \boxed{2}, y = \boxed{3}`) form the answer. */
  goldArity?: number;
}

export interface Extraction {
  answer: string;
  via: 'boxed' | 'final_answer' | 'pattern' | 'answer_phrase' | 'last_math' | 'last_number';
  /** Boxes merged into this answer. */
  boxes: number;
  /** Distinct box contents in the searched text (more than the merged ones hints at conflicting answers). */
  distinctBoxes?: number;
}

export const DEFAULT_TAIL_CHARS = 4000;
const MAX_ANSWER_CHARS = 1000;

/** Brace-matched content starting right after an opening `{` at `start`; null when unbalanced. */
function braceGroup(text: string, start: number): { content: string; end: number } | null {
  let depth = 1;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return { content: text.slice(start, i), end: i + 1 };
  }
  return null;
}

interface Box {
  content: string;
  start: number;
  end: number;
}

function findBoxes(text: string): Box[] {
  const boxes: Box[] = [];
  const re = /\\(?:boxed|fbox)\s*(\{|\s+(\S+))/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    if (m[1] === '{') {
      const g = braceGroup(text, m.index + m[0].length);
      if (!g) continue;
      boxes.push({ content: g.content, start: m.index, end: g.end });
      re.lastIndex = g.end;
    } else if (m[2]) {
      const content = m[2].replace(/[.,$]+$/, '');
      boxes.push({ content, start: m.index, end: m.index + m[0].length });
    }
  }
  return boxes;
}

/** Strip `$`, `\(`... so the separator text between boxes can be judged. */
function separator(text: string): string {
  return text.replace(/\\\(|\\\)|\\\[|\\\]|\$|\\quad|\\,|\\text\{([^{}]*)\}/g, '$1').trim();
}

/** Words that retract an earlier answer ("is wrong", "but no", "actually"): boxes around them are a correction. */
const CORRECTION =
  /\b(?:no|not|wrong|incorrect|mistake|actually|wait|instead|rather|oops|sorry|hmm|correct(?:ed|ion)?|should|recheck|re-?check|but|however|scratch|redo|fix(?:ed)?|error)\b/i;

/**
 * How two consecutive boxes relate: `list` when only separators lie between them (`$\boxed{2}$ and
 * $\boxed{3}$`), `labelled` when a short labelled enumeration does (`x = \boxed{2} and y = \boxed{3}`),
 * else `apart` (a self-correction or unrelated boxes: the later one wins).
 */
function gapKind(gap: string): 'list' | 'labelled' | 'apart' {
  const sep = separator(gap);
  if (CORRECTION.test(sep)) return 'apart';
  if (/^(?:[\s,;]|\band\b|\bor\b)*$/i.test(sep)) return 'list';
  if (gap.length < 10 && !/[A-Za-z=]/.test(sep)) return 'list';
  if (gap.length < 70 && /\b(?:and|or)\b|[,;]/i.test(sep)) return 'labelled';
  return 'apart';
}

/**
 * The last box; earlier boxes join it only as a list written with separators alone, or, when the gold is a
 * list of `goldArity` items, as that many boxes in a labelled enumeration. A self-correction ("$\boxed{5}$
 * is wrong, the answer is $\boxed{6}$") is never joined: the last answer wins.
 */
function lastBoxed(text: string, goldArity: number): Extraction | null {
  const boxes = findBoxes(text);
  const last = boxes.at(-1);
  if (!last) return null;
  const kinds = boxes.slice(1).map((b, i) => gapKind(text.slice(boxes[i]!.end, b.start)));
  const run = (accept: ReadonlySet<string>, max: number): string[] => {
    const parts = [last.content];
    for (let i = boxes.length - 2; i >= 0 && parts.length < max; i--) {
      if (!accept.has(kinds[i]!) || boxes[i]!.content === boxes[i + 1]!.content) break;
      parts.unshift(boxes[i]!.content);
    }
    return parts;
  };
  let parts = run(new Set(['list']), Infinity);
  if (goldArity > 1 && parts.length !== goldArity) {
    const labelled = run(new Set(['list', 'labelled']), goldArity);
    // An unbounded arity (extracting the gold itself) takes the whole enumeration.
    if (labelled.length === goldArity || (goldArity === Infinity && labelled.length > parts.length)) parts = labelled;
  }
  return { answer: parts.join(', '), via: 'boxed', boxes: parts.length };
}

const MATH_SEGMENT = /\$\$([\s\S]+?)\$\$|\\\[([\s\S]+?)\\\]|\\\(([^\n]+?)\\\)|(?<!\\)\$((?:\\\$|[^$\n])+?)(?<!\\)\$/g;

interface Segment {
  math: string;
  start: number;
  end: number;
}

function mathSegments(text: string): Segment[] {
  MATH_SEGMENT.lastIndex = 0;
  const out: Segment[] = [];
  let m: RegExpExecArray | null;
  while ((m = MATH_SEGMENT.exec(text))) out.push({ math: m[1] ?? m[2] ?? m[3] ?? m[4] ?? '', start: m.index, end: m.index + m[0].length });
  return out;
}

/** The last math segment, with earlier ones joined when only `,`, `and` or `or` separate them. */
function lastMath(text: string): { math: string; end: number } | null {
  const segs = mathSegments(text);
  const last = segs.at(-1);
  if (!last) return null;
  const parts = [last.math];
  for (let i = segs.length - 2; i >= 0; i--) {
    const gap = text.slice(segs[i]!.end, segs[i + 1]!.start).trim();
    if (!/^(?:,|;|and|or|,\s*and|,\s*or)$/i.test(gap)) break;
    parts.unshift(segs[i]!.math);
  }
  return { math: parts.join(', '), end: last.end };
}

/** The phrase's answer: its first math segment, else the text up to the end of the sentence. */
function phraseAnswer(rest: string): string | null {
  const head = rest.slice(0, 300);
  if (/^\s*(?:\$|\\\(|\\\[)/.test(head)) {
    // Leading math, and further math joined to it only by separators ("$12$ and $13$").
    const segs = mathSegments(head);
    const parts: string[] = [];
    for (let i = 0; i < segs.length; i++) {
      if (i > 0 && !/^(?:[\s"',;]|\band\b|\bor\b)*$/i.test(head.slice(segs[i - 1]!.end, segs[i]!.start))) break;
      parts.push(segs[i]!.math);
    }
    if (parts.length > 0) return parts.join(', ');
  }
  const sentence = /^\s*(.+?)(?:\.\s|\.$|\n|I hope|$)/.exec(head);
  let s = sentence?.[1]?.trim();
  // "The largest $n$ is 34": the answer follows the last "is".
  const is = s ? /^.*\sis\s+(.+)$/i.exec(s) : null;
  if (is) s = is[1]!.trim();
  const segs = s ? mathSegments(s) : [];
  if (s && segs.length === 1 && segs[0]!.start === 0 && segs[0]!.end === s.length) s = segs[0]!.math;
  else if (s && segs.length > 1) {
    // "$12$ and $13$": math segments joined only by separators form a list.
    let outside = s;
    for (const g of [...segs].reverse()) outside = outside.slice(0, g.start) + ' ' + outside.slice(g.end);
    if (/^(?:[\s"'\\,;]|\band\b|\bor\b)*$/i.test(outside)) s = segs.map((g) => g.math).join(', ');
  }
  // A prose sentence with exactly one number and no math ("Jane started 3 hours ago"): that number.
  if (s && segs.length === 0 && /[a-z]{3,}\s+[a-z]{3,}/i.test(s)) {
    const nums = [...s.matchAll(NUMBER)];
    if (nums.length === 1) s = nums[0]![0];
  }
  return s ? s : null;
}

/** End-of-thinking markers: `</think>` (R1, QwQ, Qwen3) and Sky-T1's `<|end_of_thought|>`. */
const THINK_END = ['</think>', '<|end_of_thought|>'] as const;

/** The answer part of a response: what follows the last end-of-thinking marker (the whole text if none). */
export function afterThinking(response: string): string {
  let cut = -1;
  for (const m of THINK_END) {
    const i = response.lastIndexOf(m);
    if (i >= 0) cut = Math.max(cut, i + m.length);
  }
  return cut >= 0 ? response.slice(cut) : response;
}

export function extractAnswer(response: string, options: ExtractionOptions = {}): Extraction | null {
  let text = afterThinking(response);
  const tail = options.tailChars ?? DEFAULT_TAIL_CHARS;
  if (text.length > tail) text = text.slice(text.length - tail);
  const found = findAnswer(text, options);
  if (!found || found.answer.trim() === '' || found.answer.length > MAX_ANSWER_CHARS) return null;
  const distinct = new Set(findBoxes(text).map((b) => b.content.replace(/\s+/g, ''))).size;
  return { ...found, answer: found.answer.trim(), ...(distinct > 0 ? { distinctBoxes: distinct } : {}) };
}

const NUMBER = /-?\d{1,3}(?:,\d{3})+(?:\.\d+)?%?|-?\d+(?:[.,]\d+)?(?:\s*\/\s*\d+)?%?/g;

function findAnswer(text: string, options: ExtractionOptions): Extraction | null {
  const boxes = findBoxes(text);
  const lastBoxEnd = boxes.at(-1)?.end ?? -1;
  // A closing "final answer is X" written after the last box overrides it (boxes may hold intermediate values).
  const finals = [...text.matchAll(/final answer(?:\s+is\s*:?|\s*:)\s*/gi)];
  for (let i = finals.length - 1; i >= 0; i--) {
    const f = finals[i]!;
    if (f.index < lastBoxEnd) break;
    const a = phraseAnswer(text.slice(f.index + f[0].length));
    if (a) return { answer: a, via: 'final_answer', boxes: 0 };
  }
  const boxed = lastBoxed(text, options.goldArity ?? 1);
  if (boxed) return boxed;
  for (const re of options.patterns ?? []) {
    const flags = re.flags.includes('g') ? re.flags : `${re.flags}g`;
    const all = [...text.matchAll(new RegExp(re.source, flags))];
    const hit = all.at(-1)?.[1];
    if (hit) return { answer: hit, via: 'pattern', boxes: 0 };
  }
  const phrases = [...text.matchAll(/\banswer(?:\s+is\s*:?|\s*:)\s*/gi)];
  const phrase = phrases.at(-1);
  if (phrase) {
    const a = phraseAnswer(text.slice(phrase.index + phrase[0].length));
    if (a && a.length <= 50 + 2) return { answer: a, via: 'answer_phrase', boxes: 0 };
  }
  // Fallbacks (off by default): whichever of the last math segment and the last number comes later.
  const math = options.lastMathFallback ? lastMath(text) : null;
  const num = options.lastNumberFallback ? [...text.matchAll(NUMBER)].at(-1) : undefined;
  if (num && (!math || num.index >= math.end)) return { answer: num[0], via: 'last_number', boxes: 0 };
  if (math) return { answer: math.math, via: 'last_math', boxes: 0 };
  return null;
}
