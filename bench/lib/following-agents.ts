/**
 * Emulated agents that follow the leading master through ZooKeeper, as real agents given
 * `--master zk://...` do: when their stream to the leader drops, they find the next leader and
 * re-register under the same id with the same running tasks. Used to time failovers at 1k and 10k
 * agents. They run in child processes (see emulated-agents.ts for why); each child shares one
 * ZooKeeper detector among its agents.
 */
import * as http from 'node:http';
import { performance } from 'node:perf_hooks';
import { locateMaster } from '../../cluster/client/leader';
import { AGENT_CHANNEL_PATH } from '../../cluster/protocol/agent-channel';
import { RecordIODecoder } from '../../cluster/protocol/recordio';
import { Child, runChild, sendToParent, untilParentSays } from './child';
import { registerCall } from './emulated-agents';

const AGENTS_PER_PROCESS = 2500;
const REGISTRATIONS_IN_FLIGHT = 64;

type ChannelEvent = { type: string; registered?: { agent_id: { value: string } } };

/**
 * Opens an agent's REGISTER stream; `onEnd` fires once when it ends for any reason. Resolves at
 * REGISTERED, rejects if the master refuses or the connection fails first.
 */
export function openAgentStream(masterUrl: string, body: unknown, calls: http.Agent, onEnd: () => void): Promise<void> {
  const url = `${masterUrl}${AGENT_CHANNEL_PATH}`;
  return new Promise<void>((resolve, reject) => {
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      onEnd();
    };
    const req = http.request(url, { method: 'POST', agent: false, headers: { 'Content-Type': 'application/json' } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`REGISTER answered ${res.statusCode}`));
        return;
      }
      const streamId = String(res.headers['mesos-stream-id']);
      const decoder = new RecordIODecoder();
      let agentId = '';
      res.on('data', (chunk: Buffer) => {
        for (const event of decoder.push(chunk) as ChannelEvent[]) {
          if (event.type === 'REGISTERED') {
            agentId = event.registered!.agent_id.value;
            resolve();
          } else if (event.type === 'PING') {
            const pong = http.request(url, { method: 'POST', agent: calls, headers: { 'Content-Type': 'application/json', 'Mesos-Stream-Id': streamId } }, (r) => r.resume());
            pong.on('error', () => undefined);
            pong.end(JSON.stringify({ type: 'PONG', agent_id: { value: agentId } }));
          }
        }
      });
      res.on('close', end);
      res.on('error', end);
    });
    req.on('error', (err) => {
      reject(err);
      end();
    });
    req.end(JSON.stringify(body));
  });
}

/** Child side: registers its agents with the leader, then re-registers each one whenever its stream drops. */
async function runFollowingAgents(zk: string, count: number, offset: number, tasksPerAgent: number): Promise<void> {
  const locator = locateMaster(zk);
  const calls = new http.Agent({ keepAlive: true, maxSockets: 32 });
  // One lookup per dead leader, shared by every agent of this process.
  const nextLeader = new Map<string, Promise<string>>();
  const leaderAfter = (dead: string | undefined): Promise<string> => {
    const key = dead ?? '';
    let found = nextLeader.get(key);
    if (!found) {
      found = (async () => {
        for (;;) {
          const url = await locator.leaderUrl(60_000);
          if (url !== dead) return url;
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      nextLeader.set(key, found);
    }
    return found;
  };

  let registered = 0;
  let dropped = 0;
  let reregistered = 0;
  let failoverStart = 0;
  const connect = async (index: number, dead?: string): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      const leader = await leaderAfter(dead);
      try {
        await openAgentStream(leader, registerCall(index, { tasksPerAgent }), calls, () => {
          dropped++;
          if (dropped === 1) failoverStart = performance.now();
          void connect(index, leader).then(() => {
            reregistered++;
            if (reregistered === count) sendToParent({ type: 'reregistered', count, data: { ms: performance.now() - failoverStart } });
          });
        });
        return;
      } catch {
        // A master still taking over answers 503: try again shortly.
        await new Promise((r) => setTimeout(r, Math.min(50 * (attempt + 1), 500)));
      }
    }
  };

  await untilParentSays('go');
  let next = 0;
  await Promise.all(Array.from({ length: REGISTRATIONS_IN_FLIGHT }, async () => {
    while (next < count) {
      await connect(offset + next++);
      registered++;
    }
  }));
  sendToParent({ type: 'registered', count: registered });
}

export interface FollowingAgents {
  children: Child[];
  /** Resolves when every agent re-registered after its stream dropped once. */
  reregistered(): Promise<void>;
  stop(): void;
}

/** Parent side: forks the children, registers `count` agents with `tasksPerAgent` tasks each, waits for all. */
export async function startFollowingAgents(zk: string, count: number, tasksPerAgent: number): Promise<FollowingAgents> {
  const children: Child[] = [];
  const stop = () => { for (const child of children) child.stop() };
  try {
    for (let start = 0; start < count; start += AGENTS_PER_PROCESS) {
      children.push(new Child(__filename, ['following-agents', zk, String(Math.min(AGENTS_PER_PROCESS, count - start)), String(start), String(tasksPerAgent)]));
    }
    await Promise.all(children.map((c) => c.ready));
    const registered = Promise.all(children.map((c) => c.next((m) => m.type === 'registered')));
    for (const child of children) child.go();
    await registered;
    const reregistered = Promise.all(children.map((c) => c.next((m) => m.type === 'reregistered')));
    return { children, reregistered: () => reregistered.then(() => undefined), stop };
  } catch (err) {
    stop();
    throw err;
  }
}

if (require.main === module && process.argv[2] === 'following-agents') {
  const [, , , zk, count, offset, tasksPerAgent] = process.argv;
  runChild(runFollowingAgents(zk, Number(count), Number(offset), Number(tasksPerAgent)));
}
