import { CsvError, parse } from 'csv-parse/sync';

/** One CSV record with the 1-based physical line it starts on (a quoted cell may span lines). */
export interface CsvRecord {
  line: number;
  cells: string[];
}

/** CSV text that cannot be split into records at all (an unclosed quote, say), at the line where reading stopped. */
export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
    this.name = 'CsvSyntaxError';
  }
}

/** The lines a record spans beyond its first: skipped blank lines before it and its own line break do not count. */
function extraLines(raw: string): number {
  const record = raw.replace(/\n$/, '').replace(/^(?:[ \t]*\n)+/, '');
  return record.split('\n').length - 1;
}

/**
 * Splits CSV text into records, the header first, blank lines skipped, cells trimmed. Records may
 * have any number of cells: a short or long row is the caller's to report, with its line.
 */
export function parseCsv(text: string, delimiter = ','): CsvRecord[] {
  // csv-parse counts a CRLF inside a quoted cell as two lines; with LF only, its line numbers are physical.
  const normalised = text.replace(/\r\n?/g, '\n');
  try {
    const records = parse(normalised, {
      delimiter,
      bom: true,
      info: true,
      raw: true,
      skip_empty_lines: true,
      trim: true,
      relax_column_count: true,
    }) as unknown as {
      record: string[];
      raw: string;
      info: { lines: number };
    }[];
    return records.map((r) => ({ line: r.info.lines - extraLines(r.raw), cells: r.record }));
  } catch (error) {
    if (error instanceof CsvError) {
      const line = (error as CsvError & { lines?: number }).lines ?? 1;
      throw new CsvSyntaxError(line, error.message);
    }
    throw error;
  }
}
