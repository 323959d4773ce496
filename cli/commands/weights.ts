import { Args } from '@oclif/core';
import { OperatorCommand } from '../operator-command';
import { EXIT_CODES_HELP } from '../errors';
import type { WeightInfo } from '../../cluster/protocol/operator';

export interface WeightsJson { updated: WeightInfo[]; weights: WeightInfo[] }

export default class Weights extends OperatorCommand<typeof Weights> {
  static summary = "Show the roles' weights, or set them with ROLE=WEIGHT.";

  static description =
    'A role\'s weight scales its fair share of the cluster: a role of weight 2 is offered twice what a ' +
    'role of weight 1 is. Roles without a weight have 1. With ROLE=WEIGHT arguments the weights are set ' +
    '(UPDATE_WEIGHTS), then all weights are shown.\n\n' + EXIT_CODES_HELP;

  static examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> dev=2 ops=0.5',
    '<%= config.bin %> <%= command.id %> analytics=3 --json',
  ];

  static strict = false;

  static args = {
    weights: Args.string({ description: 'ROLE=WEIGHT pairs to set (weight > 0)', required: false }),
  };

  async run(): Promise<WeightsJson> {
    const [{ parseWeightArgs }, { weightRows, renderWeights }] = await Promise.all([import('../role-args'), import('../views/roles')]);
    const updated = parseWeightArgs(this.positionals);
    return this.withOperator(async (operator) => {
      if (updated.length > 0) {
        await operator.updateWeights(updated);
        this.logToStderr(`Set ${updated.map((w) => `${w.role}=${w.weight}`).join(', ')}`);
      }
      const weights = weightRows(await operator.getWeights());
      for (const line of renderWeights(weights)) this.log(line);
      return { updated, weights };
    });
  }
}
