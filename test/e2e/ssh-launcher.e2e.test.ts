/**
 * The SSH launcher as a user runs it, against test hosts made here: network namespaces on a private
 * bridge, each with its own sshd, host key, hostname and overlaid /etc, /opt, /var, /root, /home and
 * /usr/local (test/helpers/ssh-hosts.ts). The built CLI launches 1 ZooKeeper + 1 master + 3 agents
 * on five of them (the first launch killed midway and resumed), runs a task, `run`, `copy`, scales
 * to a sixth host and back, upgrades with tasks kept, refuses a host whose key changed, names an
 * unreachable host, and `destroy` leaves no process and no file on any host.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createSshHosts, type SshTestFleet } from '../helpers/ssh-hosts';
import { eventually } from '../helpers/http';
import { ensureBuilt, hasStackTrace, ROOT, runCli, unwrap, type CliResult } from '../helpers/run-cli';

const CLUSTER = 'sshe2e';
jest.setTimeout(240_000);

let fleet: SshTestFleet;
let dataHome: string;
let work: string;

function cli(args: string[], opts: { timeoutMs?: number; env?: Record<string, string>; onStderr?: Parameters<typeof runCli>[1]['onStderr'] } = {}): Promise<CliResult> {
  return runCli(args, { dataHome, env: { MESOSCLOUD_CLUSTER: CLUSTER, SSH_AUTH_SOCK: '', ...opts.env }, timeoutMs: opts.timeoutMs ?? 180_000, onStderr: opts.onStderr });
}

async function json<T>(args: string[], env?: Record<string, string>): Promise<T> {
  const r = await cli([...args, '--json'], { env });
  if (r.code !== 0) throw new Error(`mesoscloud ${args.join(' ')} --json exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

const ips = (from: number, to: number) => fleet.hosts.slice(from, to).map((h) => h.ip);
const launchArgs = () => ['launch', '--provider', 'ssh', '--hosts', ips(0, 5).join(','), '--masters', '1', '--zk', '1', '--key', fleet.keyPath, '--agent-resources', 'cpus:1;mem:512'];

interface LaunchJson { unchanged: boolean; master_url: string; zk?: string; reached: string; web_ui: string; hosts: { host: string; roles: string[]; changes: Record<string, string>; agent_id?: string }[] }
interface AgentJson { id: string; hostname?: string; state: string }
interface TaskJson { id: string; state: string; agent_id: string }

beforeAll(async () => {
  ensureBuilt();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'mesoscloud-ssh-e2e-'));
  dataHome = path.join(work, 'data');
  fleet = await createSshHosts(6);
}, 120_000);

afterAll(async () => {
  // Whatever a failed test left running on the hosts goes with the fleet (by namespace).
  fleet?.remove();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('mesoscloud launch --provider ssh', () => {
  test('--dry-run prints which host runs what and touches nothing', async () => {
    const r = await cli([...launchArgs(), '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(fleet.hosts[0].ip);
    expect(r.stdout).toMatch(/zookeeper/);
    expect(r.stdout).toContain(`zk://${fleet.hosts[0].ip}:2181/mesos`);
    for (let i = 0; i < 5; i++) expect(fleet.leftovers(i)).toEqual([]);
  });

  test('a cluster file gives the spec, flags override it, and its errors name file and field', async () => {
    const file = path.join(work, 'cluster.yaml');
    fs.writeFileSync(file, [
      'name: fromfile',
      'provider: ssh',
      'hosts:',
      ...ips(0, 5).map((ip) => `  - ${ip}`),
      'masters: 1',
      'zk: 1',
      'ssh:',
      `  key: ${fleet.keyPath}`,
      '',
    ].join('\n'));
    // No --cluster and no MESOSCLOUD_CLUSTER: the file names the cluster.
    const plan = await cli(['launch', '-f', file, '--agents', '2', '--dry-run', '--json'], { env: { MESOSCLOUD_CLUSTER: '' } });
    expect(plan.code).toBe(0);
    const json = JSON.parse(plan.stdout) as { plan: { cluster: string; hosts: { roles: string[] }[] } };
    expect(json.plan.cluster).toBe('fromfile');
    expect(json.plan.hosts.filter((h) => h.roles.includes('agent'))).toHaveLength(2);
    fs.writeFileSync(file, 'name: fromfile\nhosts: [10.0.0.1]\nmastres: 1\n');
    const bad = await cli(['launch', '-f', file, '--dry-run']);
    expect(bad.code).toBe(2);
    expect(unwrap(bad.stderr)).toMatch(/mastres: unknown key; did you mean 'masters'\?/);
  });

  test('a launch killed midway is resumed by running it again, without redoing finished hosts', async () => {
    let killed = false;
    const first = await cli(launchArgs(), {
      onStderr: (soFar, child) => {
        // Once ZooKeeper runs and the master is being started, pull the plug (no cleanup: SIGKILL).
        if (!killed && /starting master/.test(soFar)) {
          killed = true;
          child.kill('SIGKILL');
        }
      },
    });
    expect(killed).toBe(true);
    expect(first.code).toBeNull();

    const resumed = await cli([...launchArgs(), '--json']);
    expect({ code: resumed.code, stderr: resumed.stderr }).toMatchObject({ code: 0 });
    const out = JSON.parse(resumed.stdout) as LaunchJson;
    // Every host had its bundle and config before the kill: nothing was uploaded again, ZooKeeper kept running.
    expect(resumed.stderr).not.toMatch(/uploading the daemon bundle/);
    expect(out.hosts.find((h) => h.roles.includes('zookeeper'))!.changes.zookeeper).toBe('unchanged');
    expect(out.hosts.map((h) => h.roles.join('+'))).toEqual(['zookeeper', 'master', 'agent', 'agent', 'agent']);
    expect(out.hosts.filter((h) => h.agent_id)).toHaveLength(3);
    expect(out.zk).toBe(`zk://${fleet.hosts[0].ip}:2181/mesos`);
    expect(out.master_url).toBe(`https://${fleet.hosts[1].ip}:5050`);
    expect(out.reached).toBe('direct');
    // Host keys were recorded on first use, one line per host.
    const knownHosts = fs.readFileSync(path.join(dataHome, 'mesoscloud', 'clusters', CLUSTER, 'known_hosts'), 'utf8');
    for (const ip of ips(0, 5)) expect(knownHosts).toContain(ip);
  });

  test('daemons advertise the address the launcher gave them, and run on their own hosts', async () => {
    const agents = await json<{ agents: AgentJson[] }>(['agents']);
    expect(agents.agents.map((a) => a.hostname).sort()).toEqual(ips(2, 5).sort());
    for (const i of [0, 1, 2, 3, 4]) expect(fleet.hosts[i].daemonPids().length).toBeGreaterThan(0);
    expect(fleet.hosts[5].daemonPids()).toEqual([]);
  });

  test('launch on a healthy cluster changes nothing', async () => {
    const pidOf = async (i: number, role: string) => (await fleet.hosts[i].exec(['cat', `/var/lib/mesoscloud/${CLUSTER}/run/${role}.pid`])).stdout.trim();
    const before = [await pidOf(0, 'zookeeper'), await pidOf(1, 'master'), await pidOf(2, 'agent')];
    const again = JSON.parse((await cli([...launchArgs(), '--json'])).stdout) as LaunchJson;
    expect(again.unchanged).toBe(true);
    expect([await pidOf(0, 'zookeeper'), await pidOf(1, 'master'), await pidOf(2, 'agent')]).toEqual(before);
  });

  test('exec runs a task on an SSH host', async () => {
    const r = await cli(['exec', '--name', 'hello-ssh', '--command', 'echo hello from $(hostname)', '--resources', 'cpus:0.5;mem:64']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/TASK_FINISHED/);
  });

  test('run executes on every agent host in parallel, each in its own UTS namespace', async () => {
    const out = await json<{ results: { host: string; exit_code: number; stdout: string }[] }>(['run', 'hostname', '--role', 'agent']);
    expect(out.results.map((r) => r.host).sort()).toEqual(ips(2, 5).sort());
    expect(out.results.map((r) => r.stdout.trim()).sort()).toEqual(['h3', 'h4', 'h5']);
    const failing = await cli(['run', 'exit 3', '--role', 'master']);
    expect(failing.code).toBe(1);
    expect(failing.stderr).toContain(fleet.hosts[1].ip);
  });

  test('status lists the hosts and roles; ssh runs a command on a host named by its role', async () => {
    const status = await cli(['status']);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`root@${fleet.hosts[0].ip.replace(/\./g, '\\.')}\\s+zookeeper`));
    expect(status.stdout).toMatch(/agent/);
    const ssh = await cli(['ssh', 'master', '--', 'hostname']);
    expect({ code: ssh.code, stdout: ssh.stdout.trim() }).toEqual({ code: 0, stdout: 'h2' });
    const failing = await cli(['ssh', 'agent', '--', 'exit', '7']);
    expect(failing.code).toBe(7);
    const unknown = await cli(['ssh', 'nosuchhost']);
    expect(unknown.code).toBe(2);
    expect(unwrap(unknown.stderr)).toContain("'nosuchhost' is not a role or host");
  });

  test('copy puts a file on every agent host', async () => {
    const src = path.join(work, 'data.csv');
    fs.writeFileSync(src, 'a,b\n1,2\n');
    // /opt is each test host's own (an overlay); a real host's /srv would be too.
    const r = await cli(['copy', src, '/opt/data/', '--role', 'agent']);
    expect(r.code).toBe(0);
    const check = await json<{ results: { stdout: string }[] }>(['run', 'cat /opt/data/data.csv', '--role', 'agent']);
    expect(check.results.map((x) => x.stdout)).toEqual(['a,b\n1,2\n', 'a,b\n1,2\n', 'a,b\n1,2\n']);
    // Only the agent hosts got it.
    expect((await cli(['run', 'test -e /opt/data/data.csv', '--role', 'master'])).code).toBe(1);
    await cli(['run', 'rm -rf /opt/data', '--role', 'agent']);
  });

  test('scale adds an agent on a new host, then drains and removes it', async () => {
    const up = await json<{ agents: number; added: string[] }>(['scale', '--agents', '4', '--hosts', fleet.hosts[5].ip]);
    expect(up).toMatchObject({ agents: 4, added: [fleet.hosts[5].ip] });
    const agents = await json<{ agents: AgentJson[] }>(['agents']);
    expect(agents.agents.filter((a) => a.state !== 'gone').map((a) => a.hostname)).toContain(fleet.hosts[5].ip);

    const down = await json<{ agents: number; removed: string[] }>(['scale', '--agents', '3']);
    expect(down).toMatchObject({ agents: 3, removed: [fleet.hosts[5].ip] });
    expect(fleet.hosts[5].daemonPids()).toEqual([]);
    expect(fleet.leftovers(5)).toEqual([]);
  });

  test('a host whose key changed is refused, naming it and both fingerprints', async () => {
    // The sixth host was pinned when it joined; a new key now is what a man in the middle looks like.
    await fleet.rekey(5);
    // The spec still lists it, so growing back to 4 agents picks it again.
    const r = await cli(['scale', '--agents', '4']);
    expect(r.code).toBe(1);
    const text = unwrap(r.stderr);
    expect(text).toContain(fleet.hosts[5].ip);
    expect(text).toMatch(/SHA256:[A-Za-z0-9+/]+.*SHA256:[A-Za-z0-9+/]+/);
    expect(text).toMatch(/known_hosts/);
    expect(hasStackTrace(r.stderr)).toBe(false);
    expect(fleet.hosts[5].daemonPids()).toEqual([]);
    expect(fleet.leftovers(5)).toEqual([]);
  });

  test('upgrade rolls a new build out one daemon at a time, and a running task survives it', async () => {
    const exec = cli(['exec', '--name', 'long-ssh', '--command', 'sleep 600', '--resources', 'cpus:0.5;mem:64'], { timeoutMs: 200_000 });
    const running = await eventually(async () => {
      const { tasks } = await json<{ tasks: TaskJson[] }>(['tasks']);
      return tasks.find((t) => t.id === 'long-ssh' && t.state === 'TASK_RUNNING');
    }, 'the long task to run', 60_000);
    // A new build: the same code with another content hash.
    const bundle = path.join(work, 'mesoscloud-daemon-next.js');
    fs.writeFileSync(bundle, fs.readFileSync(path.join(ROOT, 'dist', 'daemon', 'mesoscloud-daemon.js'), 'utf8') + '\n// next build\n');
    const up = await json<{ from: string; to: string; restarted: string[] }>(['upgrade'], { MESOSCLOUD_DAEMON_BUNDLE: bundle });
    expect(up.to).not.toBe(up.from);
    expect(up.restarted).toEqual([`${fleet.hosts[1].ip} master`, ...ips(2, 5).map((ip) => `${ip} agent`)]);
    for (const i of [1, 2, 3, 4]) {
      const files = (await fleet.hosts[i].exec(['ls', `/opt/mesoscloud/${CLUSTER}`])).stdout.trim().split('\n');
      expect(files).toEqual([`mesoscloud-daemon-${up.to.slice(0, 12)}.js`]);
    }
    const { tasks } = await json<{ tasks: TaskJson[] }>(['tasks']);
    expect(tasks.find((t) => t.id === 'long-ssh')).toMatchObject({ state: 'TASK_RUNNING', agent_id: running.agent_id });
    const again = await json<{ restarted: string[] }>(['upgrade'], { MESOSCLOUD_DAEMON_BUNDLE: bundle });
    expect(again.restarted).toEqual([]);
    expect((await cli(['kill', 'long-ssh'])).code).toBe(0);
    const ended = await exec;
    expect(ended.stdout).toMatch(/TASK_KILLED/);
    expect(ended.stdout).not.toMatch(/TASK_LOST|TASK_FAILED|TASK_UNREACHABLE/);
  });

  test('an unreachable host is named, and the others still answer', async () => {
    fleet.stopHost(4);
    try {
      const r = await cli(['run', 'true', '--role', 'agent', '--json']);
      expect(r.code).toBe(1);
      const out = JSON.parse(r.stdout) as { results: { host: string; exit_code: number | null; error?: string }[] };
      expect(out.results.find((x) => x.host === fleet.hosts[4].ip)?.error).toMatch(new RegExp(fleet.hosts[4].ip.replace(/\./g, '\\.')));
      expect(out.results.filter((x) => x.exit_code === 0)).toHaveLength(2);
    } finally {
      fleet.startHost(4);
    }
  });

  test('clusters lists it; destroy leaves no process and no file on any host', async () => {
    const listed = await json<{ clusters: { name: string; provider: string; hosts: number; agents: number }[] }>(['clusters']);
    expect(listed.clusters).toEqual([expect.objectContaining({ name: CLUSTER, provider: 'ssh', hosts: 5, agents: 3 })]);
    const r = await cli(['destroy']);
    expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: 0 });
    for (let i = 0; i < 6; i++) {
      expect({ host: i, pids: fleet.hosts[i].daemonPids() }).toEqual({ host: i, pids: [] });
      expect({ host: i, files: fleet.leftovers(i) }).toEqual({ host: i, files: [] });
    }
    expect((await json<{ clusters: unknown[] }>(['clusters'])).clusters).toEqual([]);
  });

  test('a one-host cluster through a jump host: every role on one machine, the jump host untouched', async () => {
    // The sixth host (out of the first cluster now) holds ZooKeeper, the master and the agent; SSH goes through h1.
    const tiny = { MESOSCLOUD_CLUSTER: 'tiny' };
    const r = await cli(['launch', '--provider', 'ssh', '--hosts', fleet.hosts[5].ip, '--colocate', '--zk', '1', '--bastion', `root@${fleet.hosts[0].ip}`,
      '--key', fleet.keyPath, '--agent-resources', 'cpus:1;mem:256', '--json'], { env: tiny });
    expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: 0 });
    const out = JSON.parse(r.stdout) as LaunchJson;
    expect(out.hosts).toEqual([expect.objectContaining({ roles: ['zookeeper', 'master', 'agent'] })]);
    // sshd on h6 saw the connection come from h1, not from this machine.
    expect(fleet.sshdLog(5)).toContain(`from ${fleet.hosts[0].ip}`);
    const task = await cli(['exec', '--name', 'tiny-task', '--command', 'true', '--resources', 'cpus:0.5;mem:32'], { env: tiny });
    expect(task.code).toBe(0);
    expect((await cli(['destroy'], { env: tiny })).code).toBe(0);
    expect(fleet.hosts[5].daemonPids()).toEqual([]);
    expect(fleet.leftovers(5)).toEqual([]);
    expect(fleet.leftovers(0)).toEqual([]);
  });

  test('a launch with one unreachable host names it, finishes the others, and the next launch completes it', async () => {
    const partial = { MESOSCLOUD_CLUSTER: 'partial' };
    // h3 holds ZooKeeper and the master, h4 and h5 an agent each.
    const args = ['launch', '--provider', 'ssh', '--hosts', ips(2, 5).join(','), '--zk', '1', '--colocate', '--key', fleet.keyPath, '--agent-resources', 'cpus:1;mem:256'];
    fleet.stopHost(4);
    let first: CliResult;
    try {
      first = await cli(args, { env: partial });
    } finally {
      fleet.startHost(4);
    }
    expect(first.code).toBe(1);
    expect(unwrap(first.stderr)).toMatch(new RegExp(`1 of 3 host\\(s\\) failed: ${fleet.hosts[4].ip.replace(/\./g, '\\.')}`));
    expect(hasStackTrace(first.stderr)).toBe(false);
    // The reachable agent host got its agent, registered with the master.
    const agents = await json<{ agents: AgentJson[] }>(['agents'], partial);
    expect(agents.agents.map((a) => a.hostname)).toEqual([fleet.hosts[3].ip]);

    const second = await cli([...args, '--json'], { env: partial });
    expect({ code: second.code, stderr: second.stderr }).toMatchObject({ code: 0 });
    const out = JSON.parse(second.stdout) as LaunchJson;
    expect(out.hosts.map((h) => h.changes)).toEqual([{ zookeeper: 'unchanged', master: 'unchanged' }, { agent: 'unchanged' }, { agent: 'started' }]);
    expect((await cli(['destroy'], { env: partial })).code).toBe(0);
    for (const i of [2, 3, 4]) expect(fleet.leftovers(i)).toEqual([]);
  });
});
