/** How the benchmarks print their reports: numbers, durations and aligned text tables. */

/** A count or size with thousands separators and at most two decimals: 131,460 or 0.25. */
export function formatCount(x: number): string {
  return x.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

/** A duration in seconds, in the unit that keeps it readable: 1.234 s, 12.35 ms or 5.0 µs. */
export function formatSeconds(x: number): string {
  return x >= 1 ? `${x.toFixed(3)} s` : x >= 1e-3 ? `${(x * 1e3).toFixed(2)} ms` : `${(x * 1e6).toFixed(1)} µs`;
}

/**
 * Rows (the first one sets the number of columns) as lines of a table: the first column (the
 * labels) left-aligned, the others (the figures) right-aligned, two spaces apart, no trailing blanks.
 */
export function alignColumns(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  return rows.map((row) =>
    row
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join('  ')
      .trimEnd(),
  );
}
