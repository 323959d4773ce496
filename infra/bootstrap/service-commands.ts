/**
 * Shell snippets that manage one daemon on a host, under systemd where it runs the host, otherwise
 * under the bundle's own supervisor. Both restart a crashed daemon (systemd: Restart=on-failure;
 * the supervisor does the same) and neither restarts one that exited cleanly, which is how an
 * agent told to leave (SIGUSR1: kill tasks, unregister) stays gone.
 *
 * Agents run with KillMode=process: their tasks live in their own process groups and cgroups and
 * must outlive an agent restart or upgrade, as in Mesos's own unit files.
 */
import { shellQuote as q } from './ssh-quote';
import { parentOf } from './file-script';

export type ServiceManager = 'systemd' | 'supervisor';

/** What the snippets need of a service: its unit name and the fields of its definition file. */
export interface ServiceRef {
  role: 'zookeeper' | 'master' | 'agent';
  unit: string;
  definitionPath: string;
  bundle: string;
  pidFile: string;
  supervisorPidFile: string;
  log: string;
}

export const unitPath = (unit: string) => `/etc/systemd/system/${unit}.service`;

export function systemdUnit(s: ServiceRef, node: string): string {
  return [
    '[Unit]',
    `Description=mesoscloud ${s.role} (${s.unit})`,
    'After=network-online.target',
    'Wants=network-online.target',
    // No start limit: like the supervisor, keep restarting a daemon that crashes at start (its
    // ZooKeeper or master may simply not be up yet) instead of giving up after five tries in 10 s.
    'StartLimitIntervalSec=0',
    '',
    '[Service]',
    `ExecStart=${node} ${s.bundle} service ${s.definitionPath}`,
    'Restart=on-failure',
    'RestartSec=1',
    ...(s.role === 'agent' ? ['KillMode=process', 'Delegate=yes'] : []),
    `StandardOutput=append:${s.log}`,
    `StandardError=append:${s.log}`,
    'LimitNOFILE=65536',
    'TimeoutStopSec=35',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/**
 * Whether the pid in $p runs this service (supervisor and daemon both have the definition file on
 * their command line): a pid file left by a process killed with -9 may name a reused pid by now.
 */
const runsDefinition = (s: ServiceRef) => `grep -qF -- ${q(s.definitionPath)} /proc/"$p"/cmdline 2>/dev/null`;

/** Waits up to `tenths` tenths of a second for the pid in $p to go away. */
const waitGone = (tenths: number) => `i=0; while kill -0 "$p" 2>/dev/null && [ $i -lt ${tenths} ]; do sleep 0.1; i=$((i+1)); done`;

/** Exit status 0 when the service is running. */
export function isRunningCommand(s: ServiceRef, manager: ServiceManager): string {
  if (manager === 'systemd') return `systemctl is-active --quiet ${q(s.unit)}`;
  const pid = q(s.supervisorPidFile);
  // A pid file outliving a reboot may name someone else's process: it must be our supervisor of this very service.
  return `p=$(cat ${pid} 2>/dev/null) && kill -0 "$p" 2>/dev/null && grep -q supervise /proc/"$p"/cmdline 2>/dev/null && grep -qF ${q(s.definitionPath)} /proc/"$p"/cmdline 2>/dev/null`;
}

/** Starts it, or restarts it when it runs (a changed definition or bundle is read at start). */
export function restartCommand(s: ServiceRef, manager: ServiceManager, node: string): string {
  const dirs = `mkdir -p ${q(parentOf(s.pidFile))} ${q(parentOf(s.log))}`;
  if (manager === 'systemd') return `${dirs} && systemctl daemon-reload && systemctl enable --quiet ${q(s.unit)} && systemctl restart ${q(s.unit)}`;
  // A daemon that outlived its supervisor would keep the port (and the old code) and make the new one crash-loop.
  return `${dirs} && { ${stopCommand(s, manager, 'TERM')}; } && { ${stopOrphanCommand(s, 'TERM')}; } && ` +
    // Only the supervisor goes to the background, with no descriptor of the SSH session: the session can end.
    `{ setsid nohup ${q(node)} ${q(s.bundle)} supervise ${q(s.definitionPath)} >/dev/null 2>&1 </dev/null & }`;
}

/**
 * Stops it. TERM leaves an agent's tasks running (for restarts and upgrades); USR1 asks an agent
 * to kill its tasks and unregister first (for destroy and scale-down).
 */
export function stopCommand(s: ServiceRef, manager: ServiceManager, how: 'TERM' | 'USR1'): string {
  if (manager === 'systemd') {
    const unit = q(s.unit);
    const usr1 = how === 'USR1'
      ? `systemctl kill -s USR1 --kill-who=main ${unit} 2>/dev/null; i=0; while systemctl is-active --quiet ${unit} && [ $i -lt 350 ]; do sleep 0.1; i=$((i+1)); done; `
      : '';
    return `${usr1}systemctl stop ${unit} 2>/dev/null; true`;
  }
  const pid = q(s.supervisorPidFile);
  return `p=$(cat ${pid} 2>/dev/null); if [ -n "$p" ] && kill -0 "$p" 2>/dev/null && ${runsDefinition(s)}; then kill -${how} "$p"; ${waitGone(350)}; kill -KILL "$p" 2>/dev/null; fi; rm -f ${pid}; true`;
}

/** Stops it for good and removes the unit (the files are removed with the cluster's directories). */
export function removeCommand(s: ServiceRef, manager: ServiceManager): string {
  const stop = stopCommand(s, manager, s.role === 'agent' ? 'USR1' : 'TERM');
  if (manager === 'systemd') return `${stop}; systemctl disable --quiet ${q(s.unit)} 2>/dev/null; rm -f ${q(unitPath(s.unit))}; systemctl daemon-reload; true`;
  return `${stop}; ${stopOrphanCommand(s, s.role === 'agent' ? 'USR1' : 'TERM')}`;
}

/**
 * Stops a daemon that outlived its supervisor (the supervisor was killed with -9), found by its own
 * pid file; only while that pid still runs this service's definition, not a reused pid.
 */
function stopOrphanCommand(s: ServiceRef, how: 'TERM' | 'USR1'): string {
  return `p=$(cat ${q(s.pidFile)} 2>/dev/null); if [ -n "$p" ] && kill -0 "$p" 2>/dev/null && ${runsDefinition(s)}; then kill -${how} "$p"; ${waitGone(350)}; kill -KILL "$p" 2>/dev/null; fi; true`;
}
