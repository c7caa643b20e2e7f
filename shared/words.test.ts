import { describe, expect, it } from 'vitest';
import { withArticle } from './words';

describe('withArticle', () => {
  it('puts "an" before a vowel and "a" before a consonant, whatever the case', () => {
    expect(
      [
        'invoice',
        'interest',
        'payment',
        'fee',
        'accountStatus rule',
        'Aging definition',
        'activity',
        'credit note',
      ].map(withArticle),
    ).toEqual([
      'an invoice',
      'an interest',
      'a payment',
      'a fee',
      'an accountStatus rule',
      'an Aging definition',
      'an activity',
      'a credit note',
    ]);
  });
});
