/**
 * Text as the text encoder sees it: lower-case word and punctuation tokens,
 * a vocabulary built from the training split (index 0 pads, 1 stands for any
 * word the training split never used), and one-hot sequences of a fixed
 * length.
 *
 *   oneHot(tokens) is (length, |vocabulary|) row-major f32: row i has a 1 at
 *   the i-th token's index (rows past the caption's end are <pad>).
 */
import { MisalignError } from '../common/errors.js';

export const PAD = '<pad>';
export const UNKNOWN = '<unk>';

/** Lower-case words; each punctuation mark is a token of its own. */
export function tokenize(text: string): string[] {
  return text.toLowerCase().match(/[a-z0-9]+|[^\sa-z0-9]/g) ?? [];
}

export class Vocabulary {
  private readonly index: Map<string, number>;

  private constructor(readonly tokens: readonly string[]) {
    this.index = new Map(tokens.map((t, i) => [t, i]));
  }

  /** The vocabulary of a training split's captions: <pad>, <unk>, then its tokens in sorted order. */
  static fromTexts(texts: Iterable<string>): Vocabulary {
    const seen = new Set<string>();
    for (const t of texts) for (const tok of tokenize(t)) seen.add(tok);
    seen.delete(PAD);
    seen.delete(UNKNOWN);
    return new Vocabulary([PAD, UNKNOWN, ...[...seen].sort()]);
  }

  /** A saved vocabulary (its token list, as `tokens` gives it). */
  static fromTokens(tokens: readonly string[]): Vocabulary {
    if (tokens[0] !== PAD || tokens[1] !== UNKNOWN || new Set(tokens).size !== tokens.length) {
      throw new MisalignError('FILE_CORRUPT', `a vocabulary must start with ${PAD}, ${UNKNOWN} and list each token once`);
    }
    return new Vocabulary(tokens);
  }

  get size(): number {
    return this.tokens.length;
  }

  /** Token indices of a text (unknown words → 1). */
  encode(text: string): number[] {
    return tokenize(text).map((t) => this.index.get(t) ?? 1);
  }

  /**
   * One-hot rows for `length` positions, (length, size): the text's tokens,
   * then <pad>. A text longer than `length` is an error, not silently cut.
   */
  oneHot(text: string, length: number, out = new Float32Array(length * this.size)): Float32Array {
    const ids = this.encode(text);
    if (ids.length > length) throw new MisalignError('OUT_OF_RANGE', `caption has ${ids.length} tokens, more than the sequence length ${length}: "${text}"`);
    if (out.length !== length * this.size) throw new MisalignError('SHAPE_MISMATCH', `one-hot buffer needs ${length * this.size} values, got ${out.length}`);
    out.fill(0);
    for (let i = 0; i < length; i++) out[i * this.size + (ids[i] ?? 0)] = 1;
    return out;
  }
}
