import { describe, expect, it } from 'vitest';
import { escapeFormula, matchHeaders, parseAmountCell, parseDateCell, textCell } from './cells';

describe('sheet headers', () => {
  it('match by name ignoring case, spaces and punctuation, with the SPEC aliases; the rest is ignored', () => {
    const { columns, ignored } = matchHeaders([
      'Account',
      ' new LIMIT ',
      'Expiration',
      'From',
      'To',
      'Credit group',
      'Type',
      'Notes',
      'Result',
      '',
    ]);
    expect(Object.fromEntries(columns)).toEqual({
      customerId: 0,
      newCreditLimit: 1,
      newExpirationDate: 2,
      newFromDate: 3,
      newToDate: 4,
      creditGroupId: 5,
      type: 6,
    });
    expect(ignored).toEqual(['Notes', 'Result']);
    expect(Object.fromEntries(matchHeaders(['customer_id', 'New-Credit-Limit', 'Expiry']).columns)).toEqual({
      customerId: 0,
      newCreditLimit: 1,
      newExpirationDate: 2,
    });
    // The optional Currency column of issue 20, under its common names.
    for (const h of ['Currency', 'currency code', 'Limit currency'])
      expect(matchHeaders(['Customer', 'New limit', h]).columns.get('currency')).toBe(2);
    // The first of two columns for one field wins.
    expect(matchHeaders(['Customer', 'Account']).columns.get('customerId')).toBe(0);
  });
});

describe('amount cells', () => {
  it('take numbers as they are and text with either decimal mark', () => {
    expect(parseAmountCell(12500.5, false)).toEqual({ ok: true, value: 1250050n });
    expect(parseAmountCell('12,500.50', false)).toEqual({ ok: true, value: 1250050n });
    expect(parseAmountCell('12 500,50', true)).toEqual({ ok: true, value: 1250050n });
    expect(parseAmountCell('12.500,50', true)).toEqual({ ok: true, value: 1250050n });
    expect(parseAmountCell('12\u00a0500,5', true)).toEqual({ ok: true, value: 1250050n });
    expect(parseAmountCell("1'000", false)).toEqual({ ok: true, value: 100000n });
    expect(parseAmountCell('-5', false)).toEqual({ ok: true, value: -500n });
  });

  it('refuse what is not an amount, more than 2 decimals, or nothing', () => {
    expect(parseAmountCell('lots', false).ok).toBe(false);
    expect(parseAmountCell(1.005, false).ok).toBe(false);
    expect(parseAmountCell('1,005', true).ok).toBe(false);
    expect(parseAmountCell('', false)).toEqual({ ok: false, message: 'is empty' });
    expect(parseAmountCell(null, false).ok).toBe(false);
    expect(parseAmountCell(true, false).ok).toBe(false);
    expect(parseAmountCell(Number.NaN, false).ok).toBe(false);
  });
});

describe('date cells', () => {
  it('read xlsx dates, Excel serials (with the 1900 system), ISO and day-first text', () => {
    expect(parseDateCell(new Date(Date.UTC(2027, 11, 31)))).toEqual({ ok: true, value: '2027-12-31' });
    expect(parseDateCell(45838)).toEqual({ ok: true, value: '2025-06-30' });
    expect(parseDateCell(61)).toEqual({ ok: true, value: '1900-03-01' });
    expect(parseDateCell(45838.75)).toEqual({ ok: true, value: '2025-06-30' });
    expect(parseDateCell('45838')).toEqual({ ok: true, value: '2025-06-30' });
    expect(parseDateCell('2025-06-30')).toEqual({ ok: true, value: '2025-06-30' });
    expect(parseDateCell('30.06.2025')).toEqual({ ok: true, value: '2025-06-30' });
    expect(parseDateCell('1/2/2028')).toEqual({ ok: true, value: '2028-02-01' });
    expect(parseDateCell('30-06-2025')).toEqual({ ok: true, value: '2025-06-30' });
  });

  it('refuse impossible dates and other text', () => {
    expect(parseDateCell('2027-02-30').ok).toBe(false);
    expect(parseDateCell('31.02.2027').ok).toBe(false);
    expect(parseDateCell('06/30/2025').ok).toBe(false); // month first is not read as day first
    expect(parseDateCell('next week').ok).toBe(false);
    expect(parseDateCell(12).ok).toBe(false);
    expect(parseDateCell(true).ok).toBe(false);
  });

  it('say why a date outside 1900-01-01 … 2199-12-31 is refused, not that it is no calendar date', () => {
    const outside = 'is outside the accepted dates (1900-01-01 to 2199-12-31)';
    expect(parseDateCell('9999-12-31')).toEqual({ ok: false, message: `"9999-12-31" ${outside}` });
    expect(parseDateCell('31.12.2200')).toEqual({ ok: false, message: `"31.12.2200" ${outside}` });
    expect(parseDateCell(109_575)).toEqual({ ok: false, message: `109575 is the date 2200-01-01, ${outside}` });
    expect(parseDateCell(109_574)).toEqual({ ok: true, value: '2199-12-31' });
    expect(parseDateCell('2027-02-30')).toEqual({ ok: false, message: '"2027-02-30" is not a calendar date' });
    expect(parseDateCell('31.02.2027')).toEqual({
      ok: false,
      message: '"31.02.2027" is not a calendar date (day first: 30.06.2025)',
    });
  });
});

describe('text cells and exports', () => {
  it('reads ids from text or numbers', () => {
    expect(textCell(1001)).toBe('1001');
    expect(textCell('  C1 ')).toBe('C1');
    expect(textCell('')).toBeNull();
    expect(textCell(null)).toBeNull();
  });

  it('escapes text a spreadsheet would run as a formula', () => {
    expect(escapeFormula('=1+1')).toBe("'=1+1");
    expect(escapeFormula('+31 20 123')).toBe("'+31 20 123");
    expect(escapeFormula('-2')).toBe("'-2");
    expect(escapeFormula('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(escapeFormula('Contoso = best')).toBe('Contoso = best');
  });
});
