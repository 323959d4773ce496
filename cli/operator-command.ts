/**
 * Commands that talk to the master's operator API: --master beside --cluster, one client per run,
 * and what id lookups need to word their errors.
 */
import type { Command } from '@oclif/core';
import type { OperatorClient } from '../cluster/client/operator';
import { BaseCommand, clusterFlag, masterFlag } from './base-command';
import type { AgentActionJson } from './agent-action';
import type { LookupContext } from './lookup';

export abstract class OperatorCommand<T extends typeof Command> extends BaseCommand<T> {
  static baseFlags = { cluster: clusterFlag(), master: masterFlag() };

  protected get lookup(): LookupContext {
    const master = (this.flags as { master?: string }).master;
    return { where: master ? `master ${master}` : `cluster '${this.clusterName}'`, bin: this.config.bin, clusterArg: master ? ` --master ${master}` : this.clusterArg };
  }

  /** Runs `fn` with a client of the cluster's master and closes it afterwards. */
  protected async withOperator<R>(fn: (operator: OperatorClient) => Promise<R>): Promise<R> {
    const master = await this.resolveMaster((this.flags as { master?: string }).master);
    const { OperatorClient } = await import('../cluster/client/operator');
    const operator = new OperatorClient(master, { tls: this.clusterTls, credential: await this.credential() });
    try {
      return await fn(operator);
    } finally {
      operator.close();
    }
  }

  /**
   * `agent deactivate` and `agent reactivate`: one maintenance call on the agent named by `idText`,
   * then its state as `mesoscloud agents` shows it.
   */
  protected async toggleAgent(idText: string, action: 'deactivate' | 'reactivate', sentence: (id: string) => string): Promise<AgentActionJson> {
    const { findAgent } = await import('./lookup');
    const { agentState } = await import('./views/agents');
    return this.withOperator(async (operator) => {
      const agent = await findAgent(operator, idText, this.lookup);
      const id = agent.agent_info.id?.value ?? '';
      if (action === 'deactivate') await operator.deactivateAgent(id);
      else await operator.reactivateAgent(id);
      const after = (await operator.getAgents()).agents.find((a) => a.agent_info.id?.value === id);
      const state = after ? agentState(after) : 'gone';
      this.log(`Agent ${id} (${agent.agent_info.hostname}) ${sentence(id)} (now ${state}).`);
      return { agent_id: id, hostname: agent.agent_info.hostname, action, state };
    });
  }
}
