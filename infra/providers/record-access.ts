/** How the launcher's and the CLI's requests reach a recorded cluster. */
import type { ClusterAccess } from '../../cluster/client/http';
import { readCredentialFile } from '../../cluster/client/credential';
import { readClientTls } from '../../cluster/client/tls';
import type { AnyClusterRecord } from '../cluster-catalog';

/** Its CA and the operator's certificate (TLS), and the operator's credential (authentication); both empty for a plain cluster. */
export function recordAccess(record: Pick<AnyClusterRecord, 'tls' | 'operatorCredential'>): ClusterAccess {
  return {
    tls: record.tls ? readClientTls(record.tls) : undefined,
    credential: record.operatorCredential === undefined ? undefined : readCredentialFile(record.operatorCredential),
  };
}
