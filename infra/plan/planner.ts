/**
 * The cluster spec turned into what runs where: per host its roles and, per role, the service
 * definition, config files and health probe. Pure and deterministic: the same spec, bundle and
 * previous roles always give the same plan, byte for byte, which is what lets a second launch
 * see that nothing changed.
 */
import { myidFile, zooConfig, type ZkServerSpec } from '../zookeeper/config';
import { quorumOf, zkUrlOf } from './cluster-names';
import { hostPort } from './host-address';
import { DAEMON_USER, remoteLayout, sha12, type RemoteLayout } from './remote-layout';
import { agentAuthArgs, masterAuthArgs, tlsArgs, type DaemonTlsFiles } from './security-args';
import { assignRoles, plural, type PreviousRoles, type Role } from './roles';
import { configFile, flagArgs, httpProbe, servicePlan, type SecretFile, type SecretKind, type ServicePlan } from './services';
import { roleRequest } from './spec-checks';
import { SpecError } from './spec';
import type { ClusterSpec, HostSpec, SshEndpoint } from './spec-schema';

export type { Role } from './roles';
export type { SecretFile, SecretKind, ServiceDefinition, ServiceFile, ServicePlan } from './services';
export type { SshEndpoint } from './spec-schema';

export interface HostPlan {
  /** As given in the spec (an IPv6 literal without brackets); the key of `previous`. */
  host: string;
  sshPort: number;
  user: string;
  /** What its daemons advertise and other hosts connect to. */
  address: string;
  /** In the order zookeeper, master, agent; [] for a host left without a role. */
  roles: Role[];
  zkId?: number;
  services: ServicePlan[];
}

export interface ClusterPlan {
  cluster: string;
  hosts: HostPlan[];
  /** zk://a:2181,b:2181/mesos, with ZooKeeper. */
  zk?: string;
  /** address:port of each master. */
  masters: string[];
  quorum: number;
  agentCount: number;
  bundle: { version: string; sha256: string; remotePath: string };
  /** The jump host every SSH connection goes through. */
  bastion?: SshEndpoint;
  warnings: string[];
}

export interface PlanOptions {
  bundle: { version: string; sha256: string };
  /** Host -> roles of the last launch: existing hosts keep them, control roles never move. */
  previous?: PreviousRoles;
  /**
   * TLS on masters and agents, authentication on every endpoint but /health, the masters' ZooKeeper
   * digest credential, masters and ZooKeeper as DAEMON_USER. Files named, contents filled in at launch.
   */
  secure?: boolean;
}

/** Throws SpecError when `previous` and the spec disagree about where control roles run. */
export function planCluster(spec: ClusterSpec, opts: PlanOptions): ClusterPlan {
  if (spec.hosts.length === 0) throw new SpecError([{ path: 'hosts', message: 'there are no hosts to plan for' }]);
  const result = assignRoles(roleRequest(spec), opts.previous);
  if (!result.ok) throw new SpecError(result.issues);
  const { roles, zkHosts, masterHosts, agentHosts } = result.assignment;
  const layout = remoteLayout(spec.name);
  const bundlePath = layout.bundlePath(sha12(opts.bundle.sha256));
  const byHost = new Map(spec.hosts.map((h) => [h.host, h]));
  const addressOf = (host: string) => advertised(byHost.get(host)!);

  const zkServers: ZkServerSpec[] = zkHosts.map((host, i) => ({
    id: i + 1,
    host: addressOf(host),
    clientPort: spec.zookeeper.client_port,
    peerPort: spec.zookeeper.peer_port,
    electionPort: spec.zookeeper.election_port,
  }));
  const zk = zkServers.length > 0 ? zkUrlOf(zkServers.map((s) => hostPort(s.host, s.clientPort)).join(',')) : undefined;
  const masters = masterHosts.map((host) => hostPort(addressOf(host), spec.master.port));
  const quorum = quorumOf(masterHosts.length);
  const ctx: ServiceContext = { spec, layout, bundlePath, zkServers, zk, masters, quorum, secure: opts.secure === true };

  const hosts = spec.hosts.map((h): HostPlan => {
    const hostRoles = roles.get(h.host) ?? [];
    const zkIndex = zkHosts.indexOf(h.host);
    const address = advertised(h);
    return {
      host: h.host,
      sshPort: h.port ?? spec.ssh.port,
      user: h.user ?? spec.ssh.user,
      address,
      roles: hostRoles,
      ...(zkIndex >= 0 ? { zkId: zkIndex + 1 } : {}),
      services: hostRoles.map((role) => serviceFor(role, address, zkIndex + 1, ctx)),
    };
  });
  return {
    cluster: spec.name,
    hosts,
    ...(zk ? { zk } : {}),
    masters,
    quorum,
    agentCount: agentHosts.length,
    bundle: { version: opts.bundle.version, sha256: opts.bundle.sha256, remotePath: bundlePath },
    ...(spec.ssh.bastion ? { bastion: spec.ssh.bastion } : {}),
    warnings: [...result.assignment.warnings, ...adviceFor(spec, zkHosts.length, masterHosts.length, opts.bundle.version)],
  };
}

function advertised(h: HostSpec): string {
  return h.address ?? h.host;
}

interface ServiceContext {
  spec: ClusterSpec;
  layout: RemoteLayout;
  bundlePath: string;
  zkServers: ZkServerSpec[];
  zk?: string;
  masters: string[];
  quorum: number;
  secure: boolean;
}

/** Where a role's secrets go on its host, by kind. */
function secretFiles(layout: RemoteLayout, role: Role, kinds: SecretKind[]): Record<SecretKind, string> & { list: SecretFile[] } {
  const dir = layout.secretsDir(role);
  const names: Record<SecretKind, string> = { ca: 'ca.pem', cert: 'cert.pem', key: 'key.pem', credentials: 'credentials.json', credential: 'credential.json', zk: 'zk-url' };
  const paths = Object.fromEntries(Object.entries(names).map(([k, n]) => [k, `${dir}/${n}`])) as Record<SecretKind, string>;
  return { ...paths, list: kinds.map((kind) => ({ path: paths[kind], kind })) };
}

const tlsFilesOf = (f: Record<SecretKind, string>): DaemonTlsFiles => ({ caFile: f.ca, certFile: f.cert, keyFile: f.key });

function serviceFor(role: Role, address: string, zkId: number, ctx: ServiceContext): ServicePlan {
  const { spec, layout, bundlePath, secure } = ctx;
  // Daemons listen on the address other hosts reach them at, and only there.
  const listen = ['--ip', address, '--advertise_ip', address];
  switch (role) {
    case 'zookeeper': {
      const self = ctx.zkServers[zkId - 1];
      const dataDir = layout.workDir('zookeeper');
      return servicePlan({
        role, layout, bundlePath,
        args: ['zookeeper', '--config', layout.zooCfgPath],
        port: self.clientPort,
        probe: ['--zk', hostPort(address, self.clientPort)],
        extraFiles: [
          configFile(layout.zooCfgPath, zooConfig(self, ctx.zkServers, dataDir, { tickTimeMs: spec.zookeeper.tick_ms })),
          configFile(layout.myidPath, myidFile(self.id)),
        ],
        extraDirs: [layout.zkConfigDir],
        ...(secure ? { user: DAEMON_USER } : {}),
      });
    }
    case 'master': {
      const port = spec.master.port;
      const files = secretFiles(layout, role, ['ca', 'cert', 'key', 'credentials', ...(ctx.zk ? ['zk' as const] : [])]);
      // With the digest credential the URL holds a password: the master reads it from a file (Mesos's --zk=file://).
      const zk = ctx.zk && secure ? `file://${files.zk}` : ctx.zk;
      return servicePlan({
        role, layout, bundlePath,
        args: [
          'master', ...listen, '--port', String(port), '--hostname', address,
          '--work_dir', layout.workDir('master'), '--cluster', spec.name,
          ...(zk ? ['--zk', zk, '--quorum', String(ctx.quorum)] : []),
          ...(secure ? [...tlsArgs(tlsFilesOf(files)), ...masterAuthArgs(files.credentials)] : []),
          ...flagArgs(spec.master.flags),
        ],
        port,
        probe: httpProbe(address, port, secure ? tlsFilesOf(files) : undefined),
        ...(secure ? { secrets: files.list, user: DAEMON_USER } : {}),
      });
    }
    case 'agent': {
      const port = spec.agent.port;
      const files = secretFiles(layout, role, ['ca', 'cert', 'key', 'credentials', 'credential']);
      return servicePlan({
        role, layout, bundlePath,
        args: [
          'agent', ...listen, '--hostname', address, '--port', String(port),
          '--master', ctx.zk ?? ctx.masters[0],
          '--work_dir', layout.workDir('agent'), '--cgroups_root', layout.cgroupsRoot,
          ...(spec.agent.resources ? ['--resources', spec.agent.resources] : []),
          ...(spec.agent.attributes ? ['--attributes', spec.agent.attributes] : []),
          // Clients of agents must present a certificate from the cluster CA (the master's sandbox proxy and
          // the CLI do), except custom executors, which authenticate with their own tokens instead.
          ...(secure ? [...tlsArgs(tlsFilesOf(files), true), ...agentAuthArgs(files.credentials, files.credential)] : []),
          ...flagArgs(spec.agent.flags),
        ],
        port,
        probe: httpProbe(address, port, secure ? tlsFilesOf(files) : undefined),
        ...(secure ? { secrets: files.list } : {}),
      });
    }
  }
}

/** Legal but weak choices, said once so the operator can decide. */
function adviceFor(spec: ClusterSpec, zkCount: number, masterCount: number, bundleVersion: string): string[] {
  const advice: string[] = [];
  if (zkCount > 1 && zkCount % 2 === 0) {
    advice.push(`zk: ${plural(zkCount, 'ZooKeeper server')} survive no more failures than ${zkCount - 1}; an odd count (3 or 5) is usual`);
  }
  if (masterCount > 1 && zkCount === 1) {
    advice.push(`zk: ${masterCount} masters share 1 ZooKeeper server, which is then the cluster's single point of failure; --zk 3 removes it`);
  }
  if (masterCount > 1 && masterCount % 2 === 0) {
    advice.push(`masters: ${masterCount} masters need ${quorumOf(masterCount)} for a quorum and survive no more failures than ${masterCount - 1}; an odd count (3 or 5) is usual`);
  }
  if (spec.version !== undefined && spec.version !== bundleVersion) {
    advice.push(`version: ${spec.version} was asked for, but the daemon bundle built here is ${bundleVersion}; that bundle is what gets installed`);
  }
  return advice;
}
