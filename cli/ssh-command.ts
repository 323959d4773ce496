/**
 * What the commands that act on an SSH cluster's hosts share: --role / --host selection and
 * reading the cluster's record.
 */
import { Flags } from '@oclif/core';
import type { Command } from '@oclif/core';
import { DEFAULT_CONCURRENCY } from '../infra/bootstrap/pool';
import { ROLES } from '../infra/plan/roles';
import type { Operation } from '../infra/providers/provider';
import { BaseCommand, integerFlag } from './base-command';

export const roleFlag = () => Flags.string({ description: 'only hosts with this role', options: [...ROLES] });
export const hostFlag = () => Flags.string({ description: 'only this host (repeat for several; as given at launch, or its address)', multiple: true });
export const concurrencyFlag = () => integerFlag({ description: 'hosts worked on at once (1-512)', default: DEFAULT_CONCURRENCY, min: 1, max: 512 });

export abstract class SshClusterCommand<T extends typeof Command> extends BaseCommand<T> {
  /** The cluster's provider, when it can do `op` (else WRONG_PROVIDER, or NO_CLUSTER naming the known ones). */
  protected async providerWith<O extends Operation>(op: O) {
    const { providerWith } = await import('../infra/providers');
    return providerWith(this.catalog, this.clusterName, op);
  }

  protected async sshRecord() {
    const { readSshRecord } = await import('../infra/providers/ssh');
    return readSshRecord(this.catalog, this.clusterName, true);
  }
}
