import { OperatorCommand } from '../operator-command';
import { EXIT_CODES_HELP } from '../errors';
import type { OfferRow } from '../views/offers';

export default class Offers extends OperatorCommand<typeof Offers> {
  static summary = 'List the offers outstanding: resources offered to frameworks and not yet used or declined.';

  static description =
    'One row per offer: its id, the framework holding it, the agent and the resources offered (and the ' +
    'role they are offered to).\n\n' + EXIT_CODES_HELP;

  static examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --json',
  ];

  async run(): Promise<{ offers: OfferRow[] }> {
    const { buildOfferRows, renderOffers } = await import('../views/offers');
    const rows = await this.withOperator(async (operator) => buildOfferRows(await operator.getFrameworks()));
    for (const line of renderOffers(rows)) this.log(line);
    return { offers: rows };
  }
}
