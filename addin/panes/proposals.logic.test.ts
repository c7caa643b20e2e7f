import { describe, expect, it } from 'vitest';
import { lineErrors, lineOf, parseProposal } from './proposals.logic';
import { excelTyped } from '../testing/simulated-excel';

describe('proposal rows (bad input is marked before anything is sent)', () => {
  it('reads a new limit, a % change, an expiry, a temporary window', () => {
    expect(parseProposal({ Customer: 'C1', 'New limit': 90000, Expiry: '2027-12-31' }, 0)).toMatchObject({
      customerId: 'C1',
      type: 'creditLimit',
      newLimit: 9_000_000n,
      expiry: '2027-12-31',
      errors: [],
    });
    expect(parseProposal({ Customer: 'C1', '% change': '7.5%' }, 0)).toMatchObject({
      pctChange: 75_000n,
      newLimit: null,
      errors: [],
    });
    expect(
      parseProposal(
        { Customer: 'C1', 'New limit': '1,500.50', 'Temporary from': '2026-12-01', 'Temporary to': 46387 },
        0,
      ),
    ).toMatchObject({
      type: 'temporary',
      newLimit: 150_050n,
      fromDate: '2026-12-01',
      toDate: '2026-12-31',
      errors: [],
    });
    expect(parseProposal({ Customer: '', 'New limit': '' }, 3)).toBeNull();
  });

  it('marks non-numeric and negative limits, dates typed as text, both or neither of limit and %', () => {
    expect(parseProposal({ Customer: 'C1', 'New limit': 'abc' }, 0)!.errors).toEqual([
      'New limit "abc" is not an amount',
    ]);
    expect(parseProposal({ Customer: 'C1', 'New limit': -5 }, 0)!.errors).toEqual(['New limit must not be negative']);
    expect(parseProposal({ Customer: 'C1', 'New limit': 10.555 }, 0)!.errors).toEqual([
      'New limit has more than 2 decimals',
    ]);
    expect(parseProposal({ Customer: 'C1', 'New limit': 1, Expiry: '31/12/2027' }, 0)!.errors).toEqual([
      'Expiry "31/12/2027" is not a date (use YYYY-MM-DD)',
    ]);
    expect(parseProposal({ Customer: 'C1', 'New limit': 1, '% change': 5 }, 0)!.errors).toEqual([
      'give a new limit or a % change, not both',
    ]);
    expect(parseProposal({ Customer: 'C1', Expiry: '2027-01-01' }, 0)!.errors).toEqual([
      'New limit or % change is needed',
    ]);
    expect(parseProposal({ Customer: 'bad id!', 'New limit': 1 }, 0)!.errors).toEqual([
      'Customer "bad id!" is not a customer id',
    ]);
  });

  it('applies a % change to the current limit as generate does (half-up to cents)', () => {
    const p = parseProposal({ Customer: 'C1', '% change': 7 }, 0)!;
    expect(lineOf(p, 1_234_500n)).toEqual({ customerId: 'C1', newCreditLimit: 1_320_915n });
  });

  it("maps the server's lines.N.field errors to line indexes", () => {
    expect(
      lineErrors([
        { path: 'lines.2.newToDate', message: 'ended' },
        { path: 'lines.2.customerId', message: 'unknown' },
        { path: 'type', message: 'x' },
      ]),
    ).toEqual(new Map([[2, ['newToDate: ended', 'customerId: unknown']]]));
  });
});

describe('a % change as Excel keeps it (issue 21: "10 %" was read as +0.1 %)', () => {
  const typed = (text: string | number, format = 'General') => {
    const cell = excelTyped(text, format);
    return parseProposal({ Customer: 'C1', '% change': cell.value }, 0, { '% change': cell.format })!;
  };
  it('"10%" typed into a plain cell is 0.1 in a percent-formatted cell: a 10 % change', () => {
    expect(excelTyped('10%', 'General')).toEqual({ value: 0.1, format: '0%' });
    expect(typed('10%').pctChange).toBe(100_000n);
    expect(typed('-2.5%').pctChange).toBe(-25_000n);
  });
  it('a number in a plain cell is the percentage itself; in a percent cell, 10 and 0.1 both mean 10 % (Excel’s percent entry)', () => {
    expect(typed(10).pctChange).toBe(100_000n);
    expect(typed(10, '0.00%').pctChange).toBe(100_000n);
    expect(typed(0.1, '0.00%').pctChange).toBe(100_000n);
    expect(typed(0.1).pctChange).toBe(1_000n);
  });
});
