/**
 * HostBootstrap against two real SSH test hosts (network namespaces with their own sshd and
 * overlaid /etc, /opt, /var, /usr/local; test/helpers/ssh-hosts.ts): a cluster of one master and
 * one agent without ZooKeeper. What an operator would check on the hosts themselves: the bundle
 * and config in place, the step records in state.json, nothing uploaded twice, services started
 * once and then left alone, a crashed master restarted by the supervisor, the leader reached
 * directly or through an SSH tunnel, the hosts left clean, and a host with an old Node named.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findDaemonBundle, type DaemonBundle } from '../../infra/bootstrap/bundle';
import { BootstrapError, HostBootstrap } from '../../infra/bootstrap/host-bootstrap';
import { forEachBounded } from '../../infra/bootstrap/pool';
import type { HostProgress } from '../../infra/bootstrap/progress';
import { KnownHosts, type SshConnection } from '../../infra/bootstrap/ssh';
import { planCluster, remoteLayout, specFromSources, type ClusterPlan, type HostPlan } from '../../infra/plan';
import { reachLeader, registeredAgents } from '../../infra/providers/master-access';
import { masterEndpoints } from '../../infra/providers/ssh';
import { connectOne, settingsOf } from '../../infra/providers/ssh-connect';
import { eventually, request } from '../helpers/http';
import { createSshHosts, type SshTestFleet } from '../helpers/ssh-hosts';

const CLUSTER = 'bootit';
const layout = remoteLayout(CLUSTER);
const WAIT_MS = 60_000;
jest.setTimeout(180_000);

let fleet: SshTestFleet;
let work: string;
let bundle: DaemonBundle;
let plan: ClusterPlan;
const conns = new Map<string, SshConnection>();

interface ProgressEvent { host: string; kind: 'step' | 'done' | 'fail' | 'note'; text: string }

/** A HostProgress that keeps what it was told, as the operator's screen would show it. */
function recordingProgress(): { progress: HostProgress; events: ProgressEvent[]; steps(host: string): string[] } {
  const events: ProgressEvent[] = [];
  const progress: HostProgress = {
    step: (host, text) => events.push({ host, kind: 'step', text }),
    done: (host, text) => events.push({ host, kind: 'done', text }),
    fail: (host, text) => events.push({ host, kind: 'fail', text }),
    note: (text) => events.push({ host: '', kind: 'note', text }),
    close: () => undefined,
  };
  return { progress, events, steps: (host) => events.filter((e) => e.host === host && e.kind === 'step').map((e) => e.text) };
}

const hostPlan = (i: number): HostPlan => plan.hosts.find((h) => h.host === fleet.hosts[i].ip)!;
const bootstrap = (i: number, progress: HostProgress, withBundle = true) =>
  new HostBootstrap(conns.get(fleet.hosts[i].ip)!, hostPlan(i), plan, withBundle ? bundle : undefined, progress);

async function onHost(i: number, args: string[]): Promise<string> {
  const r = await fleet.hosts[i].exec(args);
  if (r.code !== 0) throw new Error(`${args.join(' ')} on ${fleet.hosts[i].name} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

async function hostState(i: number): Promise<{ version: number; steps: Record<string, { at: string; hash?: string; detail?: Record<string, unknown> }> }> {
  return JSON.parse(await onHost(i, ['cat', layout.statePath]));
}

async function pidOnHost(i: number, file: string): Promise<number | undefined> {
  const r = await fleet.hosts[i].exec(['cat', file]);
  const pid = Number(r.stdout.trim());
  return r.code === 0 && Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function alive(pid: number): boolean {
  try {
    const state = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
    return state !== undefined && state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}


async function healthy(url: string): Promise<boolean> {
  try {
    return (await request(`${url}/health`)).status === 200;
  } catch {
    return false;
  }
}

async function logOf(i: number, role: string): Promise<string> {
  return (await fleet.hosts[i].exec(['cat', layout.logPath(role as 'master')])).stdout;
}

beforeAll(async () => {
  bundle = findDaemonBundle();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'mesoscloud-ssh-bootstrap-'));
  fleet = await createSshHosts(2);
  const spec = specFromSources(undefined, { cluster: CLUSTER, hosts: fleet.hosts.map((h) => h.ip).join(','), masters: 1, zk: 0, key: fleet.keyPath });
  plan = planCluster(spec, { bundle: { version: bundle.version, sha256: bundle.sha256 } });
  const knownHosts = new KnownHosts(path.join(work, 'known_hosts'));
  for (const h of plan.hosts) conns.set(h.host, await connectOne(h, settingsOf(spec), knownHosts));
}, 120_000);

afterAll(() => {
  for (const c of conns.values()) c.close();
  // Whatever a failed test left running on the hosts goes with the fleet (by namespace, by pid).
  fleet?.remove();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('the plan', () => {
  it('accepts zk 0 with one master: the first host is the master, the second an agent pointed at it', () => {
    expect(plan.zk).toBeUndefined();
    expect(plan.hosts.map((h) => h.roles)).toEqual([['master'], ['agent']]);
    expect(plan.masters).toEqual([`${fleet.hosts[0].ip}:5050`]);
    const agentArgs = hostPlan(1).services[0].definition.args;
    expect(agentArgs[agentArgs.indexOf('--master') + 1]).toBe(`${fleet.hosts[0].ip}:5050`);
    expect(hostPlan(0).services[0].definition.args).not.toContain('--zk');
  });
});

describe('HostBootstrap on fresh hosts', () => {
  it('prepare() uploads the bundle and the config and records each step on the host', async () => {
    const { progress, steps } = recordingProgress();
    const b = bootstrap(0, progress);
    await b.prepare();
    const ip = fleet.hosts[0].ip;
    expect(steps(ip)).toEqual(expect.arrayContaining(['inspecting', expect.stringMatching(/^uploading the daemon bundle/), 'writing config (master)']));
    expect(b.facts?.systemd).toBe(false);

    // The very bundle built here, under its content hash.
    expect(plan.bundle.remotePath).toBe(`/opt/mesoscloud/${CLUSTER}/mesoscloud-daemon-${bundle.sha12}.js`);
    expect((await onHost(0, ['sha256sum', plan.bundle.remotePath])).split(' ')[0]).toBe(bundle.sha256);
    const service = hostPlan(0).services[0];
    expect(JSON.parse(await onHost(0, ['cat', layout.definitionPath('master')]))).toEqual(service.definition);

    const state = await hostState(0);
    expect(state.version).toBe(1);
    expect(state.steps.bundle).toMatchObject({ hash: bundle.sha256, detail: { path: plan.bundle.remotePath, version: bundle.version } });
    expect(state.steps['config:master']).toMatchObject({ hash: service.configHash });
    expect(state.steps.node.detail).toEqual({ version: expect.stringMatching(/^v\d+\./), path: expect.stringMatching(/\/node$/) });
    for (const rec of Object.values(state.steps)) expect(Number.isNaN(Date.parse(rec.at))).toBe(false);
    // Nothing of the cluster on the other host yet.
    expect(fleet.leftovers(1)).toEqual([]);
  });

  it('a second prepare() on a new HostBootstrap uploads and writes nothing', async () => {
    const before = await onHost(0, ['stat', '-c', '%i %Y', plan.bundle.remotePath, layout.definitionPath('master')]);
    const { progress, steps } = recordingProgress();
    await bootstrap(0, progress).prepare();
    const ip = fleet.hosts[0].ip;
    expect(steps(ip)).toContain('inspecting');
    expect(steps(ip).filter((s) => /uploading|writing config/.test(s))).toEqual([]);
    expect(await onHost(0, ['stat', '-c', '%i %Y', plan.bundle.remotePath, layout.definitionPath('master')])).toBe(before);
  });

  it('ensureRunning starts the master once; on a fresh inspection it is left unchanged', async () => {
    const { progress, steps } = recordingProgress();
    const b = bootstrap(0, progress);
    await b.inspect();
    expect(await b.ensureRunning('master')).toBe('started');
    await b.waitHealthy('master', 60);
    expect(steps(fleet.hosts[0].ip)).toEqual(expect.arrayContaining(['starting master', 'waiting for master to answer']));
    const url = `http://${fleet.hosts[0].ip}:5050`;
    expect(await healthy(url)).toBe(true);
    const daemon = (await pidOnHost(0, layout.pidFile('master')))!;
    expect(alive(daemon)).toBe(true);
    expect((await hostState(0)).steps['service:master']).toMatchObject({ hash: hostPlan(0).services[0].configHash, detail: { manager: 'supervisor' } });

    const again = recordingProgress();
    const b2 = bootstrap(0, again.progress);
    const facts = await b2.inspect();
    expect([...facts.running]).toEqual(['master']);
    expect(await b2.ensureRunning('master')).toBe('unchanged');
    expect(again.steps(fleet.hosts[0].ip)).toEqual(['inspecting']);
    expect(await pidOnHost(0, layout.pidFile('master'))).toBe(daemon);
  });

  it('the supervisor starts the master again after kill -9 of its pid', async () => {
    const supervisor = await pidOnHost(0, layout.supervisorPidFile('master'));
    const before = (await pidOnHost(0, layout.pidFile('master')))!;
    expect(alive(before)).toBe(true);
    await onHost(0, ['kill', '-9', String(before)]);
    const after = await eventually(async () => {
      const pid = await pidOnHost(0, layout.pidFile('master'));
      return pid !== undefined && pid !== before && alive(pid) ? pid : undefined;
    }, 'a new master pid on the host', WAIT_MS).catch(async (err: Error) => {
      throw new Error(`${err.message}\n--- master log ---\n${await logOf(0, 'master')}`);
    });
    expect(after).not.toBe(before);
    expect(await pidOnHost(0, layout.supervisorPidFile('master'))).toBe(supervisor);
    await eventually(() => healthy(`http://${fleet.hosts[0].ip}:5050`), 'the restarted master answering', WAIT_MS);
  });

  it('the agent on the second host starts and registers with the master', async () => {
    const { progress } = recordingProgress();
    const b = bootstrap(1, progress);
    await b.prepare();
    expect(await b.ensureRunning('agent')).toBe('started');
    await b.waitHealthy('agent', 60);
    const url = `http://${fleet.hosts[0].ip}:5050`;
    const agents = await eventually(async () => {
      const found = await registeredAgents(url).catch(() => undefined);
      return found?.has(fleet.hosts[1].ip) ? found : undefined;
    }, 'the agent registered with the master', WAIT_MS).catch(async (err: Error) => {
      throw new Error(`${err.message}\n--- agent log ---\n${await logOf(1, 'agent')}`);
    });
    expect(agents.get(fleet.hosts[1].ip)?.agent_info.hostname).toBe(fleet.hosts[1].ip);
  });
});

describe('reachLeader', () => {
  it('reaches the master directly when its address answers', async () => {
    const access = await reachLeader(masterEndpoints(plan), conns, 30_000);
    try {
      expect(access).toMatchObject({ via: 'direct', url: `http://${fleet.hosts[0].ip}:5050`, leader: `${fleet.hosts[0].ip}:5050` });
      expect(await healthy(access.url)).toBe(true);
    } finally {
      await access.close();
    }
  });

  it('goes through an SSH tunnel when the given address does not answer from here', async () => {
    // An address only the master host has (TEST-NET-1, on its loopback; no route to it from here),
    // forwarded there to the master, which listens on the host's cluster address only.
    const hidden = '192.0.2.1';
    const forwarder = `require('net').createServer((s) => { const c = require('net').connect(5050, '${fleet.hosts[0].ip}'); s.pipe(c).pipe(s); s.on('error', () => c.destroy()); c.on('error', () => s.destroy()); }).listen(5050, '${hidden}')`;
    const started = await fleet.hosts[0].exec(['sh', '-c', `ip addr add ${hidden}/32 dev lo && { nohup ${process.execPath} -e "${forwarder}" >/dev/null 2>&1 & echo $!; }`]);
    const forwarderPid = Number(started.stdout.trim());
    expect(forwarderPid).toBeGreaterThan(0);
    try {
      const access = await reachLeader([{ host: fleet.hosts[0].ip, address: hidden, port: 5050 }], conns, 30_000);
      try {
        expect(access.via).toBe('tunnel');
        expect(access.leader).toBe(`${hidden}:5050`);
        expect(access.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        expect(access.url).not.toBe('http://127.0.0.1:5050');
        expect(await healthy(access.url)).toBe(true);
        expect((await registeredAgents(access.url)).has(fleet.hosts[1].ip)).toBe(true);
      } finally {
        await access.close();
      }
      expect(await healthy(access.url)).toBe(false);
    } finally {
      process.kill(forwarderPid, 'SIGKILL');
      await fleet.hosts[0].exec(['ip', 'addr', 'del', `${hidden}/32`, 'dev', 'lo']);
    }
  });
});

describe('removeEverything', () => {
  it('leaves no file of the cluster and no process but sshd on either host', async () => {
    expect(fleet.hosts[0].daemonPids().length).toBeGreaterThan(0);
    expect(fleet.hosts[1].daemonPids().length).toBeGreaterThan(0);
    const { progress, steps } = recordingProgress();
    // As destroy does it: without a bundle, agent host first.
    const outcomes = await forEachBounded([1, 0], 2, (i) => bootstrap(i, progress, false).removeEverything());
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);
    expect(steps(fleet.hosts[0].ip)).toEqual(expect.arrayContaining(['stopping services', 'removing files']));
    for (const i of [0, 1]) {
      await eventually(() => fleet.hosts[i].daemonPids().length === 0, `no daemon left on ${fleet.hosts[i].name}`, WAIT_MS);
      expect(fleet.leftovers(i)).toEqual([]);
    }
    expect(await healthy(`http://${fleet.hosts[0].ip}:5050`)).toBe(false);
  });
});

describe('a host whose Node is too old', () => {
  const fakeNode = '/usr/local/bin/node';

  afterAll(async () => {
    await fleet.hosts[1].exec(['rm', '-f', fakeNode]);
  });

  it('prepare() fails with NODE_MISSING naming the host, its Node and the version needed, and uploads nothing', async () => {
    // The host's /usr/local is its own overlay: the fake node stays on that host, found first on PATH.
    await fleet.hosts[1].exec(['sh', '-c', `mkdir -p /usr/local/bin && printf '#!/bin/sh\\necho v18.0.0\\n' > ${fakeNode} && chmod 755 ${fakeNode}`]);
    expect((await onHost(1, [fakeNode])).trim()).toBe('v18.0.0');
    const { progress, steps } = recordingProgress();
    const ip = fleet.hosts[1].ip;
    const err = await bootstrap(1, progress).prepare().then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(BootstrapError);
    expect(err).toMatchObject({ code: 'NODE_MISSING', host: ip });
    expect((err as Error).message).toBe(`${ip}: Node v18.0.0 at ${fakeNode} is too old; the daemons need Node 20 or later`);
    expect(steps(ip)).toEqual(['inspecting']);
    expect(fleet.leftovers(1)).toEqual([fakeNode]);
    // The other host's Node is fine.
    const other = bootstrap(0, recordingProgress().progress, false);
    await other.inspect();
    expect(other.facts?.nodePath).not.toBe(fakeNode);
  });
});
