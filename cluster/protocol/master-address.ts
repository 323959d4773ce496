/**
 * Master addresses as users write them: "host:port", "http://host:port", "https://host:port"; a bare
 * host means port 5050. Shared by the agent's --master and every client. ZooKeeper URLs
 * ("zk://host:2181/mesos") name a leader to detect, which is not supported yet.
 */

export class MasterAddressError extends Error {
  readonly code = 'BAD_MASTER_ADDRESS';
}

export interface MasterAddress {
  /** "http://host:port", without a trailing slash. */
  baseUrl: string;
  protocol: 'http:' | 'https:';
  host: string;
  port: number;
}

const DEFAULT_MASTER_PORT = 5050;

/** `scheme` is what a bare "host:port" means: https once the cluster uses TLS. */
export function parseMasterAddress(text: string, scheme: 'http' | 'https' = 'http'): MasterAddress {
  const input = text.trim();
  if (input === '') throw new MasterAddressError('master address is empty; expected host:port or http://host:port');
  if (/^zk:\/\//i.test(input)) {
    throw new MasterAddressError(
      `ZooKeeper master detection is not supported yet (got '${input}'); pass the leading master as host:port or http://host:port`,
    );
  }
  const explicit = /^[a-z][a-z0-9+.-]*:\/\//i.test(input);
  const withScheme = explicit ? input : `${scheme}://${input}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new MasterAddressError(`cannot parse master address '${input}'; expected host:port or http://host:port`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new MasterAddressError(`unsupported scheme '${url.protocol}' in master address '${input}'; allowed: http, https`);
  }
  if (url.hostname === '') throw new MasterAddressError(`master address '${input}' has no host`);
  const port = url.port === '' ? (explicit && url.protocol === 'https:' ? 443 : DEFAULT_MASTER_PORT) : Number(url.port);
  return {
    baseUrl: `${url.protocol}//${url.hostname}:${port}`,
    protocol: url.protocol,
    host: url.hostname,
    port,
  };
}
