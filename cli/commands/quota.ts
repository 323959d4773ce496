import { Args, Flags } from '@oclif/core';
import { OperatorCommand } from '../operator-command';
import { EXIT_CODES_HELP, FlagError } from '../errors';
import type { QuotaRow } from '../views/roles';

export interface QuotaJson { updated?: QuotaRow; removed?: string; quota: QuotaRow[] }

const amountFlag = (name: string, unit: string) => Flags.custom<number>({
  description: `limit on ${unit} the role may be allocated`,
  parse: async (input) => (await import('../role-args')).quotaAmount(name, input),
})();

export default class Quota extends OperatorCommand<typeof Quota> {
  static summary = "Show the roles' quota, or set a role's limits with --cpus/--mem/--disk.";

  static description =
    'A quota limit caps what a role is allocated across the cluster, whatever its fair share. Without ' +
    'ROLE every role\'s quota is shown; with ROLE only its own. With --cpus, --mem or --disk the role\'s ' +
    'limits are set (UPDATE_QUOTA); limits not given keep their current value, and so do guarantees. ' +
    '--remove removes the role\'s quota altogether. --force skips the master\'s check that the cluster ' +
    'can hold the quota.\n\n' + EXIT_CODES_HELP;

  static examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> dev',
    '<%= config.bin %> <%= command.id %> dev --cpus 4 --mem 8192',
    '<%= config.bin %> <%= command.id %> dev --disk 10240 --json',
    '<%= config.bin %> <%= command.id %> dev --remove',
  ];

  static args = {
    role: Args.string({ description: 'the role to show or change', required: false }),
  };

  static flags = {
    cpus: amountFlag('cpus', 'cpus'),
    mem: amountFlag('mem', 'memory (MB)'),
    disk: amountFlag('disk', 'disk (MB)'),
    remove: Flags.boolean({ description: "remove the role's quota", default: false }),
    force: Flags.boolean({ description: 'set the quota even if the cluster cannot hold it now', default: false }),
  };

  async run(): Promise<QuotaJson> {
    const { flags } = this;
    const [args, { quotaRows, renderQuota }] = await Promise.all([import('../role-args'), import('../views/roles')]);
    const role = this.args.role === undefined ? undefined : args.checkRole('ROLE', this.args.role);
    const limits = args.limitsFromFlags(flags);
    const setting = Object.keys(limits).length > 0;
    if ((setting || flags.remove) && role === undefined) {
      throw new FlagError(`--${flags.remove ? 'remove' : Object.keys(limits)[0]} needs a ROLE: ${this.config.bin} quota ROLE ${flags.remove ? '--remove' : '--cpus N --mem MB --disk MB'}`);
    }
    if (setting && flags.remove) throw new FlagError('--remove takes the whole quota away and cannot be given with --cpus, --mem or --disk');

    return this.withOperator(async (operator) => {
      let updated: QuotaRow | undefined;
      if (role !== undefined && (setting || flags.remove)) {
        const current = (await operator.getQuota()).find((c) => c.role === role);
        const config = flags.remove ? args.removedQuota(role) : args.mergeQuota(current, role, limits);
        await operator.updateQuota([config], flags.force);
        if (flags.remove) this.logToStderr(current ? `Removed the quota of role '${role}'` : `Role '${role}' had no quota`);
        else updated = quotaRows([config])[0];
        if (updated) this.logToStderr(`Set the quota of role '${role}': limits ${args.scalarText(updated.limits)}`);
      }
      const all = quotaRows(await operator.getQuota());
      const shown = role === undefined ? all : all.filter((q) => q.role === role);
      if (role !== undefined && shown.length === 0) this.log(`Role '${role}' has no quota.`);
      else for (const line of renderQuota(shown)) this.log(line);
      return { ...(updated ? { updated } : {}), ...(flags.remove ? { removed: role } : {}), quota: shown };
    });
  }
}
