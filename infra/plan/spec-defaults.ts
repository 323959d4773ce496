/**
 * The cluster spec's defaults as plain values, apart from its schema (spec-schema.ts), so that a
 * local launch, which fills them in itself, does not load the schema library (about 1 MB of
 * JavaScript and a fifth of the launcher's start-up).
 */
export const DEFAULT_SSH_USER = 'root';
export const DEFAULT_SSH_PORT = 22;
export const DEFAULT_MASTER_PORT = 5050;
export const DEFAULT_AGENT_PORT = 5051;
export const ZOOKEEPER_DEFAULTS = { client_port: 2181, peer_port: 2888, election_port: 3888, tick_ms: 2000 } as const;
