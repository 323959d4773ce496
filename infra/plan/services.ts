/**
 * One service on one host: the definition file the bundle's `service` subcommand reads, the other
 * files it needs, the directories to create, and a hash of all of it, so the bootstrap can tell a
 * service whose configuration changed (restart it) from one that did not (leave it alone).
 */
import { createHash } from 'node:crypto';
import { hostPort } from './host-address';
import type { RemoteLayout } from './remote-layout';
import type { Role, ServiceDefinition } from '../../cluster/protocol/service-definition';

export type { ServiceDefinition };

export interface ServiceFile { path: string; content: string; mode: number }

/** What a secret file holds; its content comes from the operator's catalog, never from the plan. */
export type SecretKind = 'ca' | 'cert' | 'key' | 'credentials' | 'credential' | 'zk';

/**
 * A file only the daemon's user reads (0600, in its 0700 secrets dir), uploaded through the SSH
 * session's input, never on a command line. `content` is filled in at launch (infra/providers/ssh-secrets.ts).
 */
export interface SecretFile { path: string; kind: SecretKind; content?: string }

export interface ServicePlan {
  role: Role;
  /** mesoscloud-C-<role> */
  unit: string;
  definition: ServiceDefinition;
  /** The definition file itself first, then zoo.cfg and myid for ZooKeeper. */
  files: ServiceFile[];
  /** Directories to create (mkdir -p) before the service starts. */
  dirs: string[];
  /** Files with secrets, in `secretsDir`, owned by `user` (root when unset). */
  secrets: SecretFile[];
  secretsDir?: string;
  /** The unprivileged user the daemon runs as; root when unset. It owns the work dir. */
  user?: string;
  /** sha256 (hex) over the definition, the files and the secrets' contents. */
  configHash: string;
  port: number;
  /** Arguments of the bundle's `probe` subcommand (without 'probe'), run on the host. */
  probe: string[];
}

const FILE_MODE = 0o644;

export interface ServiceInput {
  role: Role;
  layout: RemoteLayout;
  bundlePath: string;
  args: string[];
  port: number;
  probe: string[];
  /** Files besides the definition. */
  extraFiles?: ServiceFile[];
  extraDirs?: string[];
  /** Secret files in the role's secrets dir (their contents come later: withSecretContents). */
  secrets?: SecretFile[];
  user?: string;
}

export function servicePlan(input: ServiceInput): ServicePlan {
  const { role, layout } = input;
  const definition: ServiceDefinition = {
    role,
    cluster: layout.cluster,
    bundle: input.bundlePath,
    args: input.args,
    pidFile: layout.pidFile(role),
    log: layout.logPath(role),
    env: {},
    ...(input.user ? { user: input.user } : {}),
  };
  const files: ServiceFile[] = [
    { path: layout.definitionPath(role), content: JSON.stringify(definition, null, 2) + '\n', mode: FILE_MODE },
    ...(input.extraFiles ?? []),
  ];
  const dirs = [layout.configDir, ...(input.extraDirs ?? []), layout.workDir(role), layout.runDir, layout.logDir];
  const secrets = input.secrets ?? [];
  return {
    role,
    unit: layout.unit(role),
    definition,
    files,
    dirs: [...new Set(dirs)],
    secrets,
    ...(secrets.length > 0 ? { secretsDir: layout.secretsDir(role) } : {}),
    ...(input.user ? { user: input.user } : {}),
    configHash: configHash(definition, files, secrets),
    port: input.port,
    probe: input.probe,
  };
}

/** The service with its secrets' contents filled in, and a hash that changes when any of them does. */
export function withSecretContents(service: ServicePlan, contentOf: (kind: SecretKind) => string): ServicePlan {
  const secrets = service.secrets.map((s) => ({ ...s, content: contentOf(s.kind) }));
  return { ...service, secrets, configHash: configHash(service.definition, service.files, secrets) };
}

export function configFile(path: string, content: string): ServiceFile {
  return { path, content, mode: FILE_MODE };
}

export function configHash(definition: ServiceDefinition, files: readonly ServiceFile[], secrets: readonly SecretFile[] = []): string {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  // A secret enters the hash only as its own hash: the plan's hashes are shown and stored on hosts.
  const secretHashes = secrets.map((s) => ({ path: s.path, sha256: s.content === undefined ? null : createHash('sha256').update(s.content).digest('hex') }));
  return createHash('sha256').update(canonicalJson({ definition, files: sorted, ...(secrets.length > 0 ? { secrets: secretHashes } : {}) })).digest('hex');
}

/** JSON with object keys sorted at every level, so equal content always hashes alike. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const entries = Object.keys(record).sort().filter((k) => record[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** `--name value` pairs of extra daemon flags, by name. */
export function flagArgs(flags: Readonly<Record<string, string>>): string[] {
  return Object.keys(flags).sort().flatMap((name) => [`--${name}`, flags[name]]);
}

/** With `tls`: over HTTPS, verified against the CA, presenting the daemon's own certificate (agents require one). */
export function httpProbe(address: string, port: number, tls?: { caFile: string; certFile: string; keyFile: string }): string[] {
  if (!tls) return ['--http', `http://${hostPort(address, port)}/health`];
  return ['--http', `https://${hostPort(address, port)}/health`, '--tls_ca_file', tls.caFile, '--tls_cert_file', tls.certFile, '--tls_key_file', tls.keyFile];
}
