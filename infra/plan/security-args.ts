/**
 * The daemons' flags that turn TLS and authentication on, given the files that hold the material.
 * Every launcher builds them here (local --secure, SSH hosts), so the two cannot drift apart. Only
 * paths go on a command line, never a secret.
 */

/** A daemon's TLS files. */
export interface DaemonTlsFiles { caFile: string; certFile: string; keyFile: string }

/** The daemons' TLS flags; `requireCert`: every client must present a certificate from the CA. */
export function tlsArgs(tls: DaemonTlsFiles | undefined, requireCert = false): string[] {
  if (!tls) return [];
  const args = ['--tls_cert_file', tls.certFile, '--tls_key_file', tls.keyFile, '--tls_ca_file', tls.caFile];
  return requireCert ? [...args, '--tls_require_cert'] : args;
}

/** Every class of the master's endpoints requires a principal from the credentials file; `aclsFile` decides what each may do. */
export function masterAuthArgs(credentialsFile: string, aclsFile?: string): string[] {
  return [
    '--authenticate_frameworks', '--authenticate_agents', '--authenticate_http_readwrite', '--authenticate_http_readonly',
    '--credentials', credentialsFile, ...(aclsFile ? ['--acls', aclsFile] : []),
  ];
}

/**
 * The agent's endpoints require a principal from the same credentials file as the masters' (so a
 * token a master signs for its sandbox proxy verifies on the agent); it registers as `credentialFile`;
 * custom executors reach it with their own tokens (which, with --tls_require_cert, stand in for a
 * client certificate on /api/v1/executor).
 */
export function agentAuthArgs(credentialsFile: string, credentialFile: string): string[] {
  return [
    '--authenticate_http_readonly', '--authenticate_http_readwrite', '--http_credentials', credentialsFile,
    '--credential', credentialFile, '--authenticate_http_executors',
  ];
}
