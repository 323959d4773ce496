/**
 * A master, one agent (no cgroups, tasks as this user) and a scheduler client, all in this process,
 * for the benchmarks that time what an agent does; `close` tears the framework down and removes the
 * agent's work dir.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createAgent, type Agent } from '../../cluster/agent';
import { SchedulerClient } from '../../cluster/client/scheduler';
import { createMaster, type Master } from '../../cluster/master';
import { silentLogger } from '../../cluster/util/log';

export interface InProcessCluster {
  master: Master;
  agent: Agent;
  client: SchedulerClient;
  workDir: string;
  close(): Promise<void>;
}

export async function inProcessCluster(name: string, resources: string, frameworkInfo: { checkpoint?: boolean } = {}): Promise<InProcessCluster> {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), `mesoscloud-bench-${name}-`));
  const master = createMaster({ ip: '127.0.0.1', port: 0, logger: silentLogger });
  await master.listen();
  const agent = createAgent({
    ip: '127.0.0.1', port: 0, master: master.url, workDir, resources, cgroups: 'none',
    switchUser: false, allowRootTasks: true, killGracePeriodSeconds: 1, statusUpdateRetrySeconds: 1, masterPingTimeoutSeconds: 10, logger: silentLogger,
  });
  const client = new SchedulerClient({ master: master.url, frameworkInfo: { user: os.userInfo().username, name: `bench-${name}`, ...frameworkInfo } });
  const close = async () => {
    await client.teardown().catch(() => undefined);
    client.close();
    await agent.close({ killTasks: true });
    await master.close();
    fs.rmSync(workDir, { recursive: true, force: true });
  };
  try {
    await agent.start();
    await agent.whenRegistered();
  } catch (err) {
    await close();
    throw err;
  }
  return { master, agent, client, workDir, close };
}
