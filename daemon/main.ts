/**
 * The daemon bundle's subcommands (`node mesoscloud-daemon.js <sub> ...`):
 *   master <flags> | agent <flags>   the daemons, with the flags of `mesoscloud master|agent`
 *   zookeeper --config <zoo.cfg>      a ZooKeeper server in the foreground
 *   service <file.json>               the daemon a service definition describes, in this process
 *   supervise <file.json>             restarts that service when it crashes (hosts without systemd)
 *   probe --http|--zk|--tcp ...       waits until a service is healthy
 *   version                           {"version":...,"node":...}
 * A wrong command line prints one line naming what was wrong and what is allowed, and exits 2.
 * Each subcommand loads what it uses when it runs: a supervisor (one per local daemon) then loads
 * neither the flag tables nor the daemons, which halves its start-up CPU and memory.
 */
import type { FlagTable, FlagValues } from '../cluster/flags/table';
import { UsageError } from './usage-error';

export const PROGRAM = 'mesoscloud-daemon';

/** An exit code for commands that finish; undefined for daemons, which keep the process running. */
type Outcome = number | undefined;

interface Subcommand {
  summary: string;
  run(args: string[], command: string): Promise<Outcome>;
}

const SUBCOMMANDS: Record<string, Subcommand> = {
  master: {
    summary: 'run a master daemon in the foreground (flags of `mesoscloud master`)',
    run: async (args, command) => {
      const [{ MASTER_FLAGS, MASTER_OPTIONS }, { optionsFromFlags }] = await Promise.all([import('../cluster/master/options'), import('../cluster/flags/table')]);
      return withFlags(command, 'Run a master daemon in the foreground.', MASTER_FLAGS, args, async (f) => {
        const { runMasterDaemon } = await import('../cluster/master/index');
        await runMasterDaemon(optionsFromFlags(MASTER_OPTIONS, f));
      });
    },
  },
  agent: {
    summary: 'run an agent daemon in the foreground (flags of `mesoscloud agent`)',
    run: async (args, command) => {
      const [{ AGENT_FLAGS, AGENT_OPTIONS, resolveAgentOptions }, { optionsFromFlags }] = await Promise.all([import('../cluster/agent/options'), import('../cluster/flags/table')]);
      return withFlags(command, 'Run an agent daemon in the foreground.', AGENT_FLAGS, args, async (f) => {
        const { runAgentDaemon } = await import('../cluster/agent/index');
        await runAgentDaemon(resolveAgentOptions(optionsFromFlags(AGENT_OPTIONS, f)));
      });
    },
  },
  zookeeper: {
    summary: 'run a ZooKeeper server from a zoo.cfg in the foreground',
    run: async (args, command) => {
      const { runZooKeeper, ZOOKEEPER_FLAGS } = await import('./zookeeper');
      return withFlags(command, 'Run a ZooKeeper server in the foreground.', ZOOKEEPER_FLAGS, args, async (f) => runZooKeeper(f.config));
    },
  },
  service: {
    summary: 'run the daemon a service definition file describes, writing its pid file',
    run: async (args, command) => {
      const file = onePath(command, args);
      if (file === undefined) return 0;
      const { startService } = await import('./service');
      await startService(file, (daemonArgs) => runDaemon(daemonArgs));
      return undefined;
    },
  },
  supervise: {
    summary: 'run a service and restart it when it crashes (for hosts without systemd)',
    run: async (args, command) => {
      const file = onePath(command, args);
      if (file === undefined) return 0;
      const { Supervisor } = await import('./supervisor');
      new Supervisor(file).run();
      return undefined;
    },
  },
  probe: {
    summary: 'wait until a service is healthy (--http URL | --zk host:port | --tcp host:port) [--timeout 30secs]',
    run: async (args, command) => {
      const [{ describeTarget, probe, PROBE_FLAGS, probeTarget }, { parseFlags }] = await Promise.all([import('./probe'), import('./argv')]);
      if (wantsHelp(args)) return help(command, 'Wait until a service is healthy; exit 0 when it is, 1 when it was not within --timeout.', PROBE_FLAGS);
      const flags = parseFlags(command, PROBE_FLAGS, args);
      const target = probeTarget(flags);
      const reason = await probe(target, flags.timeout);
      if (reason === undefined) {
        process.stdout.write(`${describeTarget(target)} is healthy\n`);
        return 0;
      }
      process.stderr.write(`${command}: ${describeTarget(target)} was not healthy within ${flags.timeout / 1000}s: ${reason}\n`);
      return 1;
    },
  },
  version: {
    summary: 'print the bundle\'s version and Node\'s as JSON',
    run: async (args, command) => {
      if (args.length > 0) throw new UsageError(`${command} takes no arguments, got ${args.map((a) => `'${a}'`).join(', ')}`);
      const { versionJson } = await import('./version');
      process.stdout.write(versionJson() + '\n');
      return 0;
    },
  },
};

const DAEMONS = ['master', 'agent', 'zookeeper'];

export async function main(argv: string[]): Promise<Outcome> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const text = `usage: ${PROGRAM} <subcommand> ...\n\n` + Object.entries(SUBCOMMANDS).map(([n, s]) => `  ${n.padEnd(10)} ${s.summary}`).join('\n') + '\n';
    if (name === undefined) {
      process.stderr.write(text);
      throw new UsageError(`${PROGRAM} needs a subcommand: ${Object.keys(SUBCOMMANDS).join(', ')}`);
    }
    process.stdout.write(text);
    return 0;
  }
  const sub = Object.prototype.hasOwnProperty.call(SUBCOMMANDS, name) ? SUBCOMMANDS[name] : undefined;
  if (!sub) throw new UsageError(`'${name}' is not a ${PROGRAM} subcommand; the subcommands are ${Object.keys(SUBCOMMANDS).join(', ')}`);
  return sub.run(args, `${PROGRAM} ${name}`);
}

/**
 * `master` or `agent` with its command line, as `mesoscloud master|agent` runs it: the bundle's own
 * parser and start-up, with `command` naming the command in messages.
 */
export function runDaemonCommand(name: 'master' | 'agent', args: string[], command = `${PROGRAM} ${name}`): Promise<Outcome> {
  return SUBCOMMANDS[name].run(args, command);
}

/** What a service definition's `args` may run: the daemons only. */
function runDaemon(args: string[]): Promise<void> {
  const [name, ...rest] = args;
  if (!DAEMONS.includes(name)) throw new UsageError(`a service runs one of ${DAEMONS.join(', ')}, got '${name}'`);
  return SUBCOMMANDS[name].run(rest, `${PROGRAM} ${name}`).then(() => undefined);
}

async function withFlags<T extends FlagTable>(
  command: string, summary: string, table: T, args: string[], run: (flags: FlagValues<T>) => Promise<void>,
): Promise<Outcome> {
  if (wantsHelp(args)) return help(command, summary, table);
  const { parseFlags } = await import('./argv');
  await run(parseFlags(command, table, args));
  return undefined;
}

function wantsHelp(args: string[]): boolean {
  return args.includes('--help') || args.includes('-h');
}

async function help(command: string, summary: string, table: FlagTable): Promise<number> {
  const { usageText } = await import('./argv');
  process.stdout.write(usageText(command, summary, table));
  return 0;
}

/** The one <file.json> argument of service and supervise; undefined after printing help. */
function onePath(command: string, args: string[]): string | undefined {
  if (wantsHelp(args)) {
    process.stdout.write(`usage: ${command} <file.json>\n`);
    return undefined;
  }
  if (args.length !== 1 || args[0].startsWith('-')) {
    throw new UsageError(`${command} takes one argument, the service definition file (e.g. /etc/mesoscloud/C/agent.json), got ${args.length === 0 ? 'none' : args.map((a) => `'${a}'`).join(' ')}`);
  }
  return args[0];
}

/** Runs main and turns its outcome into the process's exit: 2 for a wrong command line, 1 for a failure. */
export function runMain(argv: string[]): void {
  main(argv).then(
    (code) => {
      if (code !== undefined) process.exit(code);
    },
    (err: Error) => {
      const usage = err instanceof UsageError;
      const sub = argv[0] && Object.prototype.hasOwnProperty.call(SUBCOMMANDS, argv[0]) ? ` ${argv[0]}` : '';
      const message = err.message.startsWith(PROGRAM) ? err.message : `${PROGRAM}${sub}: ${err.message}`;
      process.stderr.write(`${message}\n`);
      process.exit(usage ? 2 : 1);
    },
  );
}
