/**
 * Which user a task runs as, with Mesos's rules: its CommandInfo.user, else its executor's, else its
 * FrameworkInfo.user, when --switch_user is on (the default); with --no-switch_user, the agent's own
 * user. One rule of ours on top: an agent running as root never runs a task as root unless the
 * task asks for root by name and the agent allows it (--allow_root_tasks). The master's run_tasks
 * ACL (--acls) has decided before the task gets here; this agent-side rule holds on top of it.
 *
 * The name is resolved as the host resolves it (`id`, so NSS sources such as LDAP count) to the uid,
 * primary gid and supplementary groups the task's process gets (task-process.ts drops to them).
 */
import { execFile } from 'node:child_process';
import type { ExecutorInfo, FrameworkInfo, TaskInfo, TaskState, TaskStatusReason, TaskStatusSource } from '../protocol/types';

/** The credentials a task's process runs with. */
export interface UserIdentity {
  name: string;
  uid: number;
  gid: number;
  /** Supplementary groups, the primary one included when the host lists it. */
  groups: number[];
}

export interface RunAsPolicy {
  switchUser: boolean;
  allowRootTasks: boolean;
  /** The agent's own uid and user name. */
  agentUid: number;
  agentUser: string;
}

/** The user a task asks to run as; undefined when neither its command, its executor nor its framework names one. */
export function requestedUser(task: TaskInfo, framework: FrameworkInfo, executor?: ExecutorInfo): string | undefined {
  return task.command?.user || executor?.command?.user || framework.user || undefined;
}

/** How a task that cannot run as its user ends (a task runner's transition). */
export interface Refusal {
  state: TaskState;
  source: TaskStatusSource;
  reason: TaskStatusReason;
  message: string;
}

/** What the task runs as: `user` undefined means as the agent's own user, with no switch. */
export type RunAs = { ok: true; user?: UserIdentity } | { ok: false; refusal: Refusal };

const launchFailed = (message: string): RunAs => ({
  ok: false,
  refusal: { state: 'TASK_FAILED', source: 'SOURCE_AGENT', reason: 'REASON_CONTAINER_LAUNCH_FAILED', message: `Failed to launch container: ${message}` },
});

const unauthorized = (message: string): RunAs => ({
  ok: false,
  refusal: { state: 'TASK_ERROR', source: 'SOURCE_AGENT', reason: 'REASON_TASK_UNAUTHORIZED', message },
});

const NO_ROOT = 'this agent runs as root and runs no task as root unless started with --allow_root_tasks';

/**
 * The decision, pure: `identity` is what the requested name resolved to (undefined: no such user).
 * Resolve first with lookupUser; the name is not looked up when no switch is made.
 */
export function decideRunAs(policy: RunAsPolicy, requested: string | undefined, identity: UserIdentity | undefined): RunAs {
  const agentIsRoot = policy.agentUid === 0;
  if (!policy.switchUser) {
    // --no-switch_user on a root agent runs everything as root: that is what --allow_root_tasks is for.
    if (agentIsRoot && !policy.allowRootTasks) return unauthorized(`Not authorized to launch as user '${policy.agentUser}' (--no-switch_user): ${NO_ROOT}`);
    return { ok: true };
  }
  if (requested === undefined) {
    if (agentIsRoot && !policy.allowRootTasks) return unauthorized(`Task names no user (FrameworkInfo.user is empty) and would run as root: ${NO_ROOT}`);
    return { ok: true };
  }
  if (!identity) return launchFailed(`Failed to get user information for '${requested}': no such user on this agent`);
  if (identity.uid === 0 && agentIsRoot && !policy.allowRootTasks) return unauthorized(`Not authorized to launch as user '${requested}': ${NO_ROOT}`);
  if (identity.uid === policy.agentUid) return { ok: true };
  if (!agentIsRoot) {
    return launchFailed(`cannot run the task as user '${requested}': the agent runs as '${policy.agentUser}', not as root (start it as root, or with --no-switch_user to run tasks as '${policy.agentUser}')`);
  }
  return { ok: true, user: identity };
}

/** A name `id` could take for an option is no user name: POSIX's portable characters only. */
const USER_NAME = /^[A-Za-z0-9._][A-Za-z0-9._-]*\$?$/;

/** Parses `id <user>` in the C locale: "uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup),100(users)". */
export function parseIdOutput(name: string, text: string): UserIdentity | undefined {
  const uid = /(?:^|\s)uid=(\d+)/.exec(text);
  const gid = /(?:^|\s)gid=(\d+)/.exec(text);
  if (!uid || !gid) return undefined;
  const groupsText = /(?:^|\s)groups=(\S+)/.exec(text)?.[1] ?? '';
  const groups = groupsText.split(',').map((g) => /^(\d+)/.exec(g)?.[1]).filter((g): g is string => g !== undefined).map(Number);
  return { name, uid: Number(uid[1]), gid: Number(gid[1]), groups };
}

/** The host's answer for a user name; undefined when the host knows no such user. */
export function lookupUser(name: string): Promise<UserIdentity | undefined> {
  if (!USER_NAME.test(name)) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    execFile('id', [name], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' }, timeout: 10_000 }, (err, stdout) => {
      resolve(err ? undefined : parseIdOutput(name, stdout));
    });
  });
}

/**
 * How long the host's answer about a user serves later launches. Starting `id` for every task cost
 * a process start per launch, as much as the task's own (fork of the whole agent); Mesos asks NSS
 * in-process. A user whose uid or groups change is seen within this time. "No such user" is never
 * kept beyond the lookup in flight, so a user created just now is found at once.
 */
export const USER_LOOKUP_TTL_MS = 10_000;
const MAX_CACHED_USERS = 1000;
const userLookups = new Map<string, { expires: number; identity: Promise<UserIdentity | undefined> }>();

/** lookupUser, shared by the launches that ask for the same user while an answer is fresh or in flight. */
export function lookupUserCached(name: string, now = Date.now(), lookup: (name: string) => Promise<UserIdentity | undefined> = lookupUser): Promise<UserIdentity | undefined> {
  const hit = userLookups.get(name);
  if (hit && hit.expires > now) return hit.identity;
  const identity = lookup(name);
  const entry = { expires: now + USER_LOOKUP_TTL_MS, identity };
  userLookups.delete(name);
  userLookups.set(name, entry);
  if (userLookups.size > MAX_CACHED_USERS) userLookups.delete(userLookups.keys().next().value as string);
  void identity.then((found) => {
    if (!found && userLookups.get(name) === entry) userLookups.delete(name);
  });
  return identity;
}

/** Resolves the task's user (only when a switch may be made) and decides. */
export async function taskRunAs(policy: RunAsPolicy, requested: string | undefined): Promise<RunAs> {
  const identity = policy.switchUser && requested !== undefined ? await lookupUserCached(requested) : undefined;
  return decideRunAs(policy, requested, identity);
}
