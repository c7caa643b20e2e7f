/**
 * The limits of an uploaded sheet (SPEC §5 "Sheets without the add-in", §8 "Bad input") and the
 * answers that refuse a file, shared by the CSV reader, the lean .xlsx reader (./xlsx/workbook.ts) and
 * exceljs's streaming reader (streamXlsx in ./files), so that every path refuses the same file the
 * same way: in the one error shape, detail path `file`, and without echoing more than a short
 * prefix of what the file holds.
 */
import { ApiError } from '../http/errors';
import { prefix } from '../../shared/sheets/cells';

/** The upload itself (SPEC §8). */
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
/** Data rows of one upload (SPEC §8); a reader stops at MAX_UPLOAD_ROWS + 21 rows read. */
export const MAX_UPLOAD_ROWS = 50_000;

/**
 * The cells a reader may hold, counted as it holds them: each row up to its last cell with a value
 * (holes included), over the sheets it reads before it has chosen one (an unnamed first sheet is
 * held while a later "Adjustments" sheet is read). 50,000 rows × 50 columns: a real 10 MB workbook
 * of 50,000 rows has about 30–36 columns (the densest that fits in 10 MB).
 */
export const MAX_UPLOAD_CELLS = 2_000_000;

/** The columns of a sheet in Excel ("1,048,576 rows by 16,384 columns", same page as MAX_CELL_CHARS): the CSV reader's limit. */
export const MAX_COLUMNS = 16_384;

/**
 * The distinct texts (shared strings) of a workbook: every reader holds them all, and a part of
 * tiny ones (`<si><t>a1</t></si>`) is a JavaScript string each. 500,000 is 10 columns of
 * distinct text in 50,000 rows.
 */
export const MAX_SHARED_STRINGS = 500_000;

/**
 * Excel's own limit of the characters in a cell ("Total number of characters that a cell can
 * contain: 32,767 characters", Microsoft, "Excel specifications and limits",
 * https://support.microsoft.com/en-us/office/excel-specifications-and-limits-1672b34d-7043-467e-8e27-269d656771c3).
 * Counted as JavaScript counts a string's length (UTF-16 code units), as Excel's LEN does.
 */
export const MAX_CELL_CHARS = 32_767;

/**
 * A string of its own: a copy, where `s` may be a slice of a much larger text (V8 keeps the whole
 * text in memory for a slice of 13 characters or more). A reader keeps the values of a part this
 * way, not the part: exceljs's values are slices of the 16 kB pieces it parsed (a 128 MB sheet
 * with one text cell in each piece would stay in memory whole), the lean reader's of the parts it
 * scanned. A shared string is copied once, not for each cell that refers to it.
 */
export function ownString(s: string): string {
  return s.length < 13 ? s : (JSON.parse(JSON.stringify(s)) as string);
}

/** A refusal of the file as a whole: 422 in the one error shape, detail path `file`. */
export function unreadable(message: string, detail = message): ApiError {
  return new ApiError('rule_violation', message, [{ path: 'file', message: detail }]);
}

/** The answer to a sheet with more rows than one upload takes (every reader throws it). */
export function tooManyRows(): never {
  throw new ApiError(
    'payload_too_large',
    `the sheet has more than ${MAX_UPLOAD_ROWS.toLocaleString('en-US')} rows; split it into several uploads`,
  );
}

/** The answer to a sheet with more cells than one upload takes. */
export function tooManyCells(): never {
  throw new ApiError(
    'payload_too_large',
    `the sheet has more than ${MAX_UPLOAD_CELLS.toLocaleString('en-US')} cells (counting each row up to its last cell with a value, and the sheets before it that were read); delete the columns and sheets the upload does not need, or split it into several uploads`,
    [{ path: 'file', message: `more than ${MAX_UPLOAD_CELLS.toLocaleString('en-US')} cells` }],
  );
}

/** The answer to a workbook with more shared strings than one upload takes. */
export function tooManySharedStrings(): never {
  throw new ApiError(
    'payload_too_large',
    `the workbook has more than ${MAX_SHARED_STRINGS.toLocaleString('en-US')} distinct texts (shared strings); delete the sheets and columns the upload does not need, or split it into several uploads`,
    [{ path: 'file', message: `more than ${MAX_SHARED_STRINGS.toLocaleString('en-US')} shared strings` }],
  );
}

/** The column letters of a column number (1 → A, 28 → AB, 16384 → XFD). */
function columnName(col: number): string {
  let s = '';
  for (let n = col; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

/** Throws the answer to a cell longer than Excel allows, naming where it is; `sheet` null for CSV. */
export function cellTooLong(sheet: string | null, row: number, col: number, value: string): never {
  const where = `row ${row}, column ${columnName(col)}${sheet === null ? '' : ` of the sheet "${prefix(sheet, 31)}"`}`;
  const message = `${where}: the cell has ${value.length.toLocaleString('en-US')} characters, more than the ${MAX_CELL_CHARS.toLocaleString('en-US')} a cell can hold in Excel (it begins "${prefix(value, 20)}"); nothing was saved`;
  throw unreadable(message, `${where}: more than ${MAX_CELL_CHARS.toLocaleString('en-US')} characters`);
}
