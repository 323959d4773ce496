/**
 * A whole cluster in one process for integration tests: a master on an ephemeral port and N agents,
 * each with its own temporary work_dir and explicit resources. `close()` stops everything (agents kill
 * their tasks) and removes the temporary directories.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createAgent, type Agent, type AgentOptions } from '../../cluster/agent';
import { createMaster, type Master, type MasterOptions } from '../../cluster/master';
import { silentLogger } from '../../cluster/util/log';

const DEFAULT_AGENT_RESOURCES = 'cpus:2;mem:1024;disk:1024;ports:[31000-31099]';

export interface ClusterOptions {
  agents?: number;
  /** One text for all agents, or one per agent. */
  agentResources?: string | string[];
  master?: Partial<MasterOptions>;
  agent?: Partial<AgentOptions>;
}

export interface TestCluster {
  master: Master;
  agents: Agent[];
  url: string;
  addAgent(overrides?: Partial<AgentOptions>): Promise<Agent>;
  /** Stops one agent; with killTasks false its tasks keep running and it does not unregister. */
  stopAgent(agent: Agent, killTasks: boolean): Promise<void>;
  close(): Promise<void>;
}

export async function startCluster(opts: ClusterOptions = {}): Promise<TestCluster> {
  const master = createMaster({ ip: '127.0.0.1', port: 0, logger: silentLogger, ...opts.master });
  await master.listen();
  const agents: Agent[] = [];
  const workDirs: string[] = [];
  const stopped = new Set<Agent>();

  const addAgent = async (overrides: Partial<AgentOptions> = {}): Promise<Agent> => {
    const index = agents.length;
    const resources = Array.isArray(opts.agentResources) ? opts.agentResources[index] : opts.agentResources;
    const workDir = overrides.workDir ?? fs.mkdtempSync(path.join(os.tmpdir(), `mesoscloud-agent-${index}-`));
    if (!overrides.workDir) workDirs.push(workDir);
    const agent = createAgent({
      ip: '127.0.0.1',
      port: 0,
      master: master.url,
      workDir,
      resources: resources ?? DEFAULT_AGENT_RESOURCES,
      cgroups: 'none',
      // The suites' frameworks name made-up users and root: their tasks run as the agent's user,
      // explicitly allowed to be root (see task-users.ts); the suite about users sets its own policy.
      switchUser: false,
      allowRootTasks: true,
      killGracePeriodSeconds: 1,
      statusUpdateRetrySeconds: 1,
      masterPingTimeoutSeconds: 10,
      logger: silentLogger,
      ...opts.agent,
      ...overrides,
    });
    agents.push(agent);
    await agent.start();
    await agent.whenRegistered();
    return agent;
  };

  const stopAgent = async (agent: Agent, killTasks: boolean): Promise<void> => {
    if (stopped.has(agent)) return;
    stopped.add(agent);
    await agent.close({ killTasks });
  };

  try {
    for (let i = 0; i < (opts.agents ?? 1); i++) await addAgent();
  } catch (err) {
    await Promise.allSettled(agents.map((a) => a.close({ killTasks: true })));
    await master.close();
    throw err;
  }

  return {
    master,
    agents,
    url: master.url,
    addAgent,
    stopAgent,
    async close() {
      await Promise.allSettled(agents.filter((a) => !stopped.has(a)).map((a) => stopAgent(a, true)));
      await master.close();
      for (const dir of workDirs) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
