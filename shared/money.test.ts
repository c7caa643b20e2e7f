import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MONEY_MAX,
  MoneyParseError,
  RATE_MAX,
  RateParseError,
  absMoney,
  addMoney,
  applyPercent,
  compareMoney,
  divRoundHalfUp,
  formatMinorUnits,
  formatMoney,
  formatRate,
  inMoneyRange,
  isZero,
  maxMoney,
  minMoney,
  multiplyByRate,
  negate,
  parseMoney,
  parseRate,
  percentOf,
  roundToMultiple,
  sumMoney,
  tryParseMoney,
  tryParseRate,
} from './money';

const SHAPE = 'must be a decimal with at most 2 decimals, e.g. "1234.50"';
const RANGE = 'must be between -999999999999.99 and 999999999999.99';

/** Exact decimal text of integer cents, by string manipulation only (independent of formatMoney). */
function centsToText(c: bigint): string {
  const digits = (c < 0n ? -c : c).toString();
  const whole = digits.length > 2 ? digits.slice(0, -2) : '0';
  const frac = digits.length > 2 ? digits.slice(-2) : digits.padStart(2, '0');
  return `${c < 0n ? '-' : ''}${whole}.${frac}`;
}

const cents = fc.bigInt({ min: -MONEY_MAX, max: MONEY_MAX });

describe('parseMoney accepts', () => {
  it.each([
    ['0', 0n],
    ['-0', 0n],
    ['-0.00', 0n],
    ['1', 100n],
    ['1.5', 150n],
    ['1234.50', 123450n],
    ['-0.05', -5n],
    ['007.10', 710n],
    ['999999999999.99', MONEY_MAX],
    ['-999999999999.99', -MONEY_MAX],
  ])('string %j → %s', (input, expected) => {
    expect(parseMoney(input)).toBe(expected);
  });

  it.each([
    [0, 0n],
    [-0, 0n],
    [12, 1200n],
    [1234.5, 123450n],
    [-0.05, -5n],
    [0.1, 10n],
    [1.15, 115n],
    [4.35, 435n],
    [999999999999.99, MONEY_MAX],
    [-999999999999.99, -MONEY_MAX],
  ])('number %s → %s', (input, expected) => {
    expect(parseMoney(input)).toBe(expected);
  });
});

describe('parseMoney rejects', () => {
  it.each([
    '12.345',
    '1e5',
    '1E5',
    'abc',
    '',
    ' 1',
    '1 ',
    '1,5',
    '+1',
    '.5',
    '5.',
    '-',
    '1.2.3',
    'NaN',
    'Infinity',
    '0x10',
    '0000000000001', // 13 integer digits, even though the value is small
  ])('string %j with the format message', (input) => {
    expect(() => parseMoney(input)).toThrow(new MoneyParseError(SHAPE));
  });

  // eslint-disable-next-line no-loss-of-precision -- 1e400 is meant to overflow to Infinity
  it.each([12.345, 0.001, 1e-7, NaN, Infinity, -Infinity, 1e400, null, undefined, true, false, {}, [], 10n])(
    'non-decimal value %s with the format message',
    (input) => {
      expect(() => parseMoney(input)).toThrow(new MoneyParseError(SHAPE));
    },
  );

  it.each(['1000000000000', '-1000000000000.00', '99999999999999999999', 1e12, -1e15, 1e21, 1e300])(
    'out-of-range %s with the range message',
    (input) => {
      expect(() => parseMoney(input)).toThrow(new MoneyParseError(RANGE));
    },
  );

  it('throws an Error subclass named MoneyParseError', () => {
    const error = (() => {
      try {
        parseMoney('x');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(MoneyParseError);
    expect((error as Error).name).toBe('MoneyParseError');
  });
});

describe('tryParseMoney', () => {
  it('returns the value or the message', () => {
    expect(tryParseMoney('12.30')).toEqual({ ok: true, value: 1230n });
    expect(tryParseMoney('12.345')).toEqual({ ok: false, message: SHAPE });
    expect(tryParseMoney(1e13)).toEqual({ ok: false, message: RANGE });
  });
});

describe('formatMoney', () => {
  it.each([
    [0n, '0.00'],
    [-5n, '-0.05'],
    [5n, '0.05'],
    [-50n, '-0.50'],
    [100n, '1.00'],
    [123450n, '1234.50'],
    [-123450n, '-1234.50'],
    [MONEY_MAX, '999999999999.99'],
  ])('%s → %s', (m, expected) => {
    expect(formatMoney(m)).toBe(expected);
  });
});

describe('formatMinorUnits (the fast path of the aging JSON writer)', () => {
  it('equals formatMoney for every amount, given as a number, a string or a bigint', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -MONEY_MAX * 1000n, max: MONEY_MAX * 1000n }), (m) => {
        expect(formatMinorUnits(m)).toBe(formatMoney(m));
        expect(formatMinorUnits(m.toString())).toBe(formatMoney(m));
        if (Number.isSafeInteger(Number(m))) expect(formatMinorUnits(Number(m))).toBe(formatMoney(m));
      }),
    );
    for (const m of [0n, 5n, -5n, 99n, -100n, MONEY_MAX]) expect(formatMinorUnits(m)).toBe(formatMoney(m));
  });
});

describe('money arithmetic', () => {
  it('adds, sums, negates and compares', () => {
    expect(addMoney()).toBe(0n);
    expect(addMoney(10n, 20n, -5n)).toBe(25n);
    expect(sumMoney([])).toBe(0n);
    expect(sumMoney(new Set([1n, 2n, 3n]))).toBe(6n);
    expect(negate(150n)).toBe(-150n);
    expect(negate(0n)).toBe(0n);
    expect(absMoney(-150n)).toBe(150n);
    expect(absMoney(150n)).toBe(150n);
    expect(minMoney(5n)).toBe(5n);
    expect(minMoney(5n, -3n, 7n)).toBe(-3n);
    expect(maxMoney(5n, -3n, 7n)).toBe(7n);
    expect(isZero(0n)).toBe(true);
    expect(isZero(parseMoney('-0.00'))).toBe(true);
    expect(isZero(-1n)).toBe(false);
    expect(compareMoney(1n, 2n)).toBe(-1);
    expect(compareMoney(2n, 2n)).toBe(0);
    expect(compareMoney(3n, 2n)).toBe(1);
    expect([30n, -1n, 5n].sort(compareMoney)).toEqual([-1n, 5n, 30n]);
    expect(inMoneyRange(MONEY_MAX)).toBe(true);
    expect(inMoneyRange(-MONEY_MAX - 1n)).toBe(false);
  });

  it('0.1 + 0.2 is exactly 0.30', () => {
    expect(formatMoney(addMoney(parseMoney('0.1'), parseMoney('0.2')))).toBe('0.30');
    expect(formatMoney(addMoney(parseMoney(0.1), parseMoney(0.2)))).toBe('0.30');
    expect(0.1 + 0.2).not.toBe(0.3); // the float path this module avoids
  });
});

describe('divRoundHalfUp', () => {
  it.each([
    [5n, 2n, 3n],
    [-5n, 2n, -3n],
    [5n, -2n, -3n],
    [-5n, -2n, 3n],
    [7n, 2n, 4n],
    [4n, 3n, 1n],
    [5n, 3n, 2n],
    [-4n, 3n, -1n],
    [-5n, 3n, -2n],
    [6n, 3n, 2n],
    [0n, 7n, 0n],
    [1n, 2n, 1n],
    [1n, 3n, 0n],
  ])('%s / %s → %s', (n, d, expected) => {
    expect(divRoundHalfUp(n, d)).toBe(expected);
  });

  it('rejects a zero denominator', () => {
    expect(() => divRoundHalfUp(1n, 0n)).toThrow(RangeError);
  });

  it('matches round(|n| / |d|) = floor((2|n| + |d|) / 2|d|) with the sign of n/d', () => {
    const big = fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n });
    fc.assert(
      fc.property(
        big,
        big.filter((d) => d !== 0n),
        (n, d) => {
          const an = n < 0n ? -n : n;
          const ad = d < 0n ? -d : d;
          const magnitude = (2n * an + ad) / (2n * ad); // non-negative, so truncation is floor
          const expected = n < 0n !== d < 0n ? -magnitude : magnitude;
          expect(divRoundHalfUp(n, d)).toBe(expected);
        },
      ),
    );
  });
});

describe('rates and percentages', () => {
  it.each([
    ['7', 70000n],
    ['7.5', 75000n],
    ['12.3456', 123456n],
    ['0.0001', 1n],
    ['-2.5', -25000n],
    [7.25, 72500n],
    [100, 1000000n],
    [0.0001, 1n],
  ])('parseRate(%j) → %s', (input, expected) => {
    expect(parseRate(input)).toBe(expected);
  });

  it.each(['12.34567', 12.34567, '1e2', '', ' 7', '+7', 'abc', null, true, NaN, 1e-7])(
    'parseRate rejects %j',
    (input) => {
      expect(() => parseRate(input)).toThrow(
        new RateParseError('must be a decimal with at most 4 decimals, e.g. "7.5"'),
      );
    },
  );

  it('parseRate rejects out-of-range values', () => {
    const message = 'must be between -999999999999.9999 and 999999999999.9999';
    expect(() => parseRate('1000000000000')).toThrow(new RateParseError(message));
    expect(() => parseRate(1e21)).toThrow(new RateParseError(message));
    expect(parseRate('999999999999.9999')).toBe(RATE_MAX);
  });

  it('tryParseRate returns the value or the message', () => {
    expect(tryParseRate('7.5')).toEqual({ ok: true, value: 75000n });
    expect(tryParseRate('abc')).toMatchObject({ ok: false });
  });

  it.each([
    [70000n, '7'],
    [75000n, '7.5'],
    [123456n, '12.3456'],
    [1n, '0.0001'],
    [0n, '0'],
    [1000000n, '100'],
    [-5000n, '-0.5'],
    [100000n, '10'],
  ])('formatRate(%s) → %s', (r, expected) => {
    expect(formatRate(r)).toBe(expected);
  });

  it('formatRate∘parseRate is the identity on rates', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -RATE_MAX, max: RATE_MAX }), (r) => {
        expect(parseRate(formatRate(r))).toBe(r);
      }),
    );
  });

  it('multiplyByRate rounds once, half away from zero', () => {
    expect(multiplyByRate(parseMoney('100.00'), parseRate('1.2345'))).toBe(12345n);
    expect(multiplyByRate(parseMoney('0.01'), parseRate('0.5'))).toBe(1n); // 0.005 → 0.01
    expect(multiplyByRate(parseMoney('-0.01'), parseRate('0.5'))).toBe(-1n);
    expect(multiplyByRate(parseMoney('0.01'), parseRate('0.4999'))).toBe(0n);
    // Rounding per step would give 0.01 × 0.5 → 0.01, then × 0.5 → 0.01; once it is exact here.
    expect(multiplyByRate(parseMoney('10.00'), parseRate('0.3333'))).toBe(333n);
  });

  it('applyPercent is m × pct ÷ 100 rounded once', () => {
    expect(applyPercent(parseMoney('200.00'), parseRate('7.5'))).toBe(1500n);
    expect(applyPercent(parseMoney('0.01'), parseRate('50'))).toBe(1n);
    expect(applyPercent(parseMoney('-0.01'), parseRate('50'))).toBe(-1n);
    expect(applyPercent(parseMoney('0.01'), parseRate('49.9999'))).toBe(0n);
    expect(applyPercent(parseMoney('1234.56'), parseRate('100'))).toBe(123456n);
    expect(applyPercent(parseMoney('13.33'), parseRate('12.3456'))).toBe(165n); // 1.645668…
  });

  it('percentOf rounds to 4 decimals and is null for a zero whole', () => {
    expect(percentOf(1n, 3n)).toBe(333333n);
    expect(percentOf(2n, 3n)).toBe(666667n);
    expect(percentOf(-2n, 3n)).toBe(-666667n);
    expect(percentOf(50n, 200n)).toBe(250000n);
    expect(percentOf(5n, 0n)).toBeNull();
    expect(formatRate(percentOf(parseMoney('15.00'), parseMoney('200.00')) ?? 0n)).toBe('7.5');
  });
});

describe('roundToMultiple', () => {
  const ten = parseMoney('10.00');
  it.each([
    ['13209.15', 'normal', '13210.00'],
    ['13209.15', 'down', '13200.00'],
    ['13209.15', 'up', '13210.00'],
    ['13204.99', 'normal', '13200.00'],
    ['13205.00', 'normal', '13210.00'],
    ['13200.00', 'up', '13200.00'],
    ['13200.00', 'down', '13200.00'],
    ['-13209.15', 'normal', '-13210.00'],
    ['-13209.15', 'down', '-13210.00'],
    ['-13209.15', 'up', '-13200.00'],
    ['-5.00', 'normal', '-10.00'],
    ['-4.99', 'normal', '0.00'],
  ] as const)('%s %s → %s', (input, mode, expected) => {
    expect(formatMoney(roundToMultiple(parseMoney(input), ten, mode))).toBe(expected);
  });

  it('rounds to 0.05 steps', () => {
    expect(formatMoney(roundToMultiple(parseMoney('1.02'), 5n, 'normal'))).toBe('1.00');
    expect(formatMoney(roundToMultiple(parseMoney('1.03'), 5n, 'normal'))).toBe('1.05');
  });

  it('rejects a step that is not positive', () => {
    expect(() => roundToMultiple(100n, 0n, 'normal')).toThrow(RangeError);
    expect(() => roundToMultiple(100n, -10n, 'up')).toThrow(RangeError);
  });

  it('gives multiples of step that bracket m, within half a step for normal', () => {
    fc.assert(
      fc.property(cents, fc.bigInt({ min: 1n, max: 1_000_000n }), (m, step) => {
        const down = roundToMultiple(m, step, 'down');
        const up = roundToMultiple(m, step, 'up');
        const normal = roundToMultiple(m, step, 'normal');
        for (const r of [down, up, normal]) expect(r % step).toBe(0n);
        expect(down <= m && m <= up).toBe(true);
        expect(up - down).toBe(m % step === 0n ? 0n : step);
        expect(normal === down || normal === up).toBe(true);
        expect(2n * absMoney(normal - m) <= step).toBe(true);
      }),
    );
  });
});

describe('properties', () => {
  it('formatMoney∘parseMoney is the identity on canonical strings', () => {
    const canonical = fc
      .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 999_999_999_999n }), fc.integer({ min: 0, max: 99 }))
      .map(([negative, whole, frac]) => {
        const text = `${whole}.${String(frac).padStart(2, '0')}`;
        return negative && text !== '0.00' ? `-${text}` : text;
      });
    fc.assert(
      fc.property(canonical, (s) => {
        expect(formatMoney(parseMoney(s))).toBe(s);
      }),
    );
  });

  it('every string matching the documented pattern parses to its exact value', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^-?\d{1,12}(\.\d{1,2})?$/), (s) => {
        const [whole = '', frac = ''] = s.replace('-', '').split('.');
        const magnitude = BigInt(whole) * 100n + BigInt(frac.padEnd(2, '0'));
        expect(parseMoney(s)).toBe(s.startsWith('-') ? -magnitude : magnitude);
      }),
    );
  });

  it('parseMoney∘formatMoney is the identity on every amount in range', () => {
    fc.assert(
      fc.property(cents, (m) => {
        expect(parseMoney(formatMoney(m))).toBe(m);
      }),
    );
  });

  it('a JSON number with at most 2 decimals parses like its string', () => {
    fc.assert(
      fc.property(cents, (c) => {
        const text = centsToText(c);
        const json: unknown = JSON.parse(text);
        expect(typeof json).toBe('number');
        expect(parseMoney(json)).toBe(parseMoney(text));
        expect(parseMoney(json)).toBe(c);
      }),
    );
  });

  it('the sum of parsed strings equals the parse of the exact decimal sum', () => {
    const part = fc.bigInt({ min: -MONEY_MAX / 100n, max: MONEY_MAX / 100n });
    fc.assert(
      fc.property(fc.array(part, { maxLength: 100 }), (parts) => {
        const exact = parts.reduce((a, b) => a + b, 0n);
        expect(sumMoney(parts.map((c) => parseMoney(centsToText(c))))).toBe(parseMoney(centsToText(exact)));
      }),
    );
  });

  it('no float path: cents survive text even when c ÷ 100 is inexact in binary', () => {
    fc.assert(
      fc.property(cents, (c) => {
        expect(parseMoney(centsToText(c))).toBe(c);
        expect(parseMoney(Number(centsToText(c)))).toBe(c);
      }),
    );
    // Values where a float conversion (× 100) drifts, proving the cases above are not vacuous.
    for (const text of ['0.07', '1.15', '4.35', '8.20', '9.95', '0.30']) {
      const c = parseMoney(text);
      expect(formatMoney(c)).toBe(text);
      expect(parseMoney(Number(text))).toBe(c);
    }
    expect(0.07 * 100).not.toBe(7);
    expect(1.15 * 100).not.toBe(115);
    expect(4.35 * 100).not.toBe(435);
  });

  it('money.ts source has no float helpers or scaling by 100', () => {
    const source = readFileSync(new URL('./money.ts', import.meta.url), 'utf8');
    expect(source).not.toMatch(/parseFloat/);
    expect(source).not.toMatch(/toFixed/);
    expect(source).not.toMatch(/toPrecision/);
    expect(source).not.toMatch(/Math\.round/);
    expect(source).not.toMatch(/[*/]\s*100(?!\d)/); // also catches `* 100n`
  });
});
