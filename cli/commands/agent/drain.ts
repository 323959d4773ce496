import { Flags } from '@oclif/core';
import { OperatorCommand } from '../../operator-command';
import { EXIT, EXIT_CODES_HELP } from '../../errors';
import { durationValue } from '../../flag-values';
import { agentArg, type AgentActionJson } from '../../agent-action';

export interface DrainJson extends AgentActionJson { waited: boolean }

export default class AgentDrain extends OperatorCommand<typeof AgentDrain> {
  static summary = "Drain an agent: no new offers, its tasks are killed, then it is DRAINED.";

  static description =
    'The master stops offering the agent\'s resources and kills its tasks, each after its own kill ' +
    'grace period or --grace-period, whichever is shorter. The command then waits, printing how many ' +
    'tasks are left, until the agent is DRAINED (with --mark-gone: until it is removed for good); ' +
    '--no-wait returns at once. Ctrl-C stops waiting, the draining goes on (exit 130). Bring a drained ' +
    'agent back with `mesoscloud agent reactivate`.\n\n' + EXIT_CODES_HELP;

  static examples = [
    '<%= config.bin %> <%= command.id %> S1',
    '<%= config.bin %> <%= command.id %> S1 --grace-period 30secs',
    '<%= config.bin %> <%= command.id %> S1 --grace-period 1mins --mark-gone --no-wait --json',
  ];

  static args = agentArg;

  static flags = {
    'grace-period': Flags.custom<number>({
      description: 'longest time a task gets to stop before it is killed, e.g. 30secs, 1mins (default: each task\'s kill policy)',
      aliases: ['grace_period', 'max-grace-period'],
      parse: async (input) => durationValue('grace-period', input),
    })(),
    'mark-gone': Flags.boolean({ description: 'once drained, mark the agent gone for good (as `agent gone`)', default: false }),
    wait: Flags.boolean({ description: 'wait until the agent is drained', default: true, allowNo: true }),
  };

  async run(): Promise<DrainJson> {
    const [{ findAgent }, { agentState, liveTasksByAgent }, { pollUntil, withInterrupt }, { formatDuration }] = await Promise.all([
      import('../../lookup'), import('../../views/agents'), import('../../wait'), import('../../../cluster/protocol/duration'),
    ]);
    const { flags } = this;
    return this.withOperator(async (operator) => {
      const agent = await findAgent(operator, this.args.agent, this.lookup);
      const id = agent.agent_info.id?.value ?? '';
      const hostname = agent.agent_info.hostname;
      await operator.drainAgent(id, { maxGracePeriodMs: flags['grace-period'], markGone: flags['mark-gone'] });
      const result = (state: string, waited: boolean): DrainJson => ({ agent_id: id, hostname, action: 'drain', state, waited });
      if (!flags.wait) {
        this.log(`Draining agent ${id} (${hostname}).`);
        return result('draining', false);
      }
      this.logToStderr(`Draining agent ${id} (${hostname})${flags['grace-period'] !== undefined ? `, grace period ${formatDuration(flags['grace-period'])}` : ''}`);
      let lastLeft: number | undefined;
      const final = await withInterrupt((signal) => pollUntil(async () => {
        const [agents, tasks] = await Promise.all([operator.getAgents(), operator.getTasks()]);
        const now = agents.agents.find((a) => a.agent_info.id?.value === id);
        if (!now) return 'gone';
        const state = agentState(now);
        const left = liveTasksByAgent(tasks).get(id) ?? 0;
        if (left !== lastLeft) {
          this.logToStderr(`  ${left} task(s) left on the agent (${state})`);
          lastLeft = left;
        }
        return state === 'drained' && !flags['mark-gone'] ? state : undefined;
      }, { intervalMs: 500, signal }));
      if (!final) {
        this.logToStderr('Stopped waiting; the agent goes on draining (see `mesoscloud agents`).');
        process.exitCode = EXIT.interrupted;
        return result('draining', false);
      }
      this.log(final === 'gone' ? `Agent ${id} (${hostname}) drained and marked gone.` : `Agent ${id} (${hostname}) is drained.`);
      return result(final, true);
    });
  }
}
