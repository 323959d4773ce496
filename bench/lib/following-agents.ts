/**
 * Emulated agents that follow the leading master through ZooKeeper, as real agents given
 * `--master zk://...` do: when their stream to the leader drops, they find the next leader and
 * re-register under the same id with the same running tasks. Used to time failovers at 1k and 10k
 * agents. They run in child processes (see emulated-agents.ts for why); each child shares one
 * ZooKeeper detector among its agents.
 *
 * Reconnection follows the real agent's MasterConnection (cluster/agent/master-connection.ts): a
 * dropped stream is retried after a jittered exponential backoff (100 ms doubling up to 5 s); a
 * change of leader resets the backoff and registers after one jittered delay; a refusal (503 from
 * a master still taking over) backs off further. What is emulated away is only the agent's own
 * work: each agent's REGISTER body is encoded once, since its tasks do not change.
 */
import * as http from 'node:http';
import { Backoff } from '../../cluster/agent/backoff';
import { createDetector, leaderBaseUrl, type MasterDetector } from '../../cluster/election';
import { Child, runChild, sendToParent, untilParentSays } from './child';
import { forkEmulators, openAgentStream, registerCall, REGISTRATIONS_IN_FLIGHT } from './emulated-agents';
import { benchAgent, benchScheme } from './secure';

/** One emulated agent's connection to whoever leads, reconnecting as MasterConnection does. */
class FollowingAgent {
  private base?: string;
  private streaming = false;
  private retryTimer?: NodeJS.Timeout;
  private readonly backoff = new Backoff({ initialMs: 100, maxMs: 5000 });
  private readonly body: string;
  registrations = 0;

  constructor(index: number, tasksPerAgent: number, private readonly calls: http.Agent, private readonly onRegistered: (agent: FollowingAgent) => void) {
    this.body = JSON.stringify(registerCall(index, { tasksPerAgent }));
  }

  /** A new leader (or none): leave the old one and register with the new one. */
  follow(base: string | undefined): void {
    if (base === this.base && (!base || this.streaming || this.retryTimer)) return;
    this.base = base;
    this.backoff.reset();
    // A stream to the old leader is gone or about to be: its end schedules the next attempt.
    if (!this.streaming) this.scheduleReconnect();
  }

  private connect(): void {
    this.retryTimer = undefined;
    if (!this.base) return;
    this.streaming = true;
    openAgentStream(this.base, this.body, this.calls, () => {
      this.streaming = false;
      this.scheduleReconnect();
    }).then(() => {
      this.backoff.reset();
      this.registrations++;
      this.onRegistered(this);
    }, () => undefined);
  }

  private scheduleReconnect(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), this.backoff.next());
  }

  /** First registration: at once, without the reconnection delay. */
  start(base: string): void {
    if (this.streaming || this.retryTimer) return;
    this.base = base;
    this.connect();
  }
}

/** Child side: registers its agents with the leader, then each one follows leader changes. */
async function runFollowingAgents(zk: string, count: number, offset: number, tasksPerAgent: number): Promise<void> {
  const detector: MasterDetector = createDetector(zk);
  const calls = benchAgent({ keepAlive: true, maxSockets: 32 });
  let reregistered = 0;
  const waiting = new Map<FollowingAgent, () => void>();
  const onRegistered = (agent: FollowingAgent) => {
    waiting.get(agent)?.();
    if (agent.registrations !== 2) return;
    if (++reregistered === count) sendToParent({ type: 'reregistered', count });
  };
  const agents = Array.from({ length: count }, (_, i) => new FollowingAgent(offset + i, tasksPerAgent, calls, onRegistered));
  const leader = leaderBaseUrl(await detector.awaitLeader(60_000), benchScheme());
  detector.onChange((info) => {
    const base = info ? leaderBaseUrl(info, benchScheme()) : undefined;
    for (const agent of agents) agent.follow(base);
  });

  await untilParentSays('go');
  let next = 0;
  await Promise.all(Array.from({ length: REGISTRATIONS_IN_FLIGHT }, async () => {
    while (next < count) {
      const agent = agents[next++];
      await new Promise<void>((resolve) => {
        waiting.set(agent, resolve);
        agent.start(detector.leader ? leaderBaseUrl(detector.leader, benchScheme()) : leader);
      });
      waiting.delete(agent);
    }
  }));
  sendToParent({ type: 'registered', count });
}

export interface FollowingAgents {
  children: Child[];
  /** Resolves when every agent re-registered after its stream dropped once. */
  reregistered(): Promise<void>;
  stop(): void;
}

/** Parent side: forks the children, registers `count` agents with `tasksPerAgent` tasks each, waits for all. */
export async function startFollowingAgents(zk: string, count: number, tasksPerAgent: number): Promise<FollowingAgents> {
  const { children } = await forkEmulators(__filename, 'following-agents', zk, count, 0, tasksPerAgent);
  const reregistered = Promise.all(children.map((c) => c.next((m) => m.type === 'reregistered')));
  return { children, reregistered: () => reregistered.then(() => undefined), stop: () => { for (const child of children) child.stop() } };
}

if (require.main === module && process.argv[2] === 'following-agents') {
  const [, , , zk, count, offset, tasksPerAgent] = process.argv;
  // Its ZooKeeper session and reconnect timers would keep it alive after the parent died.
  process.on('disconnect', () => process.exit(0));
  runChild(runFollowingAgents(zk, Number(count), Number(offset), Number(tasksPerAgent)));
}
