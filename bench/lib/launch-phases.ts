/**
 * Where an SSH launch spent its time, read from its progress lines (plain lines when stderr is not
 * a terminal: "[  1.2s] host: step", and notes about the whole launch). The launcher works in
 * barriers: every host connected, then every host prepared, then ZooKeeper, the masters and the
 * agents started and answering in turn, then the agents registering. The first line of each
 * barrier's next stage marks the end of the one before. An EC2 launch has steps of its own first.
 */
import type { TimedLine } from '../../test/helpers/timed-cli';

export const PHASES = ['cli start', 'connect', 'prepare', 'zookeeper', 'masters', 'agents start', 'registration', 'exit'] as const;
export type Phase = (typeof PHASES)[number];

const CONNECTING = /^\[\s*[\d.]+s\] \S+: connecting/;
const WAITING_FOR_AGENTS = /^Waiting for the leading master/;
const ALL_REGISTERED = /^Agents registered: (\d+)\/\1$/;

/** The line that opens each stage after 'cli start' (the last, exit, is the process's own end). */
const MARKS: [Exclude<Phase, 'cli start'>, RegExp][] = [
  ['connect', CONNECTING],
  ['prepare', /^\[\s*[\d.]+s\] \S+: inspecting$/],
  ['zookeeper', /^\[\s*[\d.]+s\] \S+: (re)?starting zookeeper$/],
  ['masters', /^\[\s*[\d.]+s\] \S+: (re)?starting master$/],
  ['agents start', /^\[\s*[\d.]+s\] \S+: (re)?starting agent$/],
  ['registration', WAITING_FOR_AGENTS],
  ['exit', ALL_REGISTERED],
];

/**
 * An EC2 launch (infra/providers/aws/aws-launch.ts): its own steps, one note each, before the
 * SSH launch's; the SSH launch's stages are one 'bootstrap' here, from the first connection to the
 * wait for registrations.
 */
export const AWS_PHASES = ['cli start', 'checks', 'stack', 'instances', 'host keys', 'bootstrap', 'registration', 'exit'] as const;
export type AwsPhase = (typeof AWS_PHASES)[number];

const AWS_MARKS: [Exclude<AwsPhase, 'cli start'>, RegExp][] = [
  ['checks', /^Checking region /],
  ['stack', /^Bringing up stack /],
  ['instances', /^Waiting for the instances to run/],
  ['host keys', /^Reading host keys from the instances/],
  ['bootstrap', CONNECTING],
  ['registration', WAITING_FOR_AGENTS],
  ['exit', ALL_REGISTERED],
];

/**
 * Duration of each phase in ms; a phase whose opening line never came (nothing to start) counts
 * as 0 and its time goes to the phase before.
 */
function phaseDurations<P extends string>(phases: readonly P[], marks: [P, RegExp][], lines: TimedLine[], exitMs: number): Record<P, number> {
  const starts: number[] = [0];
  for (const [, re] of marks) {
    const line = lines.find((l) => re.test(l.text));
    starts.push(line ? line.ms : NaN);
  }
  starts.push(exitMs);
  const durations = {} as Record<P, number>;
  phases.forEach((phase, i) => {
    if (Number.isNaN(starts[i])) {
      durations[phase] = 0;
      return;
    }
    const next = starts.slice(i + 1).find((s) => !Number.isNaN(s))!;
    durations[phase] = next - starts[i];
  });
  return durations;
}

export function launchPhases(lines: TimedLine[], exitMs: number): Record<Phase, number> {
  return phaseDurations(PHASES, MARKS, lines, exitMs);
}

export function awsLaunchPhases(lines: TimedLine[], exitMs: number): Record<AwsPhase, number> {
  return phaseDurations(AWS_PHASES, AWS_MARKS, lines, exitMs);
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
