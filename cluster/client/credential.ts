/**
 * What clients authenticate with: a principal and secret (HTTP basic, as Mesos does), read from a
 * credential file (JSON {"principal":..,"secret":..} or one "principal secret" line) or given directly.
 */
export { parseCredential, readCredentialFile, type Credential } from '../http/auth';
