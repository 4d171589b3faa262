import { AnswerParseError, type Token } from './latex-tokens.ts';

const MAX_DEPTH = 120;

/** Position over a token list with the small lookahead helpers the answer parser needs. */
export class TokenCursor {
  protected pos = 0;
  protected depth = 0;
  protected readonly toks: Token[];
  constructor(toks: Token[]) {
    this.toks = toks;
  }

  done(): boolean {
    return this.pos >= this.toks.length;
  }
  describe(): string {
    const t = this.toks[this.pos];
    return t ? `${t.k} ${JSON.stringify(t.s)}` : 'end of answer';
  }
  protected peek(offset = 0): Token | undefined {
    return this.toks[this.pos + offset];
  }
  protected isOp(s: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t !== undefined && t.k === 'op' && t.s === s;
  }
  protected expectOp(s: string): void {
    if (!this.isOp(s)) throw new AnswerParseError(`expected ${JSON.stringify(s)}, found ${this.describe()}`);
    this.pos++;
  }
  /** Guards recursion: deeply nested input is rejected, not followed. */
  protected enter(): void {
    if (++this.depth > MAX_DEPTH) throw new AnswerParseError('answer nested too deeply');
  }
}
