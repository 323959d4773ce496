/**
 * The step records a host keeps about itself (`/var/lib/mesoscloud/<cluster>/state.json`): what was
 * done, with the bundle's sha256 and each service's config hash, so a re-run skips what is already
 * true and a resumed launch picks up where a broken one stopped. The host holds them, not the
 * operator's machine: whoever runs the launcher next sees the same truth.
 */
export interface StepRecord {
  /** ISO 8601. */
  at: string;
  /** The bundle's sha256, or a service's config hash. */
  hash?: string;
  detail?: Record<string, string | string[]>;
}

export interface HostState {
  version: 1;
  steps: Record<string, StepRecord>;
}

export const emptyState = (): HostState => ({ version: 1, steps: {} });

/** An unreadable or foreign file counts as no records: every step is then checked and redone. */
export function parseHostState(text: string): HostState {
  if (!text) return emptyState();
  try {
    const parsed = JSON.parse(text) as Partial<HostState>;
    if (parsed.version === 1 && typeof parsed.steps === 'object' && parsed.steps !== null) return { version: 1, steps: parsed.steps };
  } catch {
    // fall through
  }
  return emptyState();
}

export function record(state: HostState, step: string, rec: Omit<StepRecord, 'at'>, now = new Date()): HostState {
  return { version: 1, steps: { ...state.steps, [step]: { at: now.toISOString(), ...rec } } };
}

export const STEP = {
  node: 'node',
  packages: 'packages',
  bundle: 'bundle',
  config: (role: string) => `config:${role}`,
  service: (role: string) => `service:${role}`,
} as const;
