/** Writing events on the long-lived streams of frameworks and agents; a peer without a stream gets nothing. */
import type * as http from 'node:http';
import type { AgentEvent } from '../../protocol/agent-channel';
import type { SchedulerEvent } from '../../protocol/types';
import type { AgentRecord, FrameworkRecord } from './records';

export function sendToFramework(framework: FrameworkRecord, event: SchedulerEvent): boolean {
  return framework.stream !== undefined && framework.stream.write(event);
}

export function sendToAgent(agent: AgentRecord, event: AgentEvent): boolean {
  return agent.connection === 'connected' && agent.stream !== undefined && agent.stream.write(event);
}

/**
 * Runs `open` (which starts a stream and writes its first events) with the socket corked, so the
 * headers and those events leave in one write: at thousands of agents registering at once, a
 * system call saved per registration shows.
 */
export function openCorked<T>(res: http.ServerResponse, open: () => T): T {
  const socket = res.socket;
  socket?.cork();
  try {
    return open();
  } finally {
    socket?.uncork();
  }
}
