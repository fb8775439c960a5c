import { MISSING, type Column, type TextBytes } from '../batch.js';
import { latin1, utf8 } from './csv-tokenizer.js';

/** V8 copies substrings shorter than this; longer ones would keep the parent string alive. */
const SLICED_STRING_MIN = 13;
/** Bytes per window string that short values are cut from: small enough for V8's young generation. */
const STR_WINDOW = 32 * 1024;

/**
 * A CSV column of one batch: the fields as byte ranges (TextBytes) for metrics that read
 * bytes, and as strings (`values`, null for missing) decoded on first use for the rest.
 */
export class TextColumn implements Column, TextBytes {
  readonly type = 'text' as const;
  private decoded: Array<string | null> | undefined;

  constructor(
    readonly buf: Buffer,
    readonly at: Int32Array,
    readonly special: readonly string[],
    readonly oneByte: boolean,
    readonly rows: number,
  ) {}

  get bytes(): TextBytes {
    return this;
  }

  get values(): Array<string | null> {
    return (this.decoded ??= this.decode());
  }

  text(i: number): string {
    const s = this.at[2 * i];
    if (s <= -2) return this.special[-2 - s];
    const e = this.at[2 * i + 1];
    return this.oneByte ? latin1(this.buf, s, e) : utf8(this.buf, s, e);
  }

  private decode(): Array<string | null> {
    const { buf, at, rows } = this;
    const out = new Array<string | null>(rows);
    let str = '';
    let strBase = 0;
    let strEnd = -1;
    for (let i = 0; i < rows; i++) {
      const s = at[2 * i];
      if (s === MISSING) {
        out[i] = null;
        continue;
      }
      const e = at[2 * i + 1];
      if (this.oneByte && s >= 0 && e - s < SLICED_STRING_MIN && s >= strBase) {
        // A short value: cut from a window string over the input (V8 copies it).
        if (e > strEnd) {
          strBase = s;
          strEnd = Math.min(buf.length, s + STR_WINDOW);
          str = latin1(buf, s, strEnd);
        }
        out[i] = str.substring(s - strBase, e - strBase);
      } else {
        out[i] = this.text(i);
      }
    }
    return out;
  }
}
