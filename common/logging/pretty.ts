/**
 * pino's JSON line as a human reads it on a terminal: `2026-12-04T06:43:21.123Z INFO  [Context] message key=value`.
 * A few lines of our own rather than pino-pretty: no worker thread, nothing to load at start.
 */
const SHOWN_FIRST = new Set(['time', 'level', 'msg', 'context']);

export function prettyLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const level = String(entry['level'] ?? '').toUpperCase();
  const context = entry['context'] ? ` [${String(entry['context'])}]` : '';
  const fields = Object.entries(entry)
    .filter(([key]) => !SHOWN_FIRST.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  const rest = fields.length > 0 ? `  ${fields.join(' ')}` : '';
  return `${String(entry['time'] ?? '')} ${level.padEnd(5)}${context} ${String(entry['msg'] ?? '')}${rest}\n`;
}
