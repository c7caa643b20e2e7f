// Zips written by hand, byte by byte, for tests of the upload readers: entries stored or deflated,
// sizes that lie, entries the directory does not list or lists twice, damaged data (node:zlib only;
// APPNOTE.TXT 4.3: local headers and data, then the central directory and its end record).
import { deflateRawSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
export function crc32(b: Buffer): number {
  let c = 0xffffffff;
  for (const x of b) c = CRC_TABLE[(c ^ x) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export interface Entry {
  name: string;
  /** The entry's text (UTF-8), or its bytes. */
  text?: string;
  bytes?: Buffer;
  /** Ready deflate data and the size it inflates to (bombs, built block by block). */
  deflated?: { data: Buffer; size: number };
  /** 8 deflate (the default), 0 stored, or any other number written as is. */
  method?: number;
  /** The inflated size the headers give (default: the true one). */
  claim?: number;
  /** Only a local header and data: the central directory does not list it. */
  hidden?: boolean;
  /** Listed a second time in the directory, at the same local header. */
  twice?: boolean;
  /** Changes the compressed bytes before they are written (to damage them). */
  damage?: (data: Buffer) => Buffer;
}

/** A zip: local headers and data in the given order, then the central directory and its end. */
export function zip(files: Entry[]): Buffer {
  const parts: Buffer[] = [];
  const directory: Buffer[] = [];
  let offset = 0;
  let listed = 0;
  for (const f of files) {
    const method = f.method ?? 8;
    let data: Buffer;
    let size: number;
    let crc = 0;
    if (f.deflated) {
      ({ data, size } = f.deflated);
    } else {
      const raw = f.bytes ?? Buffer.from(f.text ?? '', 'utf8');
      data = method === 8 ? deflateRawSync(raw) : raw;
      if (f.damage) data = f.damage(data);
      size = raw.length;
      crc = crc32(raw);
    }
    const name = Buffer.from(f.name, 'utf8');
    // The fields both headers share, from method to name length; the central header's sit 2 bytes later.
    const shared = (b: Buffer, at: number) => {
      b.writeUInt16LE(method, at);
      b.writeUInt32LE(crc, at + 6);
      b.writeUInt32LE(data.length, at + 10);
      b.writeUInt32LE(f.claim ?? size, at + 14);
      b.writeUInt16LE(name.length, at + 18);
    };
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    shared(local, 8);
    parts.push(local, name, data);
    for (let n = f.hidden ? 0 : f.twice ? 2 : 1; n > 0; n--) {
      const central = Buffer.alloc(46);
      central.writeUInt32LE(0x02014b50, 0);
      central.writeUInt16LE(20, 4);
      central.writeUInt16LE(20, 6);
      shared(central, 10);
      central.writeUInt32LE(offset, 42);
      directory.push(central, name);
      listed++;
    }
    offset += 30 + name.length + data.length;
  }
  const cd = Buffer.concat(directory);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(listed, 8);
  end.writeUInt16LE(listed, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, cd, end]);
}

// ---------------------------------------------------------------------------------------------
// Workbooks written by hand

const MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

export interface HandOptions {
  /** The <si> items of xl/sharedStrings.xml (no shared-strings part when absent). */
  sst?: string;
  /** A namespace prefix for the SpreadsheetML elements, as the OpenXML SDK writes them ("x"). */
  prefix?: string;
  /** Relationship targets as absolute paths (/xl/worksheets/…). */
  absolute?: boolean;
  /** How each entry is stored or damaged, by name. */
  entry?: Record<string, Partial<Entry>>;
  /** The workbook's sheet order, as indexes into the sheets (default: as given). */
  workbookOrder?: number[];
}

/**
 * An .xlsx from worksheet XML (the content of <sheetData>), laid out as Excel lays it out:
 * workbook, relationships, worksheets, shared strings, then document properties (a last entry
 * after the parts that matter, as in Excel's files: exceljs may lose the last entry's content).
 */
export function handXlsx(sheets: { name: string; rows: string }[], o: HandOptions = {}): Buffer {
  const p = o.prefix ? `${o.prefix}:` : '';
  const ns = o.prefix ? `xmlns:${o.prefix}="${MAIN}"` : `xmlns="${MAIN}"`;
  const order = o.workbookOrder ?? sheets.map((_, i) => i);
  const workbook = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<${p}workbook ${ns} xmlns:r="${REL}"><${p}sheets>${order
    .map((i) => `<${p}sheet name="${sheets[i]!.name}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`)
    .join('')}</${p}sheets></${p}workbook>`;
  const rels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${sheets
    .map(
      (_, i) =>
        `<Relationship Id="rId${i + 1}" Type="${REL}/worksheet" Target="${o.absolute ? '/xl/' : ''}worksheets/sheet${i + 1}.xml"/>`,
    )
    .join('')}</Relationships>`;
  const files: Entry[] = [
    {
      name: '[Content_Types].xml',
      text: '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
    },
    { name: 'xl/workbook.xml', text: workbook },
    { name: 'xl/_rels/workbook.xml.rels', text: rels },
    ...sheets.map((s, i) => ({
      name: `xl/worksheets/sheet${i + 1}.xml`,
      text: `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<${p}worksheet ${ns} xmlns:r="${REL}"><${p}sheetData>${s.rows}</${p}sheetData></${p}worksheet>`,
    })),
  ];
  if (o.sst !== undefined)
    files.push({
      name: 'xl/sharedStrings.xml',
      text: `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<${p}sst ${ns}>${o.sst}</${p}sst>`,
    });
  files.push({
    name: 'docProps/app.xml',
    text: '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"/>',
  });
  return zip(files.map((f) => ({ ...f, ...o.entry?.[f.name] })));
}
