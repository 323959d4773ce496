/**
 * Where an SSH launch spent its time, read from its progress lines (plain lines when stderr is not
 * a terminal: "[  1.2s] host: step", and notes about the whole launch). The launcher works in
 * barriers: every host connected, then every host prepared, then ZooKeeper, the masters and the
 * agents started and answering in turn, then the agents registering. The first line of each
 * barrier's next stage marks the end of the one before.
 */
import type { TimedLine } from '../../test/helpers/timed-cli';

export const PHASES = ['cli start', 'connect', 'prepare', 'zookeeper', 'masters', 'agents start', 'registration', 'exit'] as const;
export type Phase = (typeof PHASES)[number];

/** The line that opens each stage after 'cli start' (the last, exit, is the process's own end). */
const MARKS: [Exclude<Phase, 'cli start'>, RegExp][] = [
  ['connect', /^\[\s*[\d.]+s\] \S+: connecting/],
  ['prepare', /^\[\s*[\d.]+s\] \S+: inspecting$/],
  ['zookeeper', /^\[\s*[\d.]+s\] \S+: (re)?starting zookeeper$/],
  ['masters', /^\[\s*[\d.]+s\] \S+: (re)?starting master$/],
  ['agents start', /^\[\s*[\d.]+s\] \S+: (re)?starting agent$/],
  ['registration', /^Waiting for the leading master/],
  ['exit', /^Agents registered: (\d+)\/\1$/],
];

/**
 * Duration of each phase in ms; a phase whose opening line never came (nothing to start) counts
 * as 0 and its time goes to the phase before.
 */
export function launchPhases(lines: TimedLine[], exitMs: number): Record<Phase, number> {
  const starts: number[] = [0];
  for (const [, re] of MARKS) {
    const line = lines.find((l) => re.test(l.text));
    starts.push(line ? line.ms : NaN);
  }
  starts.push(exitMs);
  const phases = {} as Record<Phase, number>;
  PHASES.forEach((phase, i) => {
    if (Number.isNaN(starts[i])) {
      phases[phase] = 0;
      return;
    }
    const next = starts.slice(i + 1).find((s) => !Number.isNaN(s))!;
    phases[phase] = next - starts[i];
  });
  return phases;
}

/**
 * For each step name ("uploading the daemon bundle", parentheses dropped), the longest time a host
 * spent from that step's line to its own next line. Steps right before a barrier include the wait
 * for the slowest host, so only steps inside a stage (inspecting, uploading) read as their own cost.
 */
export function longestSteps(lines: TimedLine[]): Record<string, number> {
  const byHost = new Map<string, { ms: number; step: string }[]>();
  for (const l of lines) {
    const m = /^\[\s*[\d.]+s\] (\S+): (.*)$/.exec(l.text);
    if (!m) continue;
    const list = byHost.get(m[1]) ?? [];
    list.push({ ms: l.ms, step: m[2].replace(/\s*\(.*\)$/, '') });
    byHost.set(m[1], list);
  }
  const longest: Record<string, number> = {};
  for (const steps of byHost.values()) {
    for (let i = 0; i + 1 < steps.length; i++) {
      const d = steps[i + 1].ms - steps[i].ms;
      longest[steps[i].step] = Math.max(longest[steps[i].step] ?? 0, d);
    }
  }
  return longest;
}
