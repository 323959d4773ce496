/** Writing events on the long-lived streams of frameworks and agents; a peer without a stream gets nothing. */
import type { AgentEvent } from '../protocol/agent-channel';
import type { SchedulerEvent } from '../protocol/types';
import type { AgentRecord, FrameworkRecord } from './registry';

export function sendToFramework(framework: FrameworkRecord, event: SchedulerEvent): boolean {
  return framework.stream !== undefined && framework.stream.write(event);
}

export function sendToAgent(agent: AgentRecord, event: AgentEvent): boolean {
  return agent.connection === 'connected' && agent.stream !== undefined && agent.stream.write(event);
}
