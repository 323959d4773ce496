/**
 * Durations as Mesos flags write them ("5secs", "10ms", "2mins", "1hrs", "1days", "3weeks", "500ns",
 * "1us"), plus the short forms people type ("5s", "2m", "1h"). A bare number means seconds.
 * Values are milliseconds (fractional below 1ms).
 */

const MS_PER_UNIT: Record<string, number> = {};
function unit(ms: number, ...names: string[]): void {
  for (const n of names) MS_PER_UNIT[n] = ms;
}
unit(1e-6, 'ns');
unit(1e-3, 'us');
unit(1, 'ms');
unit(1000, 's', 'sec', 'secs');
unit(60_000, 'm', 'min', 'mins');
unit(3_600_000, 'h', 'hr', 'hrs');
unit(86_400_000, 'd', 'day', 'days');
unit(604_800_000, 'w', 'week', 'weeks');

const ALLOWED = 'a non-negative number followed by one of ns, us, ms, secs, mins, hrs, days, weeks ' +
  '(or s, m, h, d, w), e.g. 5secs, 10ms, 2mins; a bare number means seconds';

const DURATION = /^(\d+\.?\d*|\.\d+)\s*([a-z]*)$/;

export class DurationParseError extends Error {}

export function parseDuration(text: string): number {
  const trimmed = String(text).trim();
  const m = DURATION.exec(trimmed);
  const perUnit = m ? (m[2] === '' ? 1000 : MS_PER_UNIT[m[2]]) : undefined;
  if (!m || perUnit === undefined) throw new DurationParseError(`invalid duration '${text}': expected ${ALLOWED}`);
  return Number(m[1]) * perUnit;
}

const FORMAT_UNITS: [string, number][] = [
  ['weeks', 604_800_000], ['days', 86_400_000], ['hrs', 3_600_000], ['mins', 60_000], ['secs', 1000],
  ['ms', 1], ['us', 1e-3],
];

/** Mesos's rendering: the largest unit the value reaches, e.g. 5000 -> "5secs", 90000 -> "1.5mins". */
export function formatDuration(ms: number): string {
  for (const [name, size] of FORMAT_UNITS) {
    if (Math.abs(ms) >= size) return `${round(ms / size)}${name}`;
  }
  return `${round(ms * 1e6)}ns`;
}

// Twelve significant digits: short for round values, and parses back to within a nanosecond.
function round(n: number): number {
  return Number(n.toPrecision(12));
}
