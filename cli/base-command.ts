/**
 * What every command shares: `--cluster` (flag, then MESOSCLOUD_CLUSTER, then 'local'), `--json`,
 * the cluster registry under oclif's data dir, finding the master, and the one place where errors
 * become output. Commands import their libraries inside run() so `--help` and quick commands start fast.
 */
import { Command, Flags, type Interfaces } from '@oclif/core';
import { ClusterRegistry } from '../infra/registry';
import { toCliError } from './errors';
import { clusterNameValue } from './flag-values';

export type FlagsOf<T extends typeof Command> = Interfaces.InferredFlags<T['baseFlags'] & T['flags']>;
export type ArgsOf<T extends typeof Command> = Interfaces.InferredArgs<T['args']>;

export const clusterFlag = Flags.custom<string>({
  description: 'name of the cluster in the local registry',
  env: 'MESOSCLOUD_CLUSTER',
  default: 'local',
  helpGroup: 'GLOBAL',
  parse: async (input) => clusterNameValue('cluster', input),
});

export const masterFlag = Flags.custom<string>({
  description: "master to talk to, as host:port or http://host:port (default: the cluster's master from the registry)",
  env: 'MESOSCLOUD_MASTER',
});

/** Parses flags in init() (so run() finds them in this.flags) and turns every failure into output. */
export abstract class ParsedCommand<T extends typeof Command> extends Command {
  protected flags!: FlagsOf<T>;
  protected args!: ArgsOf<T>;

  async init(): Promise<void> {
    await super.init();
    const ctor = this.ctor;
    const { args, flags } = await this.parse({
      flags: ctor.flags,
      baseFlags: ctor.baseFlags,
      enableJsonFlag: ctor.enableJsonFlag,
      args: ctor.args,
      strict: ctor.strict,
    });
    this.flags = flags as FlagsOf<T>;
    this.args = args as ArgsOf<T>;
  }

  protected async catch(err: Error & { exitCode?: number }): Promise<unknown> {
    const cliError = toCliError(err, { cluster: (this.flags as { cluster?: string } | undefined)?.cluster });
    // oclif's JSON path reads the exit code from process.exitCode, not from the error.
    if (typeof cliError.oclif?.exit === 'number') process.exitCode = cliError.oclif.exit;
    return super.catch(cliError);
  }
}

/** Daemons: Mesos's flag names only, no --cluster or --json. */
export abstract class DaemonCommand<T extends typeof Command> extends ParsedCommand<T> {}

/** Operator commands: --cluster, --json, the registry and the master. */
export abstract class BaseCommand<T extends typeof Command> extends ParsedCommand<T> {
  static baseFlags = { cluster: clusterFlag() };
  static enableJsonFlag = true;

  private registryValue?: ClusterRegistry;

  protected get registry(): ClusterRegistry {
    this.registryValue ??= new ClusterRegistry(this.config.dataDir);
    return this.registryValue;
  }

  protected get clusterName(): string {
    return (this.flags as { cluster?: string }).cluster ?? 'local';
  }

  /** --master when given, else the registered cluster's master. */
  protected async resolveMaster(flag: string | undefined): Promise<string> {
    const { parseMasterAddress } = await import('../cluster/client/address');
    if (flag) return parseMasterAddress(flag).baseUrl;
    const record = this.registry.read(this.clusterName);
    if (record) return record.masterUrl;
    throw Object.assign(new Error(`no cluster named '${this.clusterName}' is recorded in ${this.registry.root}, and no --master was given`), {
      code: 'NO_CLUSTER',
      suggestions: ['start one with: mesoscloud launch', 'or point at a running master with --master host:port'],
    });
  }
}
