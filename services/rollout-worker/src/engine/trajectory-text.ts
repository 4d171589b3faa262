/**
 * The text of a trajectory as typed segments. The concatenation of the segment texts is exactly the
 * prompt of the next request (and, at the end, the full rendered text).
 */
import type { Segment, SegmentKind } from '@rft/contracts';

export class TrajectoryText {
  readonly segments: Segment[] = [];
  #text = '';
  #promptChars = 0;

  constructor(prompt: string) {
    this.add('prompt', prompt);
    this.#promptChars = prompt.length;
  }

  /** Everything so far: the prompt of the next request. */
  get text(): string {
    return this.#text;
  }

  /** What came after the rendered prompt. */
  get assistant(): string {
    return this.#text.slice(this.#promptChars);
  }

  get assistantChars(): number {
    return this.#text.length - this.#promptChars;
  }

  /** The last `n` characters, cheaply. */
  tail(n: number): string {
    return this.#text.slice(Math.max(this.#promptChars, this.#text.length - n));
  }

  /**
   * Takes the last `chars` characters back out of the text when they all belong to the model's own
   * plain text (the last segment is `model`, without meta), so a turn can re-file them (a stop string
   * or a code block that began before a length cut). Returns them, or null (nothing changes).
   */
  takeBack(chars: number): string | null {
    const last = this.segments[this.segments.length - 1];
    if (chars <= 0) return '';
    if (last?.kind !== 'model' || last.meta || last.text.length < chars) return null;
    const taken = last.text.slice(last.text.length - chars);
    last.text = last.text.slice(0, last.text.length - chars);
    if (last.text === '') this.segments.pop();
    this.#text = this.#text.slice(0, this.#text.length - chars);
    return taken;
  }

  add(kind: SegmentKind, text: string, meta?: Record<string, unknown>): void {
    if (text === '') return;
    this.#text += text;
    const last = this.segments[this.segments.length - 1];
    if (!meta && last && last.kind === kind && !last.meta) {
      last.text += text;
      return;
    }
    this.segments.push(meta ? { kind, text, meta } : { kind, text });
  }
}
