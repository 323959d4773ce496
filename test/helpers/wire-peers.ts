/**
 * The wire-level agents and schedulers a test opens against one master, remembered so that one
 * `closeAll()` in afterEach leaves no stream open whichever test failed half-way.
 */
import type { FrameworkInfo } from '../../cluster/protocol/types';
import { RawAgent, type RawAgentOptions } from './raw-agent';
import { frameworkInfo, RawScheduler } from './scheduler';

export interface WirePeers {
  registerAgent(opts?: RawAgentOptions): Promise<RawAgent>;
  subscribe(info?: FrameworkInfo): Promise<RawScheduler>;
  closeAll(): void;
}

/** `masterUrl` is read on each call: tests start a new master per test. */
export function wirePeers(masterUrl: () => string): WirePeers {
  const agents: RawAgent[] = [];
  const schedulers: RawScheduler[] = [];
  return {
    async registerAgent(opts = {}) {
      const agent = await RawAgent.register(masterUrl(), opts);
      agents.push(agent);
      return agent;
    },
    async subscribe(info = frameworkInfo()) {
      const scheduler = await RawScheduler.subscribe(masterUrl(), info);
      schedulers.push(scheduler);
      return scheduler;
    },
    closeAll() {
      for (const s of schedulers.splice(0)) s.close();
      for (const a of agents.splice(0)) a.disconnect();
    },
  };
}
