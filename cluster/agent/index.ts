/**
 * The agent daemon's public entry points: `createAgent` builds one (tests run it in process),
 * `runAgentDaemon` runs one as a process with Mesos's signal semantics.
 */
import type { Logger } from '../util/log';
import { createLogger } from '../util/log';
import type { Agent } from './agent';
import { AgentDaemon } from './agent';
import type { AgentOptions } from './options';

export type { Agent } from './agent';
export { AGENT_VERSION } from './agent';
export type { AgentOptions } from './options';
export { AGENT_DEFAULTS } from './options';

/** Builds an agent; throws with the offending flag named when the options are invalid. */
export function createAgent(opts: AgentOptions): Agent {
  return new AgentDaemon(opts);
}

/**
 * Starts an agent and ties it to the process's signals:
 *   SIGUSR1          kill every task (reporting their end if the master is reachable), unregister, exit 0
 *   SIGTERM, SIGINT  exit and leave the tasks running; they live in their own sessions and outlive the agent
 */
export async function runAgentDaemon(opts: AgentOptions): Promise<Agent> {
  const log: Logger = opts.logger ?? createLogger('agent');
  const agent = createAgent({ ...opts, logger: log });
  await agent.start();
  let stopping = false;
  const stop = (signal: NodeJS.Signals, killTasks: boolean) => {
    if (stopping) return;
    stopping = true;
    log.info(killTasks ? 'killing tasks and unregistering' : 'stopping; tasks keep running', { signal });
    // A stuck shutdown must not keep the process alive forever.
    setTimeout(() => process.exit(killTasks ? 1 : 0), 30_000).unref();
    agent.close({ killTasks }).then(
      () => process.exit(0),
      (err: Error) => {
        log.error('shutdown failed', { error: err.message });
        process.exit(1);
      },
    );
  };
  process.on('SIGUSR1', () => stop('SIGUSR1', true));
  process.on('SIGTERM', () => stop('SIGTERM', false));
  process.on('SIGINT', () => stop('SIGINT', false));
  return agent;
}
