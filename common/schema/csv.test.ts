import { describe, expect, test } from '@jest/globals';
import { CsvSyntaxError, parseCsv } from './csv.js';

describe('parseCsv', () => {
  test('keeps the physical line each record starts on across blank lines and quoted line breaks', () => {
    const text = '\ufeffa,b\r\n\r\n1,"x\r\ny"\r\n  \r\n3 , "4"\r\n5';
    expect(parseCsv(text)).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 3, cells: ['1', 'x\ny'] },
      { line: 6, cells: ['3', '4'] },
      { line: 7, cells: ['5'] },
    ]);
  });

  test('another delimiter; a comma inside a cell stays', () => {
    expect(parseCsv('alb;age\n4,1;50\n', ';')).toEqual([
      { line: 1, cells: ['alb', 'age'] },
      { line: 2, cells: ['4,1', '50'] },
    ]);
  });

  test('an unclosed quote is a syntax error naming the line where reading stopped', () => {
    let caught: unknown;
    try {
      parseCsv('a,b\n1,2\n3,"4\n5,6\n');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CsvSyntaxError);
    expect((caught as CsvSyntaxError).line).toBe(4);
  });
});
