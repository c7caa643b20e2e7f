import type ExcelJS from 'exceljs';

let loading: Promise<typeof ExcelJS> | undefined;

/**
 * exceljs, loaded on first use. It adds about 28 MB to the server's resident set, and most
 * requests never need it: uploads are read by the lean reader (xlsx/workbook.ts) unless a workbook
 * needs exceljs's fallback; templates, downloads and Result columns load it when asked for.
 */
export function excel(): Promise<typeof ExcelJS> {
  return (loading ??= import('exceljs').then(
    (m) => (m as unknown as { default: typeof ExcelJS }).default ?? (m as unknown as typeof ExcelJS),
  ));
}
