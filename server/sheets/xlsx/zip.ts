/**
 * The zip of an uploaded .xlsx, read only within limits (SPEC §8: "only .xlsx/.csv by content").
 *
 * A zip says how large its entries are, but only the inflating tells: a directory may understate
 * a size, one 10 MB file may inflate to gigabytes (deflate reaches about 1:1000), and a reader that
 * streams the zip (exceljs's, through unzipper) follows the local headers, not the directory. So
 * every entry of an upload is inflated once, streamed, with a hard limit on its output, before any
 * reader sees it (checkWorkbookZip): its size must be what the directory says, within the limits
 * below; no XML part may hold a DOCTYPE or an entity declaration (no workbook Excel writes has
 * one; they are how "billion laughs" and XML external entities begin); entries may not overlap or
 * hide between others. exceljs is then handed a rebuilt copy of exactly the checked entries
 * (forExceljs), and the lean reader (./workbook.ts) inflates what it reads with the same limits.
 *
 * The limits, for a real workbook within the 10 MB upload limit: a 50,000-row sheet of 6 columns
 * written by exceljs is 13 MB of XML (2 MB zipped), one of 30 columns 46 MB and one of 36 columns
 * 62 MB (8.4 and 11.8 MB zipped: 5–8× smaller than its XML; its shared strings 4 MB, 11× smaller);
 * a sheet that repeats itself compresses further, so a worksheet may inflate to MAX_SHEET_BYTES,
 * which exceljs streams. Every other part (shared strings, workbook, styles…) is held whole by
 * every reader, and so is a worksheet the lean reader reads: MAX_PART_BYTES, 50,000 distinct
 * notes of 600 characters. Together the entries inflate to at most MAX_INFLATED_BYTES and at most
 * MAX_INFLATE_RATIO times their compressed data (+1 MB for the small parts). With these limits and
 * those of ./limits the worst workbook we could build within 10 MB kept the server's RSS under
 * 300 MB (test/api/upload-hostile.test.ts).
 */
import { createInflateRaw, inflateRawSync } from 'node:zlib';
import { Pace } from '../../db/pace';
import { prefix } from '../../../shared/sheets/cells';
import { MAX_SHARED_STRINGS, tooManySharedStrings, unreadable } from '../limits';

/** A worksheet part (xl/worksheets/sheetN.xml): exceljs streams it; the lean reader holds one of up to 32 MB (./workbook.ts). */
const MAX_SHEET_BYTES = 128 * 1024 * 1024;
/** Any other part: every reader holds it whole (the shared strings, besides, hold MAX_SHARED_STRINGS). */
const MAX_PART_BYTES = 16 * 1024 * 1024;
/** All the entries of one workbook together. */
const MAX_INFLATED_BYTES = 256 * 1024 * 1024;
/** Inflated bytes per compressed byte, over the whole workbook (beyond its first megabyte). */
const MAX_INFLATE_RATIO = 100;

/** A zip entry as its central directory describes it. */
export interface ZipEntry {
  name: string;
  /** Sizes of the stored data and of the inflated entry. */
  compressed: number;
  size: number;
  /** 0 stored, 8 deflate. */
  method: number;
  /** The general purpose flags (bit 0: encrypted). */
  flags: number;
  /** Where the entry's local file header starts. */
  localOffset: number;
  crc: number;
}

const WORKSHEET = /^xl\/worksheets\/sheet\d+\.xml$/;

/** The inflated size an entry may have. */
function maxEntryBytes(name: string): number {
  return WORKSHEET.test(name) ? MAX_SHEET_BYTES : MAX_PART_BYTES;
}

const mb = (n: number) => `${Math.round(n / 1024 / 1024)} MB`;
const entryName = (name: string) => prefix(name, 100);

/** A file that is not a readable zip (truncated, damaged, or made to mislead a reader). */
function damaged(why: string): Error {
  return unreadable(`the workbook could not be read (${why}); save it again as .xlsx`);
}

/** The refusal of a workbook that inflates beyond a limit. */
function bomb(why: string): Error {
  return unreadable(`the workbook inflates to far more than its size (${why}; a zip bomb?); it was not opened`);
}

/**
 * Every entry of a zip (name, sizes, method, where its data is) and where its central directory
 * starts, from that directory (no inflating). Sizes and offsets of a zip64 entry are read from its
 * zip64 extra field. Throws (422) when the directory is missing or malformed: such a file is not
 * an xlsx.
 */
function zipDirectory(buf: Buffer): { entries: ZipEntry[]; directoryOffset: number } {
  const min = Math.max(0, buf.length - 65_557);
  let eocd = -1;
  for (let i = buf.length - 22; i >= min; i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw unreadable('the file looks like a zip archive but has no central directory');
  const count = buf.readUInt16LE(eocd + 10);
  const directoryOffset = buf.readUInt32LE(eocd + 16);
  let at = directoryOffset;
  const entries: ZipEntry[] = [];
  for (let n = 0; n < count; n++) {
    if (at + 46 > buf.length || buf.readUInt32LE(at) !== 0x02014b50) throw unreadable('the zip archive is damaged');
    const flags = buf.readUInt16LE(at + 8);
    const method = buf.readUInt16LE(at + 10);
    const crc = buf.readUInt32LE(at + 16);
    let compressed = buf.readUInt32LE(at + 20);
    let size = buf.readUInt32LE(at + 24);
    const nameLength = buf.readUInt16LE(at + 28);
    const extra = buf.readUInt16LE(at + 30);
    const comment = buf.readUInt16LE(at + 32);
    let localOffset = buf.readUInt32LE(at + 42);
    const end = at + 46 + nameLength + extra + comment;
    if (end > buf.length) throw unreadable('the zip archive is damaged');
    if (size === 0xffffffff || compressed === 0xffffffff || localOffset === 0xffffffff) {
      // The zip64 extra field (0x0001) holds, in this order, the fields that are 0xffffffff.
      for (let x = at + 46 + nameLength; x + 4 <= at + 46 + nameLength + extra;) {
        const id = buf.readUInt16LE(x);
        const length = buf.readUInt16LE(x + 2);
        if (id === 1) {
          let f = x + 4;
          const next = () => {
            if (f + 8 > x + 4 + length) throw unreadable('the zip archive is damaged');
            const v = Number(buf.readBigUInt64LE(f));
            f += 8;
            return v;
          };
          if (size === 0xffffffff) size = next();
          if (compressed === 0xffffffff) compressed = next();
          if (localOffset === 0xffffffff) localOffset = next();
          break;
        }
        x += 4 + length;
      }
    }
    entries.push({
      name: buf.toString('utf8', at + 46, at + 46 + nameLength),
      compressed,
      size,
      method,
      flags,
      localOffset,
      crc,
    });
    at = end;
  }
  return { entries, directoryOffset };
}

/** Every entry of a zip, from its central directory (see zipDirectory). */
export function zipEntries(buf: Buffer): ZipEntry[] {
  return zipDirectory(buf).entries;
}

/**
 * Refuses a workbook whose directory claims more than the limits allow (before anything is
 * inflated; the inflating then holds every entry to its claim).
 */
export function checkClaims(entries: readonly ZipEntry[]): void {
  let inflated = 0;
  let packed = 0;
  for (const e of entries) {
    if (e.size > maxEntryBytes(e.name))
      throw bomb(
        `${entryName(e.name)} would be ${mb(e.size)}, more than the ${mb(maxEntryBytes(e.name))} a part may have`,
      );
    inflated += e.size;
    packed += e.compressed;
  }
  if (inflated > MAX_INFLATED_BYTES || inflated > packed * MAX_INFLATE_RATIO + 1024 * 1024) {
    throw bomb(`${mb(inflated)} from ${mb(packed)}`);
  }
}

/** Where an entry's stored data is in the zip (after its local header), checked against the file. */
function entryData(buf: Buffer, e: ZipEntry): { start: number; end: number } {
  const at = e.localOffset;
  if (at + 30 > buf.length || buf.readUInt32LE(at) !== 0x04034b50)
    throw damaged(`the zip entry ${entryName(e.name)} has no local header`);
  const start = at + 30 + buf.readUInt16LE(at + 26) + buf.readUInt16LE(at + 28);
  if (start + e.compressed > buf.length) throw damaged(`the zip entry ${entryName(e.name)} is truncated`);
  return { start, end: start + e.compressed };
}

/** Refuses what no reader here inflates: encryption and methods other than stored and deflate. */
function checkMethod(e: ZipEntry): void {
  if (e.flags & 1)
    throw unreadable(
      `the workbook is encrypted (the zip entry ${entryName(e.name)}); remove the password in Excel and save it again`,
    );
  if (e.method !== 0 && e.method !== 8)
    throw damaged(`the zip entry ${entryName(e.name)} uses compression method ${e.method}, which Excel does not write`);
}

/**
 * An entry's bytes, inflated with a hard limit: never more than its directory says (nor more than
 * `limit`). For the parts the lean reader holds as text.
 */
export function inflateEntry(buf: Buffer, e: ZipEntry, limit = maxEntryBytes(e.name)): Buffer {
  checkMethod(e);
  if (e.size > limit)
    throw bomb(`${entryName(e.name)} would be ${mb(e.size)}, more than the ${mb(limit)} a part may have`);
  const { start, end } = entryData(buf, e);
  const data = buf.subarray(start, end);
  let bytes: Buffer;
  if (e.method === 0) bytes = data;
  else {
    try {
      bytes = inflateRawSync(data, { maxOutputLength: Math.max(e.size, 1) });
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw understated(e);
      throw damaged(`the zip entry ${entryName(e.name)} does not inflate`);
    }
  }
  if (bytes.length > e.size) throw understated(e);
  if (bytes.length !== e.size)
    throw damaged(`the zip entry ${entryName(e.name)} does not have the size its directory gives`);
  return bytes;
}

const understated = (e: ZipEntry) =>
  bomb(`${entryName(e.name)} inflates to more than the ${e.size.toLocaleString('en-US')} bytes its directory gives`);

/** What a reader may parse as XML: every entry but the images of xl/media (an SVG may have a DOCTYPE; no reader parses them). */
const isMedia = (name: string) => /^xl\/media\/[^/]+$/.test(name);

/**
 * Where in `b` (from `from`) a markup declaration begins: `<!` and a letter (DOCTYPE, ENTITY,
 * ELEMENT, ATTLIST, NOTATION; comments `<!--` and CDATA `<![CDATA[` are not), also spelled in
 * UTF-16 (`<` NUL `!` NUL letter); -1 when there is none.
 */
export function declarationAt(b: Uint8Array, from = 0): number {
  const letter = (c: number | undefined) => c !== undefined && ((c >= 65 && c <= 90) || (c >= 97 && c <= 122));
  for (let i = b.indexOf(0x21, from); i >= 0; i = b.indexOf(0x21, i + 1)) {
    if (i >= 1 && b[i - 1] === 0x3c && letter(b[i + 1])) return i - 1;
    if (i >= 2 && b[i - 1] === 0 && b[i - 2] === 0x3c && b[i + 1] === 0 && letter(b[i + 2])) return i - 2;
  }
  return -1;
}

/** The refusal of a part with a DOCTYPE or an entity declaration (in every reader). */
export function doctype(part: string): Error {
  return unreadable(
    `the workbook contains a DOCTYPE or entity declaration (in ${entryName(part)}), which Excel never writes; open the file in Excel and save it again as .xlsx`,
    `a DOCTYPE or entity declaration in ${entryName(part)}`,
  );
}

/**
 * Inflates `data` (deflate) in 64 kB pieces, handing each to `look`, and fails as soon as the
 * output passes `limit`: nothing beyond the limit is ever inflated, and no more than a piece is
 * held. Resolves the inflated size. zlib works on its own thread: the event loop stays free.
 */
function inflateStreamed(data: Buffer, limit: number, look: (piece: Buffer) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const z = createInflateRaw({ chunkSize: 64 * 1024 });
    let n = 0;
    let settled = false;
    const fail = (e: unknown) => {
      if (settled) return;
      settled = true;
      z.destroy();
      reject(e);
    };
    z.on('data', (piece: Buffer) => {
      if (settled) return;
      n += piece.length;
      if (n > limit) return fail(new RangeError('limit'));
      try {
        look(piece);
      } catch (e) {
        fail(e);
      }
    });
    z.on('error', fail);
    z.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(n);
    });
    z.end(data);
  });
}

/** A workbook's zip whose every entry was inflated within the limits. */
export interface CheckedZip {
  entries: ZipEntry[];
  /**
   * The zip exceljs reads (its streaming reader follows the local headers, its loader the
   * directory): exactly the checked entries, their data as uploaded, behind plain local headers
   * that give their sizes; the workbook, its relationships and the shared strings first, so that
   * exceljs's streaming reader parks no worksheet in a temp file (it then reads every sheet in zip
   * order, and never loses the entries after a parked one: exceljs issue #683).
   */
  forExceljs(): Buffer;
}

const checked = new WeakMap<Buffer, Promise<CheckedZip>>();

/**
 * Checks every entry of an uploaded workbook (see the top of this file); the answer is kept for
 * the buffer, so the readers and the Result-column workbook share one check. Throws a 422 in the
 * one error shape for a file that is damaged, misleading, too large inflated, or has a DOCTYPE.
 */
export function checkWorkbookZip(buf: Buffer, pace = new Pace()): Promise<CheckedZip> {
  let p = checked.get(buf);
  if (!p) {
    p = check(buf, pace);
    checked.set(buf, p);
  }
  return p;
}

/** Entries this small are inflated in one call; larger ones are streamed. */
const SMALL = 256 * 1024;

/**
 * Counts the start tags of one element (by its local name, any prefix) in XML fed in pieces;
 * a comment or CDATA section that holds such a tag counts it too (an upper bound).
 */
class StartTags {
  count = 0;
  /** 0 outside a tag, 1 just after `<`, 2 in a start tag's name. */
  private state = 0;
  /** How much of the local name matched: its length while it matches, -1 once it does not. */
  private matched = 0;

  constructor(private readonly local: string) {}

  feed(b: Uint8Array): void {
    const local = this.local;
    for (let i = 0; i < b.length; i++) {
      const c = b[i]!;
      if (this.state === 0) {
        if (c === 0x3c) this.state = 1;
        continue;
      }
      if (this.state === 1) {
        if (c === 0x2f || c === 0x21 || c === 0x3f) {
          this.state = 0; // an end tag, a comment or declaration, a processing instruction
          continue;
        }
        this.state = 2;
        this.matched = 0;
      }
      if (c === 0x3a)
        this.matched = 0; // a prefix ended
      else if (c === 0x3e || c === 0x2f || c <= 0x20) {
        if (this.matched === local.length) this.count++;
        this.state = 0;
      } else if (this.matched >= 0)
        this.matched = this.matched < local.length && c === local.charCodeAt(this.matched) ? this.matched + 1 : -1;
    }
  }
}

async function check(buf: Buffer, pace: Pace): Promise<CheckedZip> {
  const { entries, directoryOffset } = zipDirectory(buf);
  checkClaims(entries);
  // In file order: no entry's data may overlap another's or the directory, so every byte of data
  // is inflated at most once and no reader can find an entry the directory does not list.
  const inOrder = [...entries].sort((a, b) => a.localOffset - b.localOffset);
  let end = 0;
  for (const e of inOrder) {
    checkMethod(e);
    if (e.localOffset < end) throw damaged(`the zip entry ${entryName(e.name)} overlaps another`);
    const data = entryData(buf, e);
    if (data.end > directoryOffset) throw damaged(`the zip entry ${entryName(e.name)} overlaps the directory`);
    end = data.end;
    const xml = !isMedia(e.name);
    // The shared strings every reader holds: counted as they inflate (exceljs would cache them all).
    const strings = e.name === 'xl/sharedStrings.xml' ? new StartTags('si') : null;
    const bytes = buf.subarray(data.start, data.end);
    if (e.method === 0 || e.size <= SMALL) {
      const out = e.method === 0 ? bytes : inflateEntry(buf, e);
      if (out.length !== e.size)
        throw damaged(`the zip entry ${entryName(e.name)} does not have the size its directory gives`);
      if (xml && declarationAt(out) >= 0) throw doctype(e.name);
      strings?.feed(out);
    } else {
      // The last bytes of the previous piece are looked at again with the next: a declaration
      // may be split between two pieces.
      let tail = Buffer.alloc(0);
      let size: number;
      try {
        size = await inflateStreamed(bytes, e.size, (piece) => {
          if (!xml) return;
          const joined = tail.length ? Buffer.concat([tail, piece]) : piece;
          if (declarationAt(joined) >= 0) throw doctype(e.name);
          tail = Buffer.from(joined.subarray(Math.max(0, joined.length - 4)));
          if (strings) {
            strings.feed(piece);
            if (strings.count > MAX_SHARED_STRINGS) tooManySharedStrings();
          }
        });
      } catch (err) {
        if (err instanceof RangeError && err.message === 'limit') throw understated(e);
        if (
          err instanceof Error &&
          'code' in err &&
          typeof (err as { code: unknown }).code === 'string' &&
          String((err as { code: string }).code).startsWith('Z_')
        ) {
          throw damaged(`the zip entry ${entryName(e.name)} does not inflate`);
        }
        throw err;
      }
      if (size !== e.size)
        throw damaged(`the zip entry ${entryName(e.name)} does not have the size its directory gives`);
    }
    if (strings && strings.count > MAX_SHARED_STRINGS) tooManySharedStrings();
    await pace.step();
  }
  let copy: Buffer | undefined;
  return { entries, forExceljs: () => (copy ??= rebuild(buf, inOrder)) };
}

const FIRST = ['xl/workbook.xml', 'xl/_rels/workbook.xml.rels', 'xl/sharedStrings.xml'];

/** A zip of the given entries (in file order), the workbook's own parts first; see CheckedZip.forExceljs. */
function rebuild(buf: Buffer, inOrder: readonly ZipEntry[]): Buffer {
  const rank = (e: ZipEntry) => {
    const i = FIRST.indexOf(e.name);
    return i < 0 ? FIRST.length : i;
  };
  const ordered = [...inOrder].sort((a, b) => rank(a) - rank(b)); // stable: the rest keep file order
  const parts: Buffer[] = [];
  const directory: Buffer[] = [];
  let offset = 0;
  for (const e of ordered) {
    const { start, end } = entryData(buf, e);
    const name = Buffer.from(e.name, 'utf8');
    // The fields both headers share, from method to name length; the central header's sit 2 bytes later.
    const shared = (b: Buffer, at: number) => {
      b.writeUInt16LE(e.method, at);
      b.writeUInt32LE(e.crc, at + 6);
      b.writeUInt32LE(end - start, at + 10);
      b.writeUInt32LE(e.size, at + 14);
      b.writeUInt16LE(name.length, at + 18);
    };
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // names in UTF-8; no data descriptor, no encryption
    shared(local, 8);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    shared(central, 10);
    central.writeUInt32LE(offset, 42);
    parts.push(local, name, buf.subarray(start, end));
    directory.push(central, name);
    offset += 30 + name.length + (end - start);
  }
  const cd = Buffer.concat(directory);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(ordered.length, 8);
  eocd.writeUInt16LE(ordered.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, cd, eocd]);
}
