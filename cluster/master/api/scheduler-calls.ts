/** What each non-SUBSCRIBE scheduler call does, once the call is valid and its stream id checked. */
import type { SchedulerCall } from '../../protocol/types';
import { handleAccept, refuseSeconds } from '../state/accept';
import { sendToAgent, sendToFramework } from '../state/channels';
import type { MasterCore } from '../core';
import { reconcileTasks, type ReconcileRequest } from '../state/reconcile';
import type { FrameworkRecord } from '../state/records';

export function dispatchSchedulerCall(core: MasterCore, framework: FrameworkRecord, call: SchedulerCall): void {
  switch (call.type) {
    case 'TEARDOWN':
      core.frameworks.remove(framework, 'teardown');
      return;
    case 'ACCEPT':
      handleAccept(core, framework, call.accept!);
      return;
    case 'DECLINE':
      decline(core, framework, call.decline!);
      return;
    case 'REVIVE':
      revive(core, framework, call.revive?.roles);
      return;
    case 'SUPPRESS':
      suppress(core, framework, call.suppress?.roles);
      return;
    case 'KILL': {
      const kill = call.kill!;
      if (!core.tasks.kill(framework, kill.task_id.value, kill.kill_policy)) {
        // Mesos answers a kill of an unknown task with what reconciliation knows of it.
        reconcile(core, framework, [{ taskId: kill.task_id.value, agentId: kill.agent_id?.value }]);
      }
      return;
    }
    case 'SHUTDOWN':
      shutdownExecutor(core, framework, call.shutdown!.agent_id.value, call.shutdown!.executor_id.value);
      return;
    case 'ACKNOWLEDGE': {
      const ack = call.acknowledge!;
      core.tasks.acknowledge(framework, ack.agent_id.value, ack.task_id.value, ack.uuid);
      return;
    }
    case 'RECONCILE':
      reconcile(core, framework, (call.reconcile?.tasks ?? []).map((t) => ({ taskId: t.task_id.value, agentId: t.agent_id?.value })));
      return;
    case 'MESSAGE': {
      const message = call.message!;
      const agent = core.records.agents.get(message.agent_id.value);
      const delivered = agent !== undefined && sendToAgent(agent, {
        type: 'FRAMEWORK_MESSAGE',
        framework_message: { framework_id: { value: framework.id }, executor_id: message.executor_id, data: message.data },
      });
      if (!delivered) core.log.warn('framework message dropped: agent not connected', { framework_id: framework.id, agent_id: message.agent_id.value });
      return;
    }
    case 'REQUEST':
      // Mesos's allocator ignores resource requests too.
      return;
    case 'ACCEPT_INVERSE_OFFERS':
      core.machines.answerInverseOffers(framework, call.accept_inverse_offers!.inverse_offer_ids.map((id) => id.value), 'ACCEPT');
      return;
    case 'DECLINE_INVERSE_OFFERS':
      core.machines.answerInverseOffers(framework, call.decline_inverse_offers!.inverse_offer_ids.map((id) => id.value), 'DECLINE');
      return;
    case 'SUBSCRIBE':
    case 'UPDATE_FRAMEWORK':
      // Both answered by the scheduler API itself (a stream, a 200).
      return;
  }
}

function decline(core: MasterCore, framework: FrameworkRecord, decline: NonNullable<SchedulerCall['decline']>): void {
  const now = core.now();
  const seconds = refuseSeconds(decline.filters);
  for (const { value } of decline.offer_ids ?? []) {
    if (core.offers.get(value)?.frameworkId !== framework.id) continue;
    const offer = core.offers.take(value);
    if (offer) core.allocator.recoverResources(framework.id, offer.agentId, offer.resources, now, seconds, offer.role);
  }
  core.requestAllocation();
}

function revive(core: MasterCore, framework: FrameworkRecord, roles: string[] | undefined): void {
  const scoped = roles && roles.length > 0 ? roles : undefined;
  core.allocator.revive(framework.id, scoped);
  if (scoped) for (const role of scoped) framework.suppressedRoles.delete(role);
  else framework.suppressedRoles.clear();
  core.records.touch();
  core.requestAllocation();
}

function suppress(core: MasterCore, framework: FrameworkRecord, roles: string[] | undefined): void {
  const scoped = roles && roles.length > 0 ? roles : undefined;
  core.allocator.suppress(framework.id, scoped);
  for (const role of scoped ?? framework.roles) framework.suppressedRoles.add(role);
  core.records.touch();
}

function reconcile(core: MasterCore, framework: FrameworkRecord, requests: ReconcileRequest[]): void {
  const statuses = reconcileTasks(framework, requests, (id) => core.records.agents.get(id), core.now());
  for (const status of statuses) sendToFramework(framework, { type: 'UPDATE', update: { status } });
}

/**
 * SHUTDOWN of an executor: its tasks are killed (a command task's executor id is its task id), and a
 * custom executor, which may idle with no task the master knows of, is told to shut down.
 */
function shutdownExecutor(core: MasterCore, framework: FrameworkRecord, agentId: string, executorId: string): void {
  const agent = core.records.agents.get(agentId);
  if (!agent) return;
  sendToAgent(agent, { type: 'SHUTDOWN_EXECUTOR', shutdown_executor: { framework_id: { value: framework.id }, executor_id: { value: executorId } } });
  for (const task of agent.tasks.values()) {
    if (task.frameworkId !== framework.id) continue;
    if ((task.executorId ?? task.taskId) === executorId) core.tasks.kill(framework, task.taskId);
  }
}
