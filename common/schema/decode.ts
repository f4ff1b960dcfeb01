import type { ColumnKind } from './columns.js';
import type { CodeValue } from './mapping.js';

/** A cell once read: missing, a value (a number, or a level for level columns), or why it cannot be read. */
export type Cell = { missing: true } | { value: number | string } | { problem: string };

// Plain decimals only: Number() would also take "0x1A", "Infinity" and "" and read "4,1" as nothing useful.
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function checkNumber(n: number, kind: ColumnKind & { kind: 'number' }): Cell {
  if (kind.range && (n < kind.range[0] || n > kind.range[1])) return { problem: `is out of range [${kind.range[0]}, ${kind.range[1]}]` };
  if (kind.positive && !(n > 0)) return { problem: 'is not a time > 0 (a follow-up of 0 or less is refused)' };
  return { value: n };
}

/** A cell's text as the column's kind, when no local code maps it. */
function readText(text: string, kind: ColumnKind, name: string): Cell {
  const lower = text.toLowerCase();
  switch (kind.kind) {
    case 'number':
      return DECIMAL.test(text) ? checkNumber(Number(text), kind) : { problem: 'is not a number' };
    case 'boolean':
      if (lower === '1' || lower === 'true') return { value: 1 };
      if (lower === '0' || lower === 'false') return { value: 0 };
      return { problem: `is not a boolean (0, 1, true or false; map local codes under codes.${name})` };
    case 'zero-one':
      return text === '0' || text === '1' ? { value: Number(text) } : { problem: `is not 0 or 1 (map local codes under codes.${name})` };
    case 'event':
      if (/^[+-]?\d+$/.test(text) && kind.codes.includes(Number(text))) return { value: Number(text) };
      return { problem: `is not a known event code (codes: ${kind.codes.join(', ')})` };
    case 'levels':
      return kind.levels.includes(text)
        ? { value: text }
        : { problem: `is not a level of ${name} (levels: ${kind.levels.join(', ')}; map local codes under codes.${name})` };
  }
}

/** A mapped code's value as the column's kind; parseMapping has already checked it fits. */
function readCode(value: CodeValue, kind: ColumnKind): Cell {
  if (typeof value === 'boolean') return { value: value ? 1 : 0 };
  if (kind.kind === 'number' && typeof value === 'number') return checkNumber(value, kind);
  return { value };
}

/** Reads one cell of schema column `name`: missing tokens first, then the clinic's codes, then the text itself. */
export function decodeCell(text: string, name: string, kind: ColumnKind, codes: ReadonlyMap<string, CodeValue> | undefined, missing: readonly string[]): Cell {
  const trimmed = text.trim();
  if (missing.includes(trimmed)) return { missing: true };
  const code = codes?.get(trimmed);
  return code === undefined ? readText(trimmed, kind, name) : readCode(code, kind);
}
