/**
 * POST /api/v1/agent, the internal agent channel (protocol/agent-channel.ts). REGISTER answers with a
 * RecordIO stream and a Mesos-Stream-Id; the other calls must carry that stream id and are answered 202.
 */
import { randomUUID } from 'node:crypto';
import { RecordIOStream, type Handler, type HandlerResult, type Request } from '../../http/server';
import { AGENT_CHANNEL_PATH, type AgentCall } from '../../protocol/agent-channel';
import { apiError, quote } from '../../protocol/errors';
import { validateAgentCall } from '../../protocol/validate';
import { parseRegistration } from '../state/agents';
import type { MasterCore } from '../core';
import { openCorked, sendToFramework } from '../state/channels';
import { headerValue } from '../../http/v1-media';
import { SlicedQueue } from '../util/sliced-queue';

export { AGENT_CHANNEL_PATH };

export function agentApiHandler(core: MasterCore): Handler {
  // Registrations (thousands at once after a failover) are validated and handled in time-boxed slices.
  const registrations = new SlicedQueue();
  return (req) => {
    if (isRegister(req.body)) {
      // An agent that gave up while queued has nobody left to read its stream: skip it.
      return registrations.run(() => (req.res.destroyed ? undefined : handleCall(core, req)));
    }
    return handleCall(core, req);
  };
}

function isRegister(body: unknown): boolean {
  return typeof body === 'object' && body !== null && (body as { type?: unknown }).type === 'REGISTER';
}

function handleCall(core: MasterCore, req: Request): HandlerResult {
  const validated = validateAgentCall(req.body);
  if (!validated.ok) throw apiError('INVALID_AGENT_CALL', validated.message);
  const call = validated.call;
  const streamId = headerValue(req.headers, 'mesos-stream-id');

  if (call.type === 'REGISTER') {
    const parsed = parseRegistration(call.register);
    if (!parsed.ok) throw apiError('INVALID_AGENT_CALL', parsed.message);
    // As Mesos, an agent the operator marked gone may never come back under its id.
    const requestedId = call.register.agent_info.id?.value;
    if (requestedId !== undefined && core.settings.isGone(requestedId)) throw apiError('AGENT_GONE', `agent ${quote(requestedId)} may not re-register`);
    const { hostname } = call.register.agent_info;
    if (core.machines.isDown(hostname, parsed.value.call.pid)) throw apiError('MACHINE_DOWN', `the machine of agent ${quote(hostname)} at ${quote(parsed.value.call.pid)} is DOWN for maintenance`);
    const holder = requestedId === undefined ? undefined : core.records.agents.get(requestedId)?.principal;
    if (holder !== undefined && holder !== req.principal) {
      throw apiError('FORBIDDEN_PRINCIPAL', `agent ${quote(requestedId!)} registered as another principal; '${req.principal ?? '(none)'}' may not take it over`);
    }
    const newStreamId = randomUUID();
    const registration = { ...parsed.value, principal: req.principal };
    openCorked(req.res, () => core.agents.register(registration, new RecordIOStream(req.res, { 'Mesos-Stream-Id': newStreamId }, core.opts.maxStreamBacklogBytes), newStreamId));
    return undefined;
  }

  const agentId = call.agent_id.value;
  if (streamId === undefined) throw apiError('MISSING_STREAM_ID', `${call.type} call of agent ${quote(agentId)} has none`);
  const agent = core.records.agents.get(agentId);
  if (!agent || agent.connection !== 'connected') throw apiError('AGENT_NOT_FOUND', `agent ${quote(agentId)} must register first`);
  if (agent.streamId !== streamId) {
    throw apiError('FORBIDDEN_STREAM', `stream ID ${quote(streamId)} is not the stream ID currently associated with agent ${quote(agentId)}`);
  }
  if (agent.principal !== req.principal) throw apiError('FORBIDDEN_PRINCIPAL', `agent '${agentId}' registered as another principal`);
  switch (call.type) {
    case 'PONG':
      core.agents.onPong(agent);
      break;
    case 'UPDATE':
      core.tasks.onAgentUpdate(agent, call.update.framework_id.value, call.update.status);
      break;
    case 'MESSAGE':
      forwardExecutorMessage(core, agentId, call.message);
      break;
    case 'UNREGISTER':
      core.agents.unregister(agent);
      break;
  }
  return { status: 202 };
}

/** An executor's MESSAGE goes to its scheduler as Event MESSAGE; as in Mesos, without delivery guarantees. */
function forwardExecutorMessage(core: MasterCore, agentId: string, message: Extract<AgentCall, { type: 'MESSAGE' }>['message']): void {
  const framework = core.records.frameworks.get(message.framework_id.value);
  const sent = framework !== undefined && sendToFramework(framework, {
    type: 'MESSAGE',
    message: { agent_id: { value: agentId }, executor_id: message.executor_id, data: message.data },
  });
  if (!sent) core.log.warn('executor message dropped: framework not connected', { framework_id: message.framework_id.value, agent_id: agentId });
}
