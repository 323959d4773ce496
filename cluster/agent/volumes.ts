/**
 * The agent's checkpointed resources (dynamic reservations and persistent volumes) and the volumes'
 * lives: the master sends the agent's whole list (CHECKPOINT_RESOURCES, protocol/agent-channel.ts);
 * the agent writes it to meta/resources/checkpointed.json (atomically, 0600), reports it when it
 * registers, and reads it back when it restarts. Each volume in the list has a directory,
 * <work_dir>/volumes/roles/<role>/<persistence id> (volume-spec.ts), made when the volume appears
 * and removed with its data when the volume leaves the list (DESTROY), except while a task uses it:
 * the removal then waits, logged, until the last such task ends.
 *
 * Tasks whose resources (or their executor's) hold a volume get it at `container_path` in their
 * sandbox, bind-mounted where the agent can mount and symlinked elsewhere (volume-mounts.ts), and
 * lose it when they end, before anything reports them over.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Resource } from '../protocol/types';
import type { Logger } from '../util/log';
import { CheckpointError, writeFileAtomic } from './checkpoint';
import { metaDir } from './sandbox-paths';
import type { DiskResource, VolumeSpec } from './volume-spec';
import { sharedContainerPath, volumeHostPath, volumeKey, volumesIn } from './volume-spec';
import type { Attachment } from './volume-mounts';
import { attachVolume, detachVolume, isMountPoint, mountsUnder } from './volume-mounts';

export function checkpointedResourcesFile(workDir: string): string {
  return path.join(metaDir(workDir), 'resources', 'checkpointed.json');
}

/** A volume as one task has it: shown in the agent's /state with its executor. */
export interface AttachedVolume {
  persistence_id: string;
  role: string;
  container_path: string;
  mode: 'RW' | 'RO';
  /** Where the data lives on the agent. */
  host_path: string;
  /** Where the task sees it. */
  path: string;
  attachment: Attachment;
  /** RO is enforced by a read-only bind mount; a symlink cannot enforce it. */
  read_only_enforced: boolean;
}

interface Use {
  containerId: string;
  volumes: AttachedVolume[];
}

export interface VolumesDeps {
  log: Logger;
  workDir: string;
  /** How volumes get into sandboxes here (canBindMount decides at start-up). */
  attachment(): Attachment;
}

export class Volumes {
  private resources: Resource[] = [];
  /** Volumes in the list, by volumeKey. */
  private known = new Map<string, VolumeSpec>();
  /** Who uses what, by the sandbox the volumes are attached in. */
  private readonly uses = new Map<string, Use>();
  /** Volumes destroyed while in use: their data goes when the last user ends. */
  private readonly doomed = new Map<string, string>();

  constructor(private readonly deps: VolumesDeps) {}

  /** The checkpointed list, as the master last sent it. */
  get checkpointed(): Resource[] { return this.resources }

  /**
   * Reads the list a previous agent process checkpointed; an unusable file is a CheckpointError (the
   * agent logs it and goes on with what the master sends). Volume directories that went missing are
   * made again, empty, with a warning.
   */
  recover(): void {
    const file = checkpointedResourcesFile(this.deps.workDir);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw new CheckpointError(file, `cannot be read: ${(err as Error).message}`);
    }
    let list: unknown;
    try {
      list = JSON.parse(text);
    } catch (err) {
      throw new CheckpointError(file, `is not valid JSON: ${(err as Error).message}`);
    }
    if (!Array.isArray(list)) throw new CheckpointError(file, 'must hold a list of resources');
    const checked = volumesIn(list as DiskResource[], 'resources');
    if ('problem' in checked) throw new CheckpointError(file, checked.problem);
    this.resources = list as Resource[];
    this.known = new Map(checked.volumes.map((v) => [volumeKey(v), v]));
    for (const v of checked.volumes) {
      const dir = this.hostPath(v);
      if (!fs.existsSync(dir)) this.deps.log.warn('a checkpointed persistent volume has no directory: making it again, empty', { persistence_id: v.persistenceId, role: v.role, path: dir });
      this.makeVolumeDir(dir);
    }
    if (checked.volumes.length > 0) this.deps.log.info('recovered checkpointed resources', { resources: list.length, volumes: checked.volumes.map((v) => v.persistenceId) });
    // Volumes destroyed while a task used them, when the agent stopped before it ended: their
    // removal is owed still. Only against a list read whole: a missing one proves nothing.
    for (const [key, dir] of this.volumeDirs()) if (!this.known.has(key)) this.doomed.set(key, dir);
  }

  /** Every volume directory under the work dir, by volumeKey. */
  private volumeDirs(): Map<string, string> {
    const roles = path.join(path.resolve(this.deps.workDir), 'volumes', 'roles');
    const dirs = new Map<string, string>();
    for (const role of readDirs(roles)) {
      for (const id of readDirs(path.join(roles, role))) dirs.set(volumeKey({ role: role.replace(/ /g, '/'), persistenceId: id }), path.join(roles, role, id));
    }
    return dirs;
  }

  /**
   * Takes the master's whole list: checkpoints it, makes the directories of new volumes, removes those
   * of volumes no longer listed (or marks them for removal when a task uses them). Returns a problem
   * naming the field, and changes nothing, when the list cannot be used.
   */
  apply(list: Resource[]): string | undefined {
    const checked = volumesIn(list as DiskResource[], 'checkpoint_resources.resources');
    if ('problem' in checked) return checked.problem;
    writeFileAtomic(checkpointedResourcesFile(this.deps.workDir), JSON.stringify(list, null, 2) + '\n', { durable: true });
    const next = new Map(checked.volumes.map((v) => [volumeKey(v), v]));
    for (const [key, v] of next) {
      if (this.known.has(key)) continue;
      // The master refuses to destroy a volume in use, so this only follows a destroy the agent had to defer.
      if (this.doomed.delete(key)) this.deps.log.warn('persistent volume created again before the data of its destroyed namesake could be removed: it keeps that data', { persistence_id: v.persistenceId });
      this.makeVolumeDir(this.hostPath(v));
      this.deps.log.info('persistent volume created', { persistence_id: v.persistenceId, role: v.role, path: this.hostPath(v) });
    }
    for (const [key, v] of this.known) {
      if (!next.has(key)) this.destroy(key, v);
    }
    this.resources = list;
    this.known = next;
    return undefined;
  }

  /**
   * Why a task whose resources (and its executor's) are `resources` cannot run here, as far as
   * volumes go: a broken volume field, or a persistence id this agent does not have.
   */
  launchProblem(resources: readonly Resource[], field: string): string | undefined {
    const checked = volumesIn(resources as DiskResource[], field);
    if ('problem' in checked) return checked.problem;
    const shared = sharedContainerPath(checked.volumes);
    if (shared !== undefined) return `${field}: two persistent volumes at container_path '${shared}'`;
    for (const v of checked.volumes) {
      if (!this.known.has(volumeKey(v))) {
        return `persistent volume '${v.persistenceId}' (role '${v.role}') is not on this agent: create it first (CREATE)`;
      }
    }
    return undefined;
  }

  /**
   * Attaches the volumes among `resources` in `sandbox` for the run `containerId`, besides any it has
   * there already (an executor given another task); throws, having undone what it did, when one cannot
   * be attached. `owner`: the task's user, who gets the volume.
   */
  attach(containerId: string, sandbox: string, resources: readonly Resource[], owner?: { uid: number; gid: number }): AttachedVolume[] {
    const problem = this.launchProblem(resources, 'resources');
    if (problem) throw new Error(problem);
    const use = this.uses.get(sandbox) ?? { containerId, volumes: [] };
    this.uses.set(sandbox, use);
    const added: AttachedVolume[] = [];
    try {
      for (const v of this.specsIn(resources)) {
        const volume = this.attachment(v, sandbox);
        const there = use.volumes.find((a) => a.container_path === volume.container_path);
        if (there && there.host_path === volume.host_path) continue;
        if (there) throw new Error(`container_path '${volume.container_path}' already holds persistent volume '${there.persistence_id}'`);
        // The task's user owns its volume, as Mesos gives it the sandbox's owner.
        if (owner) fs.chownSync(volume.host_path, owner.uid, owner.gid);
        attachVolume(volume.host_path, sandbox, volume.path, v.mode, volume.attachment, owner);
        use.volumes.push(volume);
        added.push(volume);
        this.logAttached(volume);
      }
    } catch (err) {
      for (const volume of added) detachVolume(volume.path);
      use.volumes = use.volumes.filter((v) => !added.includes(v));
      if (use.volumes.length === 0) this.uses.delete(sandbox);
      throw err;
    }
    return added;
  }

  /**
   * A recovered run still going: its volumes are its own again (and attached again should the mount
   * have gone, e.g. unmounted by hand).
   */
  adopt(containerId: string, sandbox: string, resources: readonly Resource[]): void {
    // Destroyed ones too, while their data waits for the run to end.
    const volumes = this.specsIn(resources).map((v) => this.attachment(v, sandbox)).filter((v) => fs.existsSync(v.host_path));
    this.uses.set(sandbox, { containerId, volumes });
    for (const volume of volumes) {
      const present = volume.attachment === 'symlink' ? fs.lstatSync(volume.path, { throwIfNoEntry: false })?.isSymbolicLink() : isMountPoint(volume.path);
      if (present) continue;
      try {
        attachVolume(volume.host_path, sandbox, volume.path, volume.mode, volume.attachment);
        this.logAttached(volume);
      } catch (err) {
        this.deps.log.warn('could not attach a recovered task\'s volume again', { persistence_id: volume.persistence_id, path: volume.path, error: (err as Error).message });
      }
    }
  }

  /**
   * Takes the volumes out of `sandbox` (idempotent: also for runs that ended while no agent ran,
   * given their resources), then removes destroyed volumes nobody uses any more.
   */
  detach(sandbox: string, resources?: readonly Resource[]): void {
    const use = this.uses.get(sandbox);
    this.uses.delete(sandbox);
    const volumes = use?.volumes ?? (resources ? this.specsIn(resources).map((v) => this.attachment(v, sandbox)) : []);
    for (const volume of volumes) {
      try {
        detachVolume(volume.path);
      } catch (err) {
        this.deps.log.error('could not detach a persistent volume from a sandbox', { persistence_id: volume.persistence_id, path: volume.path, error: (err as Error).message });
      }
    }
    this.removeUnused();
  }

  /** Removes the data of destroyed volumes nobody uses any more (also once recovery has taken back its runs). */
  removeUnused(): void {
    for (const [key, dir] of [...this.doomed]) {
      if (this.inUse(key)) continue;
      this.doomed.delete(key);
      this.removeVolumeDir(dir);
    }
  }

  /**
   * Unmounts what is mounted under the sandboxes `root` outside every sandbox in `live`: volumes of
   * runs no recovery took back (a damaged checkpoint, a run discarded), which would otherwise stay
   * mounted in the host's namespace and put their data within reach of whatever removes the sandbox.
   */
  clearStrayMounts(root: string, live: readonly string[]): void {
    const inLive = (m: string) => live.some((dir) => m === dir || m.startsWith(dir + path.sep));
    for (const mount of mountsUnder(root)) {
      if (inLive(mount)) continue;
      try {
        detachVolume(mount);
        this.deps.log.warn('unmounted a mount left in the sandbox of a run that is over', { path: mount });
      } catch (err) {
        this.deps.log.error('could not unmount a mount left in a sandbox', { path: mount, error: (err as Error).message });
      }
    }
  }

  /** What the runs in `containerId` have attached, for /state. */
  attachedIn(containerId: string): AttachedVolume[] {
    return [...this.uses.values()].filter((u) => u.containerId === containerId).flatMap((u) => u.volumes);
  }

  private destroy(key: string, v: VolumeSpec): void {
    const dir = this.hostPath(v);
    if (this.inUse(key)) {
      this.doomed.set(key, dir);
      this.deps.log.warn('persistent volume destroyed while a task uses it: its data is kept until the task ends', { persistence_id: v.persistenceId, role: v.role, path: dir });
      return;
    }
    this.removeVolumeDir(dir);
  }

  private removeVolumeDir(dir: string): void {
    fs.rmSync(dir, { recursive: true, force: true });
    this.deps.log.info('persistent volume destroyed: its data is removed', { path: dir });
  }

  private inUse(key: string): boolean {
    for (const use of this.uses.values()) {
      if (use.volumes.some((v) => volumeKey({ role: v.role, persistenceId: v.persistence_id }) === key)) return true;
    }
    return false;
  }

  private specsIn(resources: readonly Resource[]): VolumeSpec[] {
    const checked = volumesIn(resources as DiskResource[], 'resources');
    return 'problem' in checked ? [] : checked.volumes;
  }

  private attachment(v: VolumeSpec, sandbox: string): AttachedVolume {
    return {
      persistence_id: v.persistenceId,
      role: v.role,
      container_path: v.containerPath,
      mode: v.mode,
      host_path: this.hostPath(v),
      path: path.join(sandbox, v.containerPath),
      attachment: this.deps.attachment(),
      read_only_enforced: v.mode === 'RO' && this.deps.attachment() === 'bind mount',
    };
  }

  private logAttached(volume: AttachedVolume): void {
    const unenforced = volume.mode === 'RO' && !volume.read_only_enforced;
    this.deps.log.info(`volume ${volume.persistence_id} at ${volume.path} (${volume.attachment})`, {
      persistence_id: volume.persistence_id, path: volume.path, host_path: volume.host_path, mode: volume.mode,
      ...(unenforced ? { warning: 'mode RO is not enforced through a symlink' } : {}),
    });
  }

  private hostPath(v: VolumeSpec): string {
    return volumeHostPath(this.deps.workDir, v.role, v.persistenceId);
  }

  private makeVolumeDir(dir: string): void {
    // volumes/ and the role directories are the agent's; a task reaches its volume only through its sandbox.
    for (const d of [path.join(path.resolve(this.deps.workDir), 'volumes'), path.dirname(path.dirname(dir)), path.dirname(dir)]) {
      fs.mkdirSync(d, { recursive: true, mode: 0o711 });
    }
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  }
}

function readDirs(dir: string): string[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return [];
  }
}
