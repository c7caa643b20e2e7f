import { describe, expect, it } from 'vitest';
import { jsonWithList } from './json-stream';

const text = async (s: ReadableStream<Uint8Array>) => new Response(s).text();

describe('jsonWithList', () => {
  it('writes the same JSON as JSON.stringify, the list last, in parts', async () => {
    const items = Array.from({ length: 2501 }, (_, i) => ({
      row: i + 2,
      status: i % 7 ? 'ok' : 'error',
      note: i % 3 ? null : `"quoted" é ${i}`,
    }));
    const head = { journalId: null, dryRun: true, valid: false, sheet: 'Limits' };
    const out = await text(jsonWithList(head, 'rows', items, 1000));
    expect(out).toBe(JSON.stringify({ ...head, rows: items }));
    expect(JSON.parse(out)).toEqual({ ...head, rows: items });
  });

  it('handles an empty head and an empty list', async () => {
    expect(await text(jsonWithList({}, 'rows', []))).toBe('{"rows":[]}');
    expect(await text(jsonWithList({ a: 1 }, 'rows', []))).toBe('{"a":1,"rows":[]}');
    expect(await text(jsonWithList({}, 'rows', [1]))).toBe('{"rows":[1]}');
  });
});
