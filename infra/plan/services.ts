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

export interface ServicePlan {
  role: Role;
  /** mesoscloud-C-<role> */
  unit: string;
  definition: ServiceDefinition;
  /** The definition file itself first, then zoo.cfg and myid for ZooKeeper. */
  files: ServiceFile[];
  /** Directories to create (mkdir -p) before the service starts. */
  dirs: string[];
  /** sha256 (hex) over the definition and the files. */
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
  };
  const files: ServiceFile[] = [
    { path: layout.definitionPath(role), content: JSON.stringify(definition, null, 2) + '\n', mode: FILE_MODE },
    ...(input.extraFiles ?? []),
  ];
  const dirs = [layout.configDir, ...(input.extraDirs ?? []), layout.workDir(role), layout.runDir, layout.logDir];
  return {
    role,
    unit: layout.unit(role),
    definition,
    files,
    dirs: [...new Set(dirs)],
    configHash: configHash(definition, files),
    port: input.port,
    probe: input.probe,
  };
}

export function configFile(path: string, content: string): ServiceFile {
  return { path, content, mode: FILE_MODE };
}

export function configHash(definition: ServiceDefinition, files: readonly ServiceFile[]): string {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return createHash('sha256').update(canonicalJson({ definition, files: sorted })).digest('hex');
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

export function httpProbe(address: string, port: number): string[] {
  return ['--http', `http://${hostPort(address, port)}/health`];
}
