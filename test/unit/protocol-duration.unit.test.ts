import fc from 'fast-check';
import { DurationParseError, formatDuration, parseDuration } from '../../cluster/protocol/duration';

describe('parseDuration', () => {
  it.each<[string, number]>([
    ['5secs', 5000], ['5sec', 5000], ['5s', 5000], ['10ms', 10], ['2mins', 120_000], ['2m', 120_000],
    ['1hrs', 3_600_000], ['1h', 3_600_000], ['1days', 86_400_000], ['3weeks', 3 * 604_800_000],
    ['500ns', 0.0005], ['1us', 0.001], ['1.5secs', 1500], ['15', 15_000], [' 20 secs ', 20_000], ['0', 0],
  ])('reads %s as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBeCloseTo(ms, 9);
  });

  it.each(['', 'abc', '5 parsecs', '-5secs', '5secs5', 'secs', '1e3s'])('rejects %j saying what is allowed', (text) => {
    expect(() => parseDuration(text)).toThrow(DurationParseError);
    expect(() => parseDuration(text)).toThrow(`invalid duration '${text}': expected a non-negative number followed by one of ns, us, ms, secs, mins, hrs, days, weeks`);
  });
});

describe('formatDuration', () => {
  it.each<[number, string]>([
    [5000, '5secs'], [90_000, '1.5mins'], [10, '10ms'], [0, '0ns'], [0.5, '500us'], [604_800_000, '1weeks'],
  ])('renders %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('round-trips through parseDuration for whole milliseconds', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 10 * 604_800_000 }), (ms) => {
      expect(parseDuration(formatDuration(ms))).toBeCloseTo(ms, 0);
    }));
  });
});
