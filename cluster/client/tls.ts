/**
 * What a client needs to talk HTTPS to a cluster: the cluster CA to verify the server against and,
 * for mutual TLS, a certificate and key of its own. Given one, clients build https:// URLs where they
 * build URLs themselves (MasterInfo carries no scheme, as in Mesos: the cluster's configuration says).
 */
import * as fs from 'node:fs';
import type * as https from 'node:https';
import { createSecureContext, type SecureContext } from 'node:tls';

export interface ClientTls {
  /** PEM of the CA that issued the servers' certificates; nothing else is trusted. */
  ca: string;
  /** PEM certificate and key presented to servers that ask for one. */
  cert?: string;
  key?: string;
}

/** Files as the CLI's cluster catalog records them. */
export interface ClientTlsFiles {
  caFile: string;
  certFile?: string;
  keyFile?: string;
}

export function readClientTls(files: ClientTlsFiles): ClientTls {
  const read = (what: string, file: string) => {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new Error(`cannot read the cluster's ${what} '${file}': ${(err as Error).message}`);
    }
  };
  const tls: ClientTls = { ca: read('CA certificate', files.caFile) };
  if (files.certFile && files.keyFile) {
    tls.cert = read('client certificate', files.certFile);
    tls.key = read('client key', files.keyFile);
  }
  return tls;
}

const contexts = new WeakMap<ClientTls, SecureContext>();

/**
 * The options node:https takes for it (agents and requests alike): one secure context per ClientTls,
 * so the CA, certificate and key are parsed once rather than on every connection.
 */
export function httpsOptions(tls: ClientTls | undefined): https.AgentOptions {
  if (!tls) return {};
  let secureContext = contexts.get(tls);
  if (!secureContext) {
    secureContext = createSecureContext({ ca: tls.ca, cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2' });
    contexts.set(tls, secureContext);
  }
  // ca, cert and key too, though the context is what is used: node:https names its pooled sockets and
  // cached TLS sessions by them, and a socket verified against one CA must never serve a request for another.
  return { secureContext, ca: tls.ca, cert: tls.cert, key: tls.key };
}

/** 'https' when the cluster uses TLS. */
export function schemeFor(tls: ClientTls | undefined): 'http' | 'https' {
  return tls ? 'https' : 'http';
}
