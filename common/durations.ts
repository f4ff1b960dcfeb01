/**
 * Bounds for duration settings. Every duration a study, a coordinator or a node accepts has a
 * ceiling well under setTimeout's own (2^31 - 1 ms, about 24.8 days): past it Node fires the timer
 * at once, so a round meant to wait a month would fail a few milliseconds after it opened.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export const SECOND_MS = 1000;
export const MINUTE_MS = 60 * SECOND_MS;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** The range a duration setting must fall in, in the setting's own unit. */
export interface DurationBounds {
  unit: 's' | 'ms';
  min: number;
  max: number;
}

/** `seconds(1e-3, 7 * 86400)`: bounds of a setting given in seconds. */
export const seconds = (min: number, max: number): DurationBounds => ({ unit: 's', min, max });
/** `milliseconds(0, DAY_MS)`: bounds of a setting given in milliseconds. */
export const milliseconds = (min: number, max: number): DurationBounds => ({ unit: 'ms', min, max });

/** "7 days", "6 hours", "90 minutes", "45 s", "200 ms": a bound as a person reads it. */
export function spelledDuration(ms: number): string {
  const whole = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (ms >= DAY_MS && ms % DAY_MS === 0) return whole(ms / DAY_MS, 'day');
  if (ms >= HOUR_MS && ms % HOUR_MS === 0) return whole(ms / HOUR_MS, 'hour');
  if (ms >= MINUTE_MS && ms % MINUTE_MS === 0) return whole(ms / MINUTE_MS, 'minute');
  if (ms >= SECOND_MS) return `${ms / SECOND_MS} s`;
  return `${ms} ms`;
}

/** What is wrong with a duration setting (its name, its bounds, the value given), or null when it is within them. */
export function durationProblem(field: string, value: unknown, bounds: DurationBounds): string | null {
  if (typeof value === 'number' && Number.isFinite(value) && value >= bounds.min && value <= bounds.max) return null;
  const toMs = bounds.unit === 's' ? SECOND_MS : 1;
  const unit = bounds.unit === 's' ? 'seconds' : 'milliseconds';
  return `${field} must be a number of ${unit} from ${bounds.min} to ${bounds.max} (${spelledDuration(bounds.max * toMs)}), got ${JSON.stringify(value)}`;
}

/** Every problem among optional duration settings (absent ones are left to their defaults), for an error listing them all. */
export function durationProblems(settings: Record<string, unknown>, bounds: Record<string, DurationBounds>): string[] {
  return Object.entries(bounds)
    .filter(([field]) => settings[field] !== undefined)
    .map(([field, range]) => durationProblem(field, settings[field], range))
    .filter((problem): problem is string => problem !== null);
}
