/**
 * XML scanning for the lean .xlsx reader (./workbook.ts): a pull scanner that allocates nothing
 * per tag, and entity decoding. What it does not read it reports as Unsupported, and the workbook
 * is then left to exceljs; a DOCTYPE or other declaration never reaches it (./zip.ts refuses it).
 */
import { doctype } from './zip';

const HIGH = /[\x80-\xff]/;

/**
 * A piece of a part as text. The parts are scanned as one character per byte (partText): XML's
 * markup is ASCII, so tags, attributes and text runs are found as in the decoded text, and each
 * value taken from a part is decoded from UTF-8 here (at once when it is ASCII). A part is so
 * decoded as a whole, never character by character across chunks (unlike exceljs, issue #2316).
 */
export function utf8(t: string): string {
  return HIGH.test(t) ? Buffer.from(t, 'latin1').toString('utf8') : t;
}

/** Thrown by the lean reader for what it does not read; readXlsxCells turns it into null. */
export class Unsupported extends Error {}
export function unsupported(why: string): never {
  throw new Unsupported(why);
}

export const END = 0;
export const OPEN = 1;
export const CLOSE = 2;
export const TEXT = 3;

/**
 * A pull scanner over XML text that allocates nothing per tag: each call to next() moves to the
 * next start tag, end tag or text run and leaves spans (start/end offsets) to be compared in place.
 * A self-closing tag gives OPEN then CLOSE. Names are compared without their namespace prefix.
 * Comments and processing instructions are skipped (exceljs ignores them too); CDATA is not
 * supported, and a DOCTYPE or any other declaration is refused.
 */
export class Xml {
  /** Where the scan goes on (a reader may move it past what it read itself). */
  pos = 0;
  /** The current start tag closed itself: the next token is its end tag. */
  pendingClose = false;
  /** The local name of the current tag (after any prefix). */
  nameStart = 0;
  nameEnd = 0;
  /** The attributes of the current start tag. */
  private attrsStart = 0;
  private attrsEnd = 0;
  /** The current text run. */
  textStart = 0;
  textEnd = 0;
  /** The value of the attribute found by attr(). */
  valueStart = 0;
  valueEnd = 0;
  /** The values of the current start tag's attributes `r` and `t` (start -1: absent). */
  rStart = -1;
  rEnd = -1;
  tStart = -1;
  tEnd = -1;

  constructor(readonly s: string) {}

  next(): number {
    if (this.pendingClose) {
      this.pendingClose = false;
      return CLOSE;
    }
    const s = this.s;
    for (;;) {
      const i = this.pos;
      if (i >= s.length) return END;
      if (s.charCodeAt(i) !== 60) {
        const lt = s.indexOf('<', i);
        this.textStart = i;
        this.textEnd = this.pos = lt < 0 ? s.length : lt;
        return TEXT;
      }
      const c = s.charCodeAt(i + 1);
      if (c === 47) return this.endTag(i);
      if (c === 63) {
        this.pos = this.after(s.indexOf('?>', i + 2), 2);
        continue;
      }
      if (c === 33) {
        if (!s.startsWith('<!--', i)) {
          // A DOCTYPE or another declaration is refused (partText refuses it before the scan: this
          // is the scanner's own guard); CDATA is left to exceljs.
          if (/[A-Za-z]/.test(s.charAt(i + 2))) throw doctype('a part of the workbook');
          unsupported('CDATA or a malformed declaration');
        }
        this.pos = this.after(s.indexOf('-->', i + 4), 3);
        continue;
      }
      return this.startTag(i);
    }
  }

  private after(at: number, length: number): number {
    return at < 0 ? unsupported('unterminated XML') : at + length;
  }

  private endTag(i: number): number {
    const s = this.s;
    const gt = s.indexOf('>', i + 2);
    if (gt < 0) unsupported('unterminated XML');
    let j = (this.nameStart = i + 2);
    for (; j < gt; j++) {
      const ch = s.charCodeAt(j);
      if (ch === 58) this.nameStart = j + 1;
      else if (ch <= 32) break;
    }
    this.nameEnd = j;
    this.pos = gt + 1;
    return CLOSE;
  }

  /**
   * A start tag: its name, its end (attribute by attribute, so a '>' inside a quoted value does
   * not end it), and on the way the values of the attributes `r` and `t`, which the worksheet
   * reader needs for every row and cell.
   */
  private startTag(i: number): number {
    const s = this.s;
    const n = s.length;
    let j = (this.nameStart = i + 1);
    for (; j < n; j++) {
      const ch = s.charCodeAt(j);
      if (ch === 58) this.nameStart = j + 1;
      else if (ch <= 32 || ch === 47 || ch === 62) break;
    }
    this.nameEnd = this.attrsStart = j;
    this.rStart = this.tStart = -1;
    for (;;) {
      let ch = s.charCodeAt(j);
      while (ch <= 32) ch = s.charCodeAt(++j);
      if (ch === 62 || ch === 47) break;
      const start = j;
      while (ch > 32 && ch !== 61 && ch !== 62 && ch !== 47) ch = s.charCodeAt(++j);
      const length = j - start;
      while (ch <= 32) ch = s.charCodeAt(++j);
      if (ch !== 61) unsupported('a malformed attribute or unterminated XML');
      ch = s.charCodeAt(++j);
      while (ch <= 32) ch = s.charCodeAt(++j);
      if (ch !== 34 && ch !== 39) unsupported('a malformed attribute or unterminated XML');
      const close = s.indexOf(ch === 34 ? '"' : "'", j + 1);
      if (close < 0) unsupported('unterminated XML');
      if (length === 1) {
        const name = s.charCodeAt(start);
        if (name === 114) {
          this.rStart = j + 1;
          this.rEnd = close;
        } else if (name === 116) {
          this.tStart = j + 1;
          this.tEnd = close;
        }
      }
      j = close + 1;
    }
    this.attrsEnd = j;
    this.pendingClose = s.charCodeAt(j) === 47;
    if (this.pendingClose) j++;
    if (s.charCodeAt(j) !== 62) unsupported('a malformed tag or unterminated XML');
    this.pos = j + 1;
    return OPEN;
  }

  /** Whether the current tag's local name is `name`. */
  is(name: string): boolean {
    return this.nameEnd - this.nameStart === name.length && this.s.startsWith(name, this.nameStart);
  }

  /** Finds attribute `name` (exact, prefix included) of the current start tag: valueStart/valueEnd. */
  attr(name: string): boolean {
    const s = this.s;
    const end = this.attrsEnd;
    let j = this.attrsStart;
    for (;;) {
      while (j < end && s.charCodeAt(j) <= 32) j++;
      if (j >= end) return false;
      const start = j;
      while (j < end && s.charCodeAt(j) > 32 && s.charCodeAt(j) !== 61) j++;
      const nameEnd = j;
      while (j < end && s.charCodeAt(j) <= 32) j++;
      if (s.charCodeAt(j) !== 61) unsupported('a malformed attribute');
      j++;
      while (j < end && s.charCodeAt(j) <= 32) j++;
      const q = s.charCodeAt(j);
      if (q !== 34 && q !== 39) unsupported('a malformed attribute');
      const close = s.indexOf(q === 34 ? '"' : "'", j + 1);
      if (nameEnd - start === name.length && s.startsWith(name, start)) {
        this.valueStart = j + 1;
        this.valueEnd = close;
        return true;
      }
      j = close + 1;
    }
  }

  /** The found attribute's value, decoded (entities, and whitespace normalized as XML does). */
  attrValue(): string {
    const raw = utf8(this.s.slice(this.valueStart, this.valueEnd));
    return decodeEntities(raw.replace(/\r\n?|[\n\t]/g, ' '));
  }

  /** Whether the current text run needs no decoding (no reference, no carriage return). */
  plainText(): boolean {
    const s = this.s;
    for (let i = this.textStart; i < this.textEnd; i++) {
      const ch = s.charCodeAt(i);
      if (ch === 38 || ch === 13) return false;
    }
    return true;
  }

  /** The current text run, decoded (line ends normalized and entities replaced, as saxes does). */
  text(): string {
    const t = utf8(this.s.slice(this.textStart, this.textEnd));
    if (t.indexOf('&') < 0 && t.indexOf('\r') < 0) return t;
    return decodeEntities(t.replace(/\r\n?/g, '\n'));
  }
}

const NAMED = new Map([
  ['lt', '<'],
  ['gt', '>'],
  ['amp', '&'],
  ['quot', '"'],
  ['apos', "'"],
]);
const CHAR_REF = /^#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,7}))$/;

/** XML entity and character references replaced; what saxes rejects is not supported. */
function decodeEntities(s: string): string {
  let amp = s.indexOf('&');
  if (amp < 0) return s;
  let out = '';
  let last = 0;
  while (amp >= 0) {
    const semi = s.indexOf(';', amp);
    if (semi < 0) unsupported('a bare & in XML text');
    out += s.slice(last, amp) + entity(s.slice(amp + 1, semi));
    last = semi + 1;
    amp = s.indexOf('&', last);
  }
  return out + s.slice(last);
}

/** The text of one reference (`lt`, `#123`, `#x1F`). */
function entity(ref: string): string {
  const named = NAMED.get(ref);
  if (named !== undefined) return named;
  const m = CHAR_REF.exec(ref) ?? unsupported(`the XML entity &${ref};`);
  const code = m[1] !== undefined ? parseInt(m[1], 16) : parseInt(m[2]!, 10);
  if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
    unsupported(`the character reference &${ref};`);
  return String.fromCodePoint(code);
}

/** exceljs's utils.xmlDecode, applied by exceljs a second time to t="str" and inline strings. */
export function xmlDecode(s: string): string {
  if (s.indexOf('&') < 0) return s;
  return s.replace(/&([a-z]*);/g, (m: string, name: string) => NAMED.get(name) ?? m);
}
