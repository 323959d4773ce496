/**
 * This machine's public address, which SSH and the masters' API/UI are opened to when the operator
 * gives no --allow-cidr. Asked of AWS's own checkip service, with a short bound: a launch that cannot
 * tell says so and asks for --allow-cidr rather than opening anything wider.
 */
import * as https from 'node:https';
import { isIPv4 } from 'node:net';
import { ProviderError } from '../../errors';

export const CHECKIP_URL = 'https://checkip.amazonaws.com/';

export function operatorCidr(url = CHECKIP_URL, timeoutMs = 4000): Promise<string> {
  const fail = (why: string) => new ProviderError('NO_OPERATOR_ADDRESS', `cannot find this machine's public address (${why} from ${url}), which SSH and the master's API would be opened to`, [
    'give the addresses that may connect: --allow-cidr 203.0.113.7/32 (several: comma-separated)',
  ]);
  return new Promise((resolve, reject) => {
    const req = https.get(url, { timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { if (body.length < 256) body += chunk });
      res.on('end', () => {
        const ip = body.trim();
        if (res.statusCode === 200 && isIPv4(ip)) resolve(`${ip}/32`);
        else reject(fail(`answer ${res.statusCode} '${ip.slice(0, 40)}'`));
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    req.on('error', (err) => reject(fail(err.message)));
  });
}
