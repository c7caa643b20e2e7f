import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CalendarOverflowError,
  DateParseError,
  EARLIEST_DATE,
  LATEST_DATE,
  dateProblem,
  addDays,
  addMonths,
  addYears,
  compareDates,
  daysBetween,
  daysInMonth,
  endOfMonth,
  fromDayNumber,
  isLeapYear,
  isValidDate,
  maxDate,
  minDate,
  parseDate,
  startOfMonth,
  toDayNumber,
  todayUtc,
} from './dates';

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** Valid dates of years 1900–2200, built from parts so the generator never depends on the code under test. */
const date = fc
  .record({
    year: fc.integer({ min: 1900, max: 2200 }),
    month: fc.integer({ min: 1, max: 12 }),
    day: fc.integer({ min: 1, max: 31 }),
  })
  .map(({ year, month, day }) => {
    const last = new Date(Date.UTC(year, month, 0)).getUTCDate(); // reference month length from the UTC calendar
    return `${pad(year, 4)}-${pad(month, 2)}-${pad(Math.min(day, last), 2)}`;
  });

describe('isValidDate and parseDate', () => {
  it.each(['2025-01-31', '2024-02-29', '2000-02-29', '1970-01-01', '1900-01-01', '2199-12-31', '2025-12-31'])(
    'accepts %j',
    (s) => {
      expect(isValidDate(s)).toBe(true);
      expect(parseDate(s)).toBe(s);
    },
  );

  it.each([
    '2025-2-3',
    '2025-02-3',
    '25-02-03',
    '2025/02/03',
    ' 2025-02-03',
    '2025-02-03 ',
    '2025-02-03T00:00:00Z',
    '',
    'abc',
    '+2025-02-03',
    '12025-01-01',
  ])('rejects the malformed %j', (s) => {
    expect(isValidDate(s)).toBe(false);
    expect(() => parseDate(s)).toThrow(new DateParseError('must be a date in the form YYYY-MM-DD, e.g. "2025-01-31"'));
  });

  it.each([
    '2025-02-30',
    '2025-13-01',
    '2025-00-10',
    '2025-01-00',
    '2025-04-31',
    '2023-02-29',
    '1900-02-29',
    '2025-01-32',
  ])('rejects the non-existent %j', (s) => {
    expect(isValidDate(s)).toBe(false);
    expect(() => parseDate(s)).toThrow(new DateParseError(`must be an existing calendar date; "${s}" does not exist`));
  });

  it.each(['0000-01-01', '0001-01-01', '1899-12-31', '2200-01-01', '9999-12-31', '2200-02-30'])(
    'rejects %j: outside 1900-01-01 … 2199-12-31',
    (s) => {
      expect(isValidDate(s)).toBe(false);
      expect(dateProblem(s)).toBe('must be between 1900-01-01 and 2199-12-31');
      expect(() => parseDate(s)).toThrow(new DateParseError('must be between 1900-01-01 and 2199-12-31'));
    },
  );

  it('names the range in its constants, and accepts both ends', () => {
    expect([EARLIEST_DATE, LATEST_DATE]).toEqual(['1900-01-01', '2199-12-31']);
    expect(dateProblem(EARLIEST_DATE)).toBeNull();
    expect(dateProblem(LATEST_DATE)).toBeNull();
  });

  it('rejects non-strings', () => {
    for (const value of [null, undefined, 20250101, new Date(0), {}]) {
      expect(isValidDate(value)).toBe(false);
      expect(() => parseDate(value)).toThrow(DateParseError);
    }
  });

  it('makes other functions throw DateParseError on invalid input', () => {
    expect(() => toDayNumber('2025-02-30')).toThrow(DateParseError);
    expect(() => addMonths('nope', 1)).toThrow(DateParseError);
    expect(() => compareDates('2025-01-01', '2025-1-1')).toThrow(DateParseError);
    expect(() => minDate('x')).toThrow(DateParseError);
  });
});

describe('calendar helpers', () => {
  it('isLeapYear and daysInMonth', () => {
    expect([2024, 2000, 1600].map(isLeapYear)).toEqual([true, true, true]);
    expect([2025, 1900, 2100].map(isLeapYear)).toEqual([false, false, false]);
    expect(daysInMonth(2024, 2)).toBe(29);
    expect(daysInMonth(2025, 2)).toBe(28);
    expect(daysInMonth(2025, 4)).toBe(30);
    expect(daysInMonth(2025, 12)).toBe(31);
  });

  it('day numbers', () => {
    expect(toDayNumber('1970-01-01')).toBe(0);
    expect(toDayNumber('1970-01-02')).toBe(1);
    expect(toDayNumber('1969-12-31')).toBe(-1);
    expect(toDayNumber('2000-03-01')).toBe(11017);
    expect(fromDayNumber(0)).toBe('1970-01-01');
    expect(fromDayNumber(-1)).toBe('1969-12-31');
    expect(fromDayNumber(toDayNumber('0001-01-01'))).toBe('0001-01-01');
    expect(fromDayNumber(toDayNumber('9999-12-31'))).toBe('9999-12-31');
    expect(() => fromDayNumber(toDayNumber('9999-12-31') + 1)).toThrow(CalendarOverflowError);
    expect(() => fromDayNumber(toDayNumber('0001-01-01') - 1)).toThrow(CalendarOverflowError);
    expect(() => fromDayNumber(1.5)).toThrow(RangeError);
    expect(() => fromDayNumber(NaN)).toThrow(RangeError);
  });

  it('addDays, daysBetween, compare, min and max', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2024-02-28', 2)).toBe('2024-03-01');
    expect(addDays('2025-01-01', -1)).toBe('2024-12-31');
    expect(() => addDays('2025-01-01', 0.5)).toThrow(RangeError);
    expect(daysBetween('2025-01-31', '2025-03-01')).toBe(29);
    expect(daysBetween('2025-03-01', '2025-01-31')).toBe(-29);
    expect(daysBetween('2024-01-01', '2025-01-01')).toBe(366);
    expect(compareDates('2025-01-02', '2024-12-31')).toBe(1);
    expect(compareDates('2024-12-31', '2025-01-02')).toBe(-1);
    expect(compareDates('2025-01-02', '2025-01-02')).toBe(0);
    expect(['2025-03-01', '2024-12-31', '2025-01-15'].sort(compareDates)).toEqual([
      '2024-12-31',
      '2025-01-15',
      '2025-03-01',
    ]);
    expect(minDate('2025-03-01')).toBe('2025-03-01');
    expect(minDate('2025-03-01', '2024-12-31', '2025-01-15')).toBe('2024-12-31');
    expect(maxDate('2025-03-01', '2024-12-31', '2025-01-15')).toBe('2025-03-01');
  });

  it('addMonths clamps to the end of month', () => {
    expect(addMonths('2025-01-31', 1)).toBe('2025-02-28');
    expect(addMonths('2024-01-31', 1)).toBe('2024-02-29');
    expect(addMonths('2025-03-31', 1)).toBe('2025-04-30');
    expect(addMonths('2025-03-31', -1)).toBe('2025-02-28');
    expect(addMonths('2025-01-15', 12)).toBe('2026-01-15');
    expect(addMonths('2025-01-15', -13)).toBe('2023-12-15');
    expect(addMonths('2025-11-30', 3)).toBe('2026-02-28');
    expect(addMonths('2025-05-10', 0)).toBe('2025-05-10');
    expect(() => addMonths('9999-12-01', 1)).toThrow(CalendarOverflowError);
    expect(() => addDays('0001-01-01', -1)).toThrow(CalendarOverflowError);
    expect(() => addYears('2199-12-31', 8000)).toThrow(CalendarOverflowError);
    // A CalendarOverflowError is a RangeError, as before.
    expect(new CalendarOverflowError('x')).toBeInstanceOf(RangeError);
    expect(() => addMonths('2025-01-01', 1.5)).toThrow(RangeError);
  });

  it('addYears clamps 29 February', () => {
    expect(addYears('2024-02-29', 1)).toBe('2025-02-28');
    expect(addYears('2024-02-29', 4)).toBe('2028-02-29');
    expect(addYears('2025-06-15', -25)).toBe('2000-06-15');
  });

  it('startOfMonth and endOfMonth', () => {
    expect(startOfMonth('2025-02-14')).toBe('2025-02-01');
    expect(endOfMonth('2025-02-14')).toBe('2025-02-28');
    expect(endOfMonth('2024-02-14')).toBe('2024-02-29');
    expect(endOfMonth('2025-12-01')).toBe('2025-12-31');
    expect(endOfMonth('2025-04-30')).toBe('2025-04-30');
  });

  it('todayUtc takes the UTC calendar date', () => {
    expect(todayUtc(new Date('2025-01-01T23:30:00-05:00'))).toBe('2025-01-02');
    expect(todayUtc(new Date('2025-01-02T00:30:00+14:00'))).toBe('2025-01-01');
    expect(todayUtc(new Date(Date.UTC(2024, 1, 29, 23, 59, 59, 999)))).toBe('2024-02-29');
    expect(isValidDate(todayUtc())).toBe(true);
    expect(() => todayUtc(new Date(NaN))).toThrow(RangeError);
  });
});

describe('properties (years 1900–2200)', () => {
  it('fromDayNumber∘toDayNumber is the identity and matches Date.UTC', () => {
    fc.assert(
      fc.property(date, (d) => {
        expect(fromDayNumber(toDayNumber(d))).toBe(d);
        const [y, m, day] = d.split('-').map(Number) as [number, number, number];
        expect(toDayNumber(d)).toBe(Date.UTC(y, m - 1, day) / 86_400_000);
      }),
    );
  });

  it('an accepted date moved by up to 200 years stays in the calendar (no CalendarOverflowError)', () => {
    const accepted = fc.integer({ min: toDayNumber(EARLIEST_DATE), max: toDayNumber(LATEST_DATE) }).map(fromDayNumber);
    fc.assert(
      fc.property(
        accepted,
        fc.integer({ min: -73_050, max: 73_050 }),
        fc.integer({ min: -2400, max: 2400 }),
        (d, days, months) => {
          expect(isValidDate(d)).toBe(true);
          expect(daysBetween(d, addDays(d, days))).toBe(days);
          expect(typeof addMonths(d, months)).toBe('string');
        },
      ),
    );
  });

  it('addDays(d, n) is n days after d', () => {
    fc.assert(
      fc.property(date, fc.integer({ min: -100_000, max: 100_000 }), (d, n) => {
        const later = addDays(d, n);
        expect(daysBetween(d, later)).toBe(n);
        expect(compareDates(later, d)).toBe(Math.sign(n) || 0);
      }),
    );
  });

  it('addMonths lands in the right month and clamps the day', () => {
    fc.assert(
      fc.property(date, fc.integer({ min: -1200, max: 1200 }), (d, n) => {
        const [y, m, day] = d.split('-').map(Number) as [number, number, number];
        const target = new Date(Date.UTC(y, m - 1 + n, 1)); // reference month arithmetic
        const ty = target.getUTCFullYear();
        const tm = target.getUTCMonth() + 1;
        expect(addMonths(d, n)).toBe(`${pad(ty, 4)}-${pad(tm, 2)}-${pad(Math.min(day, daysInMonth(ty, tm)), 2)}`);
        if (day <= 28) expect(addMonths(addMonths(d, n), -n)).toBe(d);
      }),
    );
  });
});

describe('time zone independence', () => {
  const original = process.env.TZ;
  afterEach(() => {
    if (original === undefined) delete process.env.TZ;
    else process.env.TZ = original;
  });

  /** A fixed battery of computations whose results must not change with the host zone. */
  const run = () => {
    const instants = [Date.UTC(2025, 0, 1, 0, 30), Date.UTC(2024, 11, 31, 23, 30), Date.UTC(2024, 1, 29, 12)];
    return {
      today: instants.map((t) => todayUtc(new Date(t))),
      days: ['1900-03-01', '1970-01-01', '2024-02-29', '2200-12-31'].map(toDayNumber),
      dates: [-25_567, 0, 19_782, 84_000].map(fromDayNumber),
      months: [addMonths('2025-01-31', 1), addMonths('2024-01-31', 1), addYears('2024-02-29', 1)],
      ends: [endOfMonth('2024-02-10'), startOfMonth('2025-03-31'), addDays('2025-03-30', 2)],
    };
  };

  it('gives the same results in Pacific/Kiritimati (UTC+14) and America/Anchorage (UTC−9/−8)', () => {
    process.env.TZ = 'UTC';
    const baseline = run();
    for (const zone of ['Pacific/Kiritimati', 'America/Anchorage']) {
      process.env.TZ = zone;
      expect(run()).toEqual(baseline);
    }
    expect(baseline.today).toEqual(['2025-01-01', '2024-12-31', '2024-02-29']);
  });

  it('the zones really differ from UTC locally (so the test above is meaningful)', () => {
    const instant = new Date(Date.UTC(2025, 0, 1, 0, 30));
    process.env.TZ = 'America/Anchorage';
    expect(instant.getDate()).toBe(31);
    process.env.TZ = 'Pacific/Kiritimati';
    expect(instant.getHours()).toBe(14);
  });
});
