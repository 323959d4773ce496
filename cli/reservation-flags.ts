/** What `reserve`, `unreserve` and `volume create|destroy` share: AGENT, --role, --label and the JSON they print. */
import { Flags } from '@oclif/core';
import { FlagError } from './errors';

export const roleFlag = Flags.custom<string>({
  description: 'the role the resources are reserved to',
  required: true,
  parse: async (input) => (await import('./role-args')).checkRole('--role', input),
});

/** `--label key=value`, repeatable: ReservationInfo.labels (read with labelsOf). */
export const labelFlag = () => Flags.string({ description: 'a label of the reservation, KEY=VALUE (repeatable)', multiple: true });

export function labelsOf(given: readonly string[] | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const input of given ?? []) {
    const eq = input.indexOf('=');
    if (eq <= 0) throw new FlagError(`--label takes KEY=VALUE (e.g. service=db), got '${input}'`);
    labels[input.slice(0, eq)] = input.slice(eq + 1);
  }
  return labels;
}

export interface ReservationJson {
  agent_id: string;
  hostname: string;
  action: 'reserve' | 'unreserve' | 'create-volume' | 'destroy-volume';
  role: string;
  /** The resources named in the call, in the master's v1 format. */
  resources: unknown[];
}
