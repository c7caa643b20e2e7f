import { describe, expect, it } from 'vitest';
import { isId } from './ids';

describe('isId', () => {
  it('takes 1–64 letters, digits, _, . and -, but never . or .. (dot segments of a URL)', () => {
    for (const ok of ['C1001', 'SO-10045', 'a.b', '...', '_', 'x'.repeat(64), '.a', 'a..'])
      expect(isId(ok), ok).toBe(true);
    for (const bad of ['', '.', '..', 'x'.repeat(65), 'a b', 'a/b', 'ÆØ', 'a\u0000'])
      expect(isId(bad), bad).toBe(false);
  });
});
