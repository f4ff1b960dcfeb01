/** Shared wording and number formats, so every page says a thing the same way. */

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '–';
  const date = new Date(iso);
  return `${date.toISOString().slice(0, 10)} ${date.toISOString().slice(11, 19)} UTC`;
}

/** Up to `digits` significant digits, without trailing zeros; '–' for none. */
export function num(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  return String(Number(value.toPrecision(digits)));
}

export function percent(value: number | null | undefined): string {
  return value === null || value === undefined ? '–' : `${(value * 100).toFixed(1)}%`;
}

/** One line for an audit event, as the live feed shows it. */
export function describeEvent(event: { type: string; round: number | null; clinic: string | null; detail: Record<string, unknown> }): string {
  const round = event.round === null ? '' : ` round ${event.round}`;
  const clinic = event.clinic ? ` ${event.clinic}` : '';
  const reason = typeof event.detail['reason'] === 'string' ? `: ${event.detail['reason']}` : '';
  const outcome = typeof event.detail['outcome'] === 'string' ? ` (${event.detail['outcome']})` : '';
  switch (event.type) {
    case 'update-received':
      return `update from${clinic} for${round}`;
    case 'round-opened':
      return `${round.trim()} opened`;
    case 'round-closed':
      return `${round.trim()} closed${outcome}`;
    case 'round-failed':
      return `${round.trim()} failed${outcome}${reason}`;
    case 'evaluation':
      return `evaluation of model version ${event.round ?? '?'} by${clinic}`;
    default:
      return `${event.type}${round}${clinic}${reason}`;
  }
}
