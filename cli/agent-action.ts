/** What `agent drain|deactivate|reactivate|gone` share: the AGENT argument and the JSON they print. */
import { Args } from '@oclif/core';

export const agentArg = {
  agent: Args.string({ description: "agent id, a unique prefix, or the part after the last '-' (e.g. S1)", required: true }),
};

export interface AgentActionJson {
  agent_id: string;
  hostname: string;
  action: 'drain' | 'deactivate' | 'reactivate' | 'gone';
  /** The agent's state afterwards, as `mesoscloud agents` shows it ('gone' once removed). */
  state: string;
}

