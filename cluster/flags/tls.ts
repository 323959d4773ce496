/**
 * The TLS entries both daemons' option tables share, named after Mesos's libprocess settings
 * (LIBPROCESS_SSL_CERT_FILE, _KEY_FILE, _CA_FILE, _REQUIRE_CERT) as flags. All three files together
 * turn HTTPS on; the daemon then serves HTTPS only and dials its peers over HTTPS, verifying them
 * against the CA and presenting its own certificate.
 */
import { text, type FlagInput, type OptionTable } from './table';

export interface TlsOptions {
  tlsCertFile?: string;
  tlsKeyFile?: string;
  tlsCaFile?: string;
  /** Unset: only daemon-to-daemon routes need a client certificate. */
  tlsRequireCert?: boolean;
}

const onOff: FlagInput<boolean> = { type: 'switch', parse: (input) => input === 'true' };
const tlsOn = (o: TlsOptions) => o.tlsCertFile !== undefined;

/** `requireCertText` says what the daemon's own paths need without --tls_require_cert. */
export function tlsOptionTable(requireCertText: string): OptionTable<TlsOptions> {
  return {
    tlsCertFile: {
      flag: 'tls_cert_file', commandLine: text, show: true,
      description: 'PEM certificate for HTTPS (with --tls_key_file and --tls_ca_file: serve HTTPS only, dial peers over HTTPS); also presented to peers as the client certificate',
    },
    tlsKeyFile: { flag: 'tls_key_file', description: 'PEM private key of --tls_cert_file', commandLine: text, show: true },
    tlsCaFile: {
      flag: 'tls_ca_file', commandLine: text, show: true,
      description: 'PEM certificate of the cluster CA: peers (servers, and clients that present a certificate) must be issued by it',
    },
    tlsRequireCert: {
      flag: 'tls_require_cert', commandLine: onOff, show: tlsOn, text: String,
      description: `every client must present a certificate issued by the cluster CA (refused in the handshake otherwise); without it, ${requireCertText}`,
    },
  };
}
