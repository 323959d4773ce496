import { Flags } from '@oclif/core';
import { OperatorCommand } from '../operator-command';
import { EXIT_CODES_HELP } from '../errors';

export interface UiJson { url: string; opened: boolean; reason?: string }

export default class Ui extends OperatorCommand<typeof Ui> {
  static summary = "Print the web UI's address and open it in a browser.";

  static description =
    'The master serves the web UI on its own port. The address is printed always; a browser is opened ' +
    'with xdg-open (open on macOS) when that program exists and a display is set (DISPLAY or ' +
    'WAYLAND_DISPLAY), unless --no-open. Over SSH without a display, copy the address instead.\n\n' +
    'On a cluster with authentication the browser gets a short-lived token in the address\'s fragment ' +
    '(#token=..., never sent to a server, removed from the address bar at once); the printed address has none, ' +
    'and the page asks for a principal and secret instead.\n\n' +
    EXIT_CODES_HELP;

  static examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --no-open --cluster dev',
  ];

  static flags = {
    open: Flags.boolean({ description: 'open a browser when one is available', default: true, allowNo: true }),
  };

  async run(): Promise<UiJson> {
    const master = await this.resolveMaster(this.flags.master);
    const url = `${master.replace(/\/+$/, '')}/`;
    this.log(url);
    if (!this.flags.open) return { url, opened: false, reason: '--no-open' };
    const { planOpen, onPath, openUrl } = await import('../browser');
    const plan = planOpen(process.platform, process.env, (p) => onPath(p));
    if (!plan.opener) {
      this.logToStderr(`Not opening a browser: ${plan.reason}.`);
      return { url, opened: false, reason: plan.reason };
    }
    openUrl(plan.opener, await this.withToken(master, url));
    this.logToStderr(`Opened ${url} with ${plan.opener}.`);
    return { url, opened: true };
  }

  /** The address with a login token in its fragment when the command has a credential; as it was otherwise. */
  private async withToken(master: string, url: string): Promise<string> {
    const credential = await this.credential();
    if (!credential) return url;
    const { OperatorClient } = await import('../../cluster/client/operator');
    const operator = new OperatorClient(master, { credential, tls: this.clusterTls, timeoutMs: 5000 });
    try {
      return `${url}#token=${encodeURIComponent((await operator.token()).token)}`;
    } finally {
      operator.close();
    }
  }
}
