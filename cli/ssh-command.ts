/**
 * What the commands that act on an SSH cluster's hosts share: --role / --host selection and
 * reading the cluster's record.
 */
import { Flags } from '@oclif/core';
import type { Command } from '@oclif/core';
import { DEFAULT_CONCURRENCY } from '../infra/bootstrap/pool';
import { ROLES } from '../infra/plan/roles';
import { BaseCommand, integerFlag } from './base-command';

export const roleFlag = () => Flags.string({ description: 'only hosts with this role', options: [...ROLES] });
export const hostFlag = () => Flags.string({ description: 'only this host (repeat for several; as given at launch, or its address)', multiple: true });
export const concurrencyFlag = () => integerFlag({ description: 'hosts worked on at once (1-512)', default: DEFAULT_CONCURRENCY, min: 1, max: 512 });

export abstract class SshClusterCommand<T extends typeof Command> extends BaseCommand<T> {
  protected async sshRecord() {
    const { readSshRecord } = await import('../infra/providers/ssh');
    return readSshRecord(this.registry, this.clusterName, true);
  }
}
