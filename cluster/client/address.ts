/** Clients take master addresses through the protocol's one parser. */
export { MasterAddressError, parseMasterAddress, type MasterAddress } from '../protocol/master-address';

/** "host:port" of an agent from the `pid` Mesos reports ("slave(1)@10.0.0.1:5051") or plain "host:port"; https in a TLS cluster. */
export function agentBaseUrl(pid: string | undefined, fallbackHost?: string, fallbackPort?: number, scheme: 'http' | 'https' = 'http'): string | undefined {
  if (pid) {
    const at = pid.lastIndexOf('@');
    const hostPort = at >= 0 ? pid.slice(at + 1) : pid;
    if (/^[^:/\s]+:\d+$/.test(hostPort)) return `${scheme}://${hostPort}`;
    if (/^https?:\/\//.test(hostPort)) return hostPort.replace(/\/$/, '');
  }
  if (fallbackHost && fallbackPort) return `${scheme}://${fallbackHost}:${fallbackPort}`;
  return undefined;
}
