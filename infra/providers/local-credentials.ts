/**
 * `launch --secure` on this machine: random credentials for the operator and for each agent, in
 * files only the user can read, and the daemons' flags that turn authentication on with them.
 *
 *   secrets/credentials.json   every principal: the masters' --credentials and the agents' --http_credentials
 *                              (one file, so a token the master signs for its sandbox proxy verifies on agents)
 *   secrets/operator.json      the CLI's credential (the catalog records its path)
 *   secrets/agent-<i>.json     agent i's --credential: its own principal, so no agent can take over another's id
 *   secrets/acls.json          the masters' --acls: permissive and without rules, so every authenticated
 *                              principal may do what it could before; the place to write rules (docs/security.md)
 */
import * as path from 'node:path';
import { freshCredential as fresh, OPERATOR_PRINCIPAL, privateDir, writePrivate } from './secret-files';

export interface LocalCredentials {
  dir: string;
  credentialsFile: string;
  operatorFile: string;
  /** The masters' --acls (Mesos's format). */
  aclsFile: string;
  agentFile(index: number): string;
  /** Every secret generated (for the tests that check no log holds one). */
  secrets: string[];
}

const agentPrincipal = (index: number) => `agent-${index}`;

/** Writes fresh credentials for the operator and `agents` agents under `<clusterDir>/secrets` (0700; files 0600). */
export function secureLocalCredentials(clusterDir: string, agents: number): LocalCredentials {
  const dir = path.join(clusterDir, 'secrets');
  privateDir(dir);
  const operator = fresh(OPERATOR_PRINCIPAL);
  const agentCredentials = Array.from({ length: agents }, (_, i) => fresh(agentPrincipal(i)));
  const credentialsFile = path.join(dir, 'credentials.json');
  const operatorFile = path.join(dir, 'operator.json');
  const agentFile = (index: number) => path.join(dir, `${agentPrincipal(index)}.json`);
  writePrivate(credentialsFile, { credentials: [operator, ...agentCredentials] });
  writePrivate(operatorFile, operator);
  agentCredentials.forEach((credential, i) => writePrivate(agentFile(i), credential));
  const aclsFile = path.join(dir, 'acls.json');
  writePrivate(aclsFile, { permissive: true });
  return { dir, credentialsFile, operatorFile, aclsFile, agentFile, secrets: [operator, ...agentCredentials].map((c) => c.secret) };
}
