/** `mesoscloud frameworks`: registered frameworks (and, with --all, ended ones) with their use of the cluster. */
import type { GetFrameworks, GetTasks, OperatorFramework } from '../../cluster/protocol/operator';
import { isTerminalState } from '../../cluster/protocol/types';
import { renderTable } from '../render/table';
import { amount, legacy, type ResourceJson } from '../status-view';
import { allTasks } from './tasks';

export type FrameworkState = 'active' | 'inactive' | 'disconnected' | 'completed';

export interface FrameworkRow {
  id: string;
  name: string;
  roles: string[];
  state: FrameworkState;
  /** Tasks that have not ended. */
  tasks: number;
  used: ResourceJson;
  offers: number;
  /** ISO 8601. */
  registered?: string;
}

export function frameworkRoles(f: OperatorFramework): string[] {
  const info = f.framework_info;
  return info.roles?.length ? info.roles : [info.role ?? '*'];
}

function state(f: OperatorFramework, completed: boolean): FrameworkState {
  if (completed) return 'completed';
  if (!f.connected) return 'disconnected';
  return f.active ? 'active' : 'inactive';
}

export function buildFrameworkRows(frameworks: GetFrameworks, tasks: GetTasks, all: boolean): FrameworkRow[] {
  const live = new Map<string, number>();
  for (const t of allTasks(tasks)) {
    if (!isTerminalState(t.state)) live.set(t.framework_id.value, (live.get(t.framework_id.value) ?? 0) + 1);
  }
  const row = (f: OperatorFramework, completed: boolean): FrameworkRow => {
    const id = f.framework_info.id?.value ?? '';
    const ns = f.registered_time?.nanoseconds;
    return {
      id,
      name: f.framework_info.name,
      roles: frameworkRoles(f),
      state: state(f, completed),
      tasks: live.get(id) ?? 0,
      used: legacy(f.allocated_resources),
      offers: f.offers?.length ?? 0,
      ...(ns !== undefined ? { registered: new Date(ns / 1e6).toISOString() } : {}),
    };
  };
  return [
    ...(frameworks.frameworks ?? []).map((f) => row(f, false)),
    ...(all ? (frameworks.completed_frameworks ?? []).map((f) => row(f, true)) : []),
  ];
}

export function renderFrameworks(rows: FrameworkRow[], all: boolean): string[] {
  if (rows.length === 0) return [all ? 'No frameworks.' : 'No frameworks registered. See ended ones with --all.'];
  return renderTable(
    ['ID', 'NAME', 'ROLES', 'STATE', 'TASKS', 'CPUS', 'MEM MB', 'OFFERS', 'REGISTERED'],
    rows.map((r) => [r.id, r.name, r.roles.join(','), r.state, String(r.tasks), amount(r.used, 'cpus'), amount(r.used, 'mem'), String(r.offers), r.registered ?? '']),
  );
}
