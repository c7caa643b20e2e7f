// The behaviour of the upload readers, defined by fixtures (test/support/xlsx-fixtures.ts): each
// committed workbook under test/fixtures/xlsx/ must read exactly as its .expected.json says, both
// the lean reader's cells (or why it leaves the file to exceljs) and the upload's reading.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURE_DIR, FIXTURES, readFixture } from '../support/xlsx-fixtures';

describe('the .xlsx fixtures', () => {
  it.each(Object.keys(FIXTURES))('%s reads as its .expected.json says', async (name) => {
    const file = readFileSync(join(FIXTURE_DIR, `${name}.xlsx`));
    const expected = JSON.parse(readFileSync(join(FIXTURE_DIR, `${name}.expected.json`), 'utf8'));
    expect(JSON.parse(JSON.stringify(await readFixture(file)))).toEqual(expected);
  });

  it('covers both readers: the lean one reads most fixtures, exceljs the ones it leaves', () => {
    const expected = Object.keys(FIXTURES).map((name) =>
      JSON.parse(readFileSync(join(FIXTURE_DIR, `${name}.expected.json`), 'utf8')),
    );
    const leftToExceljs = expected.filter((e) => 'unsupported' in e.lean).length;
    expect(leftToExceljs).toBeGreaterThan(0);
    expect(expected.length - leftToExceljs).toBeGreaterThan(leftToExceljs);
  });
});
