/**
 * `--secure` for the control-plane benchmarks: the same runs with TLS on every connection and every
 * call authenticated, as a cluster off this machine runs, so the cost of both can be read off the
 * two tables side by side.
 *
 * The parent makes a cluster CA, one certificate for 127.0.0.1 (the master's, also presented by the
 * emulated agents on the agent channel, which wants a client certificate) and a credentials file; it
 * hands what clients need to its child processes in the environment (never on a command line).
 * Every request the benchmarks make goes through `benchRequest`, which picks http or https and adds
 * the Authorization header when the run is secure.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ClusterAccess } from '../../cluster/client/http';
import { clusterTlsMaterial, writeTlsFiles } from '../../infra/tls/cluster-ca';

const ENV = 'MESOSCLOUD_BENCH_ACCESS';
/** The principal every call of a secure run authenticates as (frameworks name it in FrameworkInfo). */
export const PRINCIPAL = 'bench';

interface BenchAccess {
  ca: string;
  cert: string;
  key: string;
  authorization: string;
}

export const SECURE = process.argv.includes('--secure');

/** Daemon flags (and the matching createMaster options) that turn TLS and authentication on. */
export interface SecureSetup {
  /** What the project's own clients (locateMaster, OperatorClient) take. */
  access: ClusterAccess;
  masterFlags: string[];
  agentFlags: string[];
  masterOptions: {
    tlsCertFile: string; tlsKeyFile: string; tlsCaFile: string; credentials: string;
    authenticateFrameworks: true; authenticateAgents: true; authenticateHttpReadwrite: true; authenticateHttpReadonly: true;
  };
}

/** Writes the material under `dir` and exports the client side to this process and its children. */
export function secureSetup(dir: string): SecureSetup {
  const material = clusterTlsMaterial('bench', [{ name: 'local', addresses: ['127.0.0.1', 'localhost'] }]);
  const files = writeTlsFiles(path.join(dir, 'tls'), material);
  const host = files.hosts.local;
  const secret = randomBytes(24).toString('base64url');
  const credentials = path.join(dir, 'credentials');
  fs.writeFileSync(credentials, `${PRINCIPAL} ${secret}\n`, { mode: 0o600 });
  const credential = path.join(dir, 'credential');
  fs.writeFileSync(credential, `${PRINCIPAL} ${secret}\n`, { mode: 0o600 });
  const tlsFlags = ['--tls_cert_file', host.certFile, '--tls_key_file', host.keyFile, '--tls_ca_file', host.caFile];
  const access: BenchAccess = {
    ca: material.ca.cert, cert: material.hosts.local.cert, key: material.hosts.local.key,
    authorization: `Basic ${Buffer.from(`${PRINCIPAL}:${secret}`).toString('base64')}`,
  };
  process.env[ENV] = JSON.stringify(access);
  return {
    access: { tls: { ca: material.ca.cert }, credential: { principal: PRINCIPAL, secret } },
    masterFlags: [...tlsFlags, '--credentials', credentials, '--authenticate_frameworks', '--authenticate_agents',
      '--authenticate_http_readwrite', '--authenticate_http_readonly'],
    agentFlags: [...tlsFlags, '--credential', credential],
    masterOptions: {
      tlsCertFile: host.certFile, tlsKeyFile: host.keyFile, tlsCaFile: host.caFile, credentials,
      authenticateFrameworks: true, authenticateAgents: true, authenticateHttpReadwrite: true, authenticateHttpReadonly: true,
    },
  };
}

let cached: BenchAccess | null | undefined;
function access(): BenchAccess | undefined {
  if (cached === undefined) cached = process.env[ENV] ? JSON.parse(process.env[ENV]) as BenchAccess : null;
  return cached ?? undefined;
}

/** 'https' in a secure run (this process or its parent called secureSetup). */
export function benchScheme(): 'http' | 'https' {
  return access() ? 'https' : 'http';
}

/** A keep-alive agent for the run's scheme. */
export function benchAgent(opts: http.AgentOptions): http.Agent {
  const a = access();
  return a ? new https.Agent({ ...opts, ca: a.ca, cert: a.cert, key: a.key }) : new http.Agent(opts);
}

/** http.request or https.request, with the CA, the client certificate and the credentials of a secure run. */
export function benchRequest(url: string, options: http.RequestOptions, onResponse: (res: http.IncomingMessage) => void): http.ClientRequest {
  const a = access();
  if (!a) return http.request(url, options, onResponse);
  const headers = { ...(options.headers as Record<string, string> | undefined), Authorization: a.authorization };
  const tls = options.agent ? {} : { ca: a.ca, cert: a.cert, key: a.key };
  return https.request(url, { ...options, ...tls, headers }, onResponse);
}
