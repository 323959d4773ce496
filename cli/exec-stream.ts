/**
 * `exec --stream`: finds the agent running the task through the operator API and copies the task's
 * stdout/stderr to ours by polling the agent's /files/read until told to stop.
 */
import { agentBaseUrl } from '../cluster/client/address';
import { AgentFilesClient, SandboxFollower } from '../cluster/client/agent-files';
import { OperatorClient } from '../cluster/client/operator';
import type { ClusterAccess } from '../cluster/client/http';

const POLL_MS = 200;

/** `access`: the cluster's CA and the credential, for the master and the agent (a secure cluster's agents take the same credentials). */
export function followSandbox(master: string, task: { frameworkId: string; taskId: string; agentId: string }, access: ClusterAccess = {}): { stop(): Promise<void> } {
  let stopped = false;
  let files: AgentFilesClient | undefined;
  let follower: SandboxFollower | undefined;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();

  const locate = async (): Promise<void> => {
    const operator = new OperatorClient(master, { timeoutMs: 5000, ...access });
    try {
      const { agents } = await operator.getAgents();
      const agent = agents.find((a) => a.agent_info.id?.value === task.agentId);
      const url = agent && agentBaseUrl(agent.pid, agent.agent_info.hostname, agent.agent_info.port, access.tls ? 'https' : 'http');
      if (!url) return;
      files = new AgentFilesClient(url, access);
      follower = new SandboxFollower(files, task.frameworkId, task.taskId, {
        stdout: (text) => process.stdout.write(text),
        stderr: (text) => process.stderr.write(text),
      });
    } catch {
      // Retried on the next tick.
    } finally {
      operator.close();
    }
  };

  const tick = async (): Promise<void> => {
    if (!follower) await locate();
    await follower?.poll();
  };

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      inFlight = tick().finally(schedule);
    }, POLL_MS);
  };
  inFlight = tick().finally(schedule);

  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      if (timer) clearTimeout(timer);
      await inFlight;
      // One last read: the task may have written its final lines just before it ended.
      await tick();
      files?.close();
    },
  };
}
