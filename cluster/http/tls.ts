/**
 * HTTPS for the daemons. A daemon given --tls_cert_file, --tls_key_file and --tls_ca_file serves
 * HTTPS only, with the same router and request handling as plain HTTP (server.ts). It asks every
 * client for a certificate: one that is presented must chain to the cluster CA (else 403, or a failed
 * handshake when every client must present one); paths for daemons only (the agent channel) and,
 * with --tls_require_cert, every path refuse a client that presents none.
 */
import * as fs from 'node:fs';
import type * as http from 'node:http';
import * as https from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { HttpLimits } from './limits';
import { createServer, send, type Router } from './server';

/** The PEM text of the files a daemon was given. */
export interface TlsMaterial {
  ca: string;
  cert: string;
  key: string;
}

/** The daemons' TLS options, as their option tables name them. */
export interface TlsFileOptions {
  tlsCertFile?: string;
  tlsKeyFile?: string;
  tlsCaFile?: string;
  tlsRequireCert?: boolean;
}

/** Reads the files; undefined when TLS is off. Throws naming the flags when only some are given or one is unreadable. */
export function loadTlsMaterial(opts: TlsFileOptions): TlsMaterial | undefined {
  const files = { '--tls_cert_file': opts.tlsCertFile, '--tls_key_file': opts.tlsKeyFile, '--tls_ca_file': opts.tlsCaFile };
  const given = Object.entries(files).filter(([, file]) => file);
  if (given.length === 0) {
    if (opts.tlsRequireCert) throw new Error('--tls_require_cert needs --tls_cert_file, --tls_key_file and --tls_ca_file');
    return undefined;
  }
  const missing = Object.entries(files).filter(([, file]) => !file).map(([flag]) => flag);
  if (missing.length > 0) throw new Error(`TLS needs --tls_cert_file, --tls_key_file and --tls_ca_file together; missing ${missing.join(', ')}`);
  const read = (flag: string, file: string) => {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new Error(`${flag}: cannot read '${file}': ${(err as Error).message}`);
    }
  };
  return { cert: read('--tls_cert_file', opts.tlsCertFile!), key: read('--tls_key_file', opts.tlsKeyFile!), ca: read('--tls_ca_file', opts.tlsCaFile!) };
}

export interface TlsServerOptions {
  material: TlsMaterial;
  /** Every client must present a certificate from the CA: refused in the handshake otherwise. */
  requireCert: boolean;
  /** Paths that need a client certificate from the CA even when others do not (daemon-to-daemon routes). */
  certRequiredFor?: (path: string) => boolean;
}

/** The router served over HTTPS only. */
export function createTlsServer(router: Router, onError: ((err: unknown) => void) | undefined, opts: TlsServerOptions, limits: Partial<HttpLimits> = {}): http.Server {
  const { ca, cert, key } = opts.material;
  const serverOptions: https.ServerOptions = { ca, cert, key, minVersion: 'TLSv1.2', requestCert: true, rejectUnauthorized: opts.requireCert };
  return createServer(router, onError, limits, (base, listener) => https.createServer({ ...base, ...serverOptions }, (raw, res) => {
    const refusal = clientCertificateRefusal(raw, opts.certRequiredFor);
    if (refusal) {
      raw.resume();
      send(res, { status: 403, text: refusal });
      return;
    }
    listener(raw, res);
  }));
}

/** Why the client may not go on, or undefined. */
function clientCertificateRefusal(raw: http.IncomingMessage, certRequiredFor?: (path: string) => boolean): string | undefined {
  const socket = raw.socket as TLSSocket;
  const peer = socket.getPeerCertificate();
  const presented = peer !== null && Object.keys(peer).length > 0;
  if (presented && !socket.authorized) return `client certificate refused: ${String(socket.authorizationError)} (it must be issued by the cluster CA)`;
  if (!presented && certRequiredFor?.(new URL(raw.url ?? '/', 'https://localhost').pathname)) {
    return 'this path needs a client certificate issued by the cluster CA';
  }
  return undefined;
}
