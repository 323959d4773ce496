/**
 * A task's health as operators see it (the CLI's task table, the web UI): what its latest status
 * says, as Mesos's web UI reads it. A task without a health check, or whose check has not reported
 * yet, has none.
 */
import type { TaskStatus } from './types';

export type TaskHealth = 'healthy' | 'unhealthy';

export function latestHealth(statuses: readonly TaskStatus[] | undefined): TaskHealth | undefined {
  const latest = statuses?.[statuses.length - 1];
  if (latest?.healthy === undefined) return undefined;
  return latest.healthy ? 'healthy' : 'unhealthy';
}
