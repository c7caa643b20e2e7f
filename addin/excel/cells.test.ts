import { describe, expect, it } from 'vitest';
import { cellDate, dateCell, dateTimeCell } from './cells';
import { excelStores } from '../testing/simulated-excel';

describe('dates as Excel date serials (written with a date format, read back from serials)', () => {
  it('writes a date as its serial, the number Excel itself makes of that date', () => {
    for (const d of ['1900-03-01', '2024-02-29', '2026-12-08', '2199-12-31']) {
      expect(dateCell(d)).toBe(excelStores(d, 'General'));
      expect(cellDate(dateCell(d), 'Snapshot')).toEqual({ ok: true, value: d });
    }
    expect(dateCell('2026-12-08T23:59:59.000Z')).toBe(46364);
    expect(dateCell(null)).toBe('');
  });

  it('writes an instant as days plus the fraction of the day, to the minute', () => {
    expect(dateTimeCell('2026-12-08T00:00:00.000Z')).toBe(46364);
    expect(dateTimeCell('2026-12-08T12:00:00.000Z')).toBe(46364.5);
    expect(dateTimeCell('2026-12-08T18:45:30.000Z')).toBeCloseTo(46364 + (18 * 60 + 45) / 1440, 10);
    expect(dateTimeCell(undefined)).toBe('');
  });
});
