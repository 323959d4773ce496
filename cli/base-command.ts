/**
 * What every command shares: `--cluster` (flag, then MESOSCLOUD_CLUSTER, then 'local'), `--json`,
 * the cluster catalog under oclif's data dir, finding the master, and the one place where errors
 * become output. Commands import their libraries inside run() so `--help` and quick commands start fast.
 *
 * Exit codes are the same for every command; see EXIT in ./errors.
 */
import { Command, Flags, type Interfaces } from '@oclif/core';
import { ClusterCatalog } from '../infra/cluster-catalog';
import type { Credential } from '../cluster/client/credential';
import { normalizeSwitches, type SwitchSpec } from './argv';
import { UsageError } from '../daemon/usage-error';
import { errorJson, toCliError, type ErrorContext } from './errors';
import { parseHints, type ParseErrorContext } from './parse-errors';
import { clusterNameValue, integerValue, masterValue } from './flag-values';

export type FlagsOf<T extends typeof Command> = Interfaces.InferredFlags<T['baseFlags'] & T['flags']>;
export type ArgsOf<T extends typeof Command> = Interfaces.InferredArgs<T['args']>;

export const CLUSTER_ENV = 'MESOSCLOUD_CLUSTER';
export const MASTER_ENV = 'MESOSCLOUD_MASTER';
export const DEFAULT_CLUSTER = 'local';

// oclif hands a flag's parse function the command-line token; a value taken from the environment has none.
type ParseContext = { token?: unknown };

export const clusterFlag = Flags.custom<string>({
  description: 'name of a cluster recorded on this machine',
  env: CLUSTER_ENV,
  default: DEFAULT_CLUSTER,
  helpGroup: 'GLOBAL',
  parse: async (input, ctx: ParseContext) => clusterNameValue('cluster', input, ctx.token ? undefined : CLUSTER_ENV),
});

export const masterFlag = Flags.custom<string>({
  description: "master to talk to, as host:port, http://host:port or zk://host:2181,.../mesos (default: the cluster's master from the catalog)",
  env: MASTER_ENV,
  parse: async (input, ctx: ParseContext) => masterValue('master', input, ctx.token ? undefined : MASTER_ENV),
});

/** A whole-number flag whose errors name the flag, the value and the allowed range. */
export function integerFlag(opts: { description: string; min: number; max: number; default?: number }) {
  return Flags.custom<number>({
    description: opts.description,
    default: opts.default,
    parse: async (input, _ctx, flag) => integerValue(flag.name, input, opts.min, opts.max),
  })();
}

type FlagDefinitions = Record<string, { type: string; allowNo?: boolean; aliases?: string[] }>;

/** Parses flags in init() (so run() finds them in this.flags) and turns every failure into output. */
export abstract class ParsedCommand<T extends typeof Command> extends Command {
  protected flags!: FlagsOf<T>;
  protected args!: ArgsOf<T>;
  /** Flags the operator gave (on the command line or through the environment), not defaulted. */
  protected given = new Set<string>();
  /** Every positional argument, also those beyond `args` when the command is not strict. */
  protected positionals: string[] = [];
  /** Filled in once the master's address is known, for hints when it does not answer. */
  protected masterSource?: ErrorContext['master'];
  /** Where the cluster resolveMasterAddress found in the catalog runs; undefined for a --master given by hand. */
  protected catalogProvider?: 'local' | 'ssh' | 'aws';

  async init(): Promise<void> {
    await super.init();
    await this.parseCommandLine();
  }

  protected async parseCommandLine(): Promise<void> {
    const ctor = this.ctor;
    const argv = normalizeSwitches(this.argv, switchSpellings(this.flagDefinitions()));
    const { args, argv: positionals, flags, metadata } = await this.parse({
      flags: ctor.flags,
      baseFlags: ctor.baseFlags,
      enableJsonFlag: ctor.enableJsonFlag,
      args: ctor.args,
      strict: ctor.strict,
    }, argv);
    this.flags = flags as FlagsOf<T>;
    this.args = args as ArgsOf<T>;
    this.positionals = (positionals as unknown[]).map(String);
    // oclif's metadata lists only the flags that took their default.
    for (const name of Object.keys(flags)) if (!metadata.flags[name]?.setFromDefault) this.given.add(name);
  }

  private flagDefinitions(): FlagDefinitions {
    const ctor = this.ctor;
    return { ...(ctor.enableJsonFlag ? { json: { type: 'boolean' } } : {}), ...ctor.baseFlags, ...ctor.flags } as FlagDefinitions;
  }

  protected async catch(err: Error & { exitCode?: number }): Promise<unknown> {
    const parse = this.parseContext();
    const cliError = toCliError(err instanceof UsageError ? withParseHints(err, parse) : err, {
      cluster: (this.flags as { cluster?: string } | undefined)?.cluster,
      master: this.masterSource,
      parse,
    });
    // oclif's JSON path reads the exit code from process.exitCode, not from the error.
    if (typeof cliError.oclif?.exit === 'number') process.exitCode = cliError.oclif.exit;
    return super.catch(cliError);
  }

  private parseContext(): ParseErrorContext {
    const defs = this.flagDefinitions();
    return {
      command: `${this.config.bin} ${this.id ?? ''}`.trim(),
      flags: Object.keys(defs),
      aliases: Object.values(defs).flatMap((d) => d.aliases ?? []),
      args: Object.keys(this.ctor.args ?? {}),
    };
  }

  protected toErrorJson(err: unknown): unknown {
    return errorJson(toCliError(err));
  }
}

function switchSpellings(defs: FlagDefinitions): Map<string, SwitchSpec> {
  const map = new Map<string, SwitchSpec>();
  for (const [name, def] of Object.entries(defs)) {
    if (def.type !== 'boolean') continue;
    const spec = { name, allowNo: def.allowNo === true };
    for (const spelling of [name, ...(def.aliases ?? [])]) map.set(spelling, spec);
  }
  return map;
}

/** A daemon's command-line mistake with the hints the CLI gives for the same mistake caught by oclif. */
function withParseHints(err: UsageError, ctx: ParseErrorContext): UsageError & { suggestions: string[] } {
  return Object.assign(err, { suggestions: parseHints(err.code, ctx, err.unknown ? [err.unknown] : []) });
}

/**
 * Daemons: Mesos's flag names only, no --cluster or --json. `flags` (from the daemon's options table)
 * are there for --help: the command line goes to the daemon's own parser and start-up, the code the
 * daemon bundle runs (daemon/main.ts), so both read it alike.
 */
export abstract class DaemonCommand<T extends typeof Command> extends ParsedCommand<T> {
  protected async parseCommandLine(): Promise<void> {}

  async run(): Promise<void> {
    const { runDaemonCommand } = await import('../daemon/main');
    await runDaemonCommand(this.id as 'master' | 'agent', this.argv, `${this.config.bin} ${this.id}`);
  }
}

/** Operator commands: --cluster, --json, the catalog and the master. */
export abstract class BaseCommand<T extends typeof Command> extends ParsedCommand<T> {
  static baseFlags = { cluster: clusterFlag() };
  static enableJsonFlag = true;

  private catalogValue?: ClusterCatalog;
  private credentialValue?: Promise<Credential | undefined>;
  /** The catalog's credential file of the cluster whose master resolveMasterAddress found there. */
  private catalogCredential?: string;

  protected get catalog(): ClusterCatalog {
    this.catalogValue ??= new ClusterCatalog(this.config.dataDir);
    return this.catalogValue;
  }

  protected get clusterName(): string {
    return (this.flags as { cluster?: string }).cluster ?? DEFAULT_CLUSTER;
  }

  /** `--cluster <name>` when the cluster is not the default one, for commands shown to the operator. */
  protected get clusterArg(): string {
    return this.clusterName === DEFAULT_CLUSTER ? '' : ` --cluster ${this.clusterName}`;
  }

  /** Per-host progress on stderr: live lines on a terminal, plain lines elsewhere, nothing with --json. */
  protected async hostProgress(): Promise<import('../infra/bootstrap/progress').HostProgress> {
    const { createProgress } = await import('../infra/bootstrap/progress');
    return createProgress(process.stderr, { silent: this.jsonEnabled() });
  }

  /**
   * The leading master's base URL: --master when given, else the registered cluster's. A zk://
   * address (flag or catalog) is looked up in ZooKeeper now.
   */
  protected async resolveMaster(flag: string | undefined): Promise<string> {
    const address = await this.resolveMasterAddress(flag);
    const { locateMaster } = await import('../cluster/client/leader');
    const locator = locateMaster(address, { tls: this.clusterTls, credential: await this.credential() });
    try {
      return await locator.leaderUrl();
    } finally {
      await locator.close();
    }
  }

  /**
   * The cluster's CA (and the operator's certificate) once resolveMasterAddress found a cluster that
   * uses TLS: every client a command builds takes it, so every command verifies the daemons.
   */
  protected clusterTls?: import('../cluster/client/tls').ClientTls;

  private async useClusterTls(files: import('../cluster/client/tls').ClientTlsFiles | undefined): Promise<void> {
    if (!files) return;
    const { readClientTls } = await import('../cluster/client/tls');
    this.clusterTls = readClientTls(files);
  }

  /**
   * What the command authenticates with (cli/credentials.ts); call it after resolveMasterAddress,
   * which decides whether the catalog's credential applies.
   */
  protected credential(): Promise<Credential | undefined> {
    const flags = this.flags as { principal?: string; secret?: string; 'secret-file'?: string };
    this.credentialValue ??= import('./credentials').then(({ resolveCredential }) => resolveCredential({
      principal: flags.principal, secret: flags.secret, secretFile: flags['secret-file'], catalogFile: this.catalogCredential,
    }));
    return this.credentialValue;
  }

  /** --master when given, else the registered cluster's master; zk:// addresses stay as they are (to be followed). */
  protected async resolveMasterAddress(flag: string | undefined): Promise<string> {
    const { parseMasterAddress } = await import('../cluster/client/address');
    const { isZooKeeperUrl } = await import('../cluster/election/zookeeper-url');
    if (flag) {
      this.masterSource = { source: 'flag' };
      // An https:// master is verified against the CA of the cluster named by --cluster, when it has one.
      if (/^https:\/\//i.test(flag)) await this.useClusterTls(this.catalog.read(this.clusterName)?.tls);
      return isZooKeeperUrl(flag) ? flag : parseMasterAddress(flag).baseUrl;
    }
    const record = this.catalog.read(this.clusterName);
    if (record) {
      this.masterSource = { source: 'catalog', logPath: record.provider === 'local' ? record.master.logPath : undefined };
      await this.useClusterTls(record.tls);
      this.catalogCredential = record.operatorCredential;
      this.catalogProvider = record.provider;
      return record.zk ?? record.masterUrl;
    }
    const known = this.catalog.list();
    throw Object.assign(new Error(`no cluster named '${this.clusterName}' is recorded in ${this.catalog.root}, and no --master was given`), {
      code: 'NO_CLUSTER',
      suggestions: [
        ...(known.length > 0 ? [`known clusters: ${known.join(', ')}; pick one with --cluster <name> (or ${CLUSTER_ENV})`] : []),
        `start one with: mesoscloud launch${this.clusterArg}`,
        'or point at a running master with --master host:port',
      ],
    });
  }
}
