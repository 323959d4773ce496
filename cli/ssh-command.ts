/**
 * What the commands that act on an SSH cluster's hosts share: --role / --host selection, the
 * per-host progress display on stderr, and reading the cluster's record.
 */
import { Flags } from '@oclif/core';
import type { Command } from '@oclif/core';
import { BaseCommand } from './base-command';
import type { HostProgress } from '../infra/bootstrap/progress';

export const ROLES = ['zookeeper', 'master', 'agent'] as const;

export const roleFlag = () => Flags.string({ description: 'only hosts with this role', options: [...ROLES] });
export const hostFlag = () => Flags.string({ description: 'only this host (repeat for several; as given at launch, or its address)', multiple: true });
export const concurrencyFlag = () => Flags.integer({ description: 'hosts worked on at once', default: 32, min: 1, max: 512 });

export abstract class SshClusterCommand<T extends typeof Command> extends BaseCommand<T> {
  /** Per-host progress on stderr: live lines on a terminal, plain lines elsewhere; quiet with --json. */
  protected async progress(): Promise<HostProgress> {
    const { createProgress } = await import('../infra/bootstrap/progress');
    if (this.jsonEnabled()) return createProgress(process.stderr, { tty: false, silent: true });
    return createProgress(process.stderr);
  }

  protected async sshRecord() {
    const { readSshRecord } = await import('../infra/providers/ssh');
    return readSshRecord(this.registry, this.clusterName, true);
  }
}
