/**
 * Commands that talk to the master's operator API: --master beside --cluster, one client per run,
 * and what id lookups need to word their errors.
 */
import type { Command } from '@oclif/core';
import type { OperatorClient } from '../cluster/client/operator';
import { BaseCommand, clusterFlag, masterFlag } from './base-command';
import type { LookupContext } from './lookup';

export abstract class OperatorCommand<T extends typeof Command> extends BaseCommand<T> {
  static baseFlags = { cluster: clusterFlag(), master: masterFlag() };

  protected get lookup(): LookupContext {
    const master = (this.flags as { master?: string }).master;
    return { where: master ? `master ${master}` : `cluster '${this.clusterName}'`, bin: this.config.bin, clusterArg: master ? ` --master ${master}` : this.clusterArg };
  }

  /** Runs `fn` with a client of the cluster's master and closes it afterwards. */
  protected async withOperator<R>(fn: (operator: OperatorClient) => Promise<R>): Promise<R> {
    const master = await this.resolveMaster((this.flags as { master?: string }).master);
    const { OperatorClient } = await import('../cluster/client/operator');
    const operator = new OperatorClient(master);
    try {
      return await fn(operator);
    } finally {
      operator.close();
    }
  }
}
