import { writeFileSync } from 'node:fs';

export interface BenchRow {
  name: string;
  unit: string;
  value: number;
  floorName: string | null;
  floorValue: number | null;
  /** value / floorValue, or null when the row has no floor. */
  ratio: number | null;
  target: string;
  met: boolean;
}

const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

/** A row; the ratio is value / floor unless given (a median of paired rounds' ratios, say). */
export function row(
  r: Omit<BenchRow, 'ratio' | 'value' | 'floorValue'> & { value: number; floorValue?: number | null; ratio?: number },
): BenchRow {
  const floorValue = r.floorValue ?? null;
  const ratio = r.ratio ?? (floorValue ? r.value / floorValue : null);
  return {
    ...r,
    value: round(r.value),
    floorValue: floorValue === null ? null : round(floorValue),
    ratio: ratio === null ? null : round(ratio, 3),
  };
}

/** The middle value (the upper one of an even count). */
export const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export function printTable(rows: BenchRow[]): void {
  const header = ['benchmark', 'value', 'floor', 'floor value', 'ratio', 'target', 'met'];
  const lines = rows.map((r) => [
    r.name,
    `${r.value} ${r.unit}`,
    r.floorName ?? '-',
    r.floorValue === null ? '-' : `${r.floorValue} ${r.unit}`,
    r.ratio === null ? '-' : String(r.ratio),
    r.target,
    r.met ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ');
  console.log(fmt(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const l of lines) console.log(fmt(l));
}

export function writeResults(rows: BenchRow[], path = 'bench-results.json'): void {
  writeFileSync(path, JSON.stringify(rows, null, 2) + '\n');
}
